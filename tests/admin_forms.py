"""Turn an admin change page into the POST data a browser would send."""


def _field_data(form, data):
    for name, _field in form.fields.items():
        value = form[name].value()
        key = form.add_prefix(name)
        if value is None or value is False:
            continue
        if value is True:
            data[key] = "on"
        elif isinstance(value, (list, tuple)):
            data[key] = [str(v) for v in value]
        elif hasattr(value, "name") and not isinstance(value, str):
            continue  # an already-stored file: the browser sends nothing
        else:
            data[key] = str(value)


def admin_form_data(response):
    """POST data for the admin form shown in ``response``, as rendered."""
    data = {}
    _field_data(response.context["adminform"].form, data)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = str(management[name].value())
        for form in formset.forms:
            _field_data(form, data)
    return data


def add_inline_forms(data, prefix, rows):
    """Append new rows to an inline formset in ``data``."""
    total = int(data[f"{prefix}-TOTAL_FORMS"])
    for offset, row in enumerate(rows):
        for name, value in row.items():
            data[f"{prefix}-{total + offset}-{name}"] = value
    data[f"{prefix}-TOTAL_FORMS"] = str(total + len(rows))
    return data


def changelist_status_data(order, status):
    """The order changelist's POST when staff change one order's status
    in its editable column."""
    return {
        "form-TOTAL_FORMS": 1,
        "form-INITIAL_FORMS": 1,
        "form-0-id": order.pk,
        "form-0-status": status,
        "_save": "Save",
    }
