"""Admin inlines shown as tables name each field of each row: a table's
column headings are not labels, so a screen reader met "edit text" in every
cell (WCAG 1.3.1, 4.1.2)."""

from django.contrib import admin
from django.forms.models import BaseInlineFormSet
from django.forms.widgets import MultiWidget
from django.utils.text import capfirst
from django.utils.translation import gettext as _


def _widgets(widget):
    """The widgets that render inputs: a related-field wrapper's inner widget,
    each part of a multi-widget (a date and a time)."""
    widget = getattr(widget, "widget", widget)
    if isinstance(widget, MultiWidget):
        return widget.widgets
    return [widget]


class LabelledRowsFormSet(BaseInlineFormSet):
    def row_name(self, form, index):
        """How a screen reader names the row; a formset whose rows have a
        name of their own (a book's format) says it instead of a number."""
        return _("row %(number)s") % {"number": index + 1} if index is not None else _("new row")

    def add_fields(self, form, index):
        super().add_fields(form, index)
        row = form.row_name = self.row_name(form, index)
        for name, field in form.fields.items():
            if field.widget.is_hidden:
                continue
            label = capfirst(str(field.label or name))
            parts = _widgets(field.widget)
            for number, widget in enumerate(parts, start=1):
                part = f" ({number}/{len(parts)})" if len(parts) > 1 else ""
                widget.attrs["aria-label"] = f"{label}{part}, {row}"


class LabelledTabularInline(admin.TabularInline):
    formset = LabelledRowsFormSet
