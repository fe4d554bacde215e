"""Forms sent as a browser with JavaScript sends them."""

import re
from html.parser import HTMLParser
from urllib.parse import urljoin

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]*)"')


def csrf_token(session, page):
    """The token ``page``'s form carries or, on a page from the shared cache
    (an empty token), the one shop.js asks for just before sending."""
    token = TOKEN.search(page.text).group(1)
    if token:
        return token
    answer = session.get(urljoin(page.url, "/csrf/"))
    assert answer.status_code == 200, answer.status_code
    return answer.json()["token"]


def post_form(session, url, data):
    """GET the form's page, then POST it with its token as a browser does."""
    page = session.get(url)
    assert page.status_code == 200, (url, page.status_code)
    return session.post(
        url,
        data={**data, "csrfmiddlewaretoken": csrf_token(session, page)},
        headers={"Referer": url},
        allow_redirects=False,
    )


def place_order(session, base_url, details):
    """Checkout as a browser sends it: the details, then the confirmation
    page's form; the answer to the second. A cart with nothing to ship has
    one page: the details place the order (the answer to the first)."""
    checkout = f"{base_url}/shop/checkout/"
    # A cart with downloads asks for consent to their immediate delivery (ignored by one without).
    details = {"digital_supply_consent": "on", **details}
    confirmation = post_form(session, checkout, {**details, "step": 1})
    if confirmation.is_redirect:
        return confirmation
    assert confirmation.status_code == 200
    return session.post(
        checkout,
        data={**details, "step": 2, "csrfmiddlewaretoken": csrf_token(session, confirmation)},
        headers={"Referer": checkout},
        allow_redirects=False,
    )


class _FormFields(HTMLParser):
    """The (name, value) pairs a browser submits from one form of a page:
    checked boxes only, selected options, textareas' text; no buttons and
    no empty file inputs."""

    NOT_SENT = {"submit", "button", "reset", "image", "file"}

    def __init__(self, form_id):
        super().__init__()
        self.form_id = form_id
        self.inside = False
        self.fields = []
        self.select = self.textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        elif not self.inside or "name" not in attrs and tag in ("input", "select", "textarea"):
            return
        elif tag == "input":
            kind = attrs.get("type", "text").lower()
            if kind in self.NOT_SENT or (kind in ("checkbox", "radio") and "checked" not in attrs):
                return
            self.fields.append((attrs["name"], attrs.get("value") or ("on" if kind == "checkbox" else "")))
        elif tag == "select":
            self.select = {"name": attrs["name"], "multiple": "multiple" in attrs, "options": []}
        elif tag == "option" and self.select is not None:
            self.select["options"].append((attrs.get("value", ""), "selected" in attrs))
        elif tag == "textarea":
            self.textarea = [attrs["name"], ""]

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select" and self.select is not None:
            options = self.select["options"]
            chosen = [value for value, selected in options if selected]
            if not chosen and not self.select["multiple"] and options:
                chosen = [options[0][0]]  # a single select always sends one
            self.fields += [(self.select["name"], value) for value in chosen]
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            name, text = self.textarea
            self.fields.append((name, text.removeprefix("\n")))  # as a browser drops it
            self.textarea = None


def form_fields(html, form_id):
    """What a browser would send from the form ``form_id`` in ``html``, as
    it stands: a list of (name, value) pairs."""
    parser = _FormFields(form_id)
    parser.feed(html)
    parser.close()
    return parser.fields


def with_inline_row(fields, prefix, values):
    """``fields`` (form_fields of an admin change form) with one more row
    of the inline ``prefix``, as the admin's "Add another" adds it: the
    empty row's fields under the next index, ``values`` (field: a value or
    a list of values) replacing the empty row's own."""
    total = int(dict(fields)[f"{prefix}-TOTAL_FORMS"])
    empty = f"{prefix}-__prefix__-"
    row = [
        (f"{prefix}-{total}-{name.removeprefix(empty)}", value)
        for name, value in fields
        if name.startswith(empty) and name.removeprefix(empty) not in values
    ]
    for field, value in values.items():
        row += [(f"{prefix}-{total}-{field}", one) for one in (value if isinstance(value, list) else [value])]
    kept = [(name, value) for name, value in fields if name != f"{prefix}-TOTAL_FORMS"]
    return [*kept, *row, (f"{prefix}-TOTAL_FORMS", str(total + 1))]


def save_admin_form(session, url, fields, files=None):
    """POST an admin change form's ``fields`` (without the empty rows'
    templates) and ``files`` with "Save", as the browser sends it."""
    data = [(name, value) for name, value in fields if "__prefix__" not in name]
    return session.post(
        url,
        data=[*data, ("_save", "Save")],
        files=files,
        headers={"Referer": url},
        allow_redirects=False,
    )
