"""The contact page's view. Its text is the Mezzanine page with the slug
"contact" (editable in the page tree, loaded by the demo): Mezzanine's page
middleware gives this view that page, as ``request.page``, because the URLs
match. The form below it is ours: a message is stored (ContactMessage, read
by staff in the admin) before a worker mails it to staff, so a mail server
or task queue that fails loses nothing; each client may send only so many an
hour (counted atomically in the shared cache; while it is down nothing is
taken, as an unlimited form would let anyone flood the staff's inbox)."""

import logging

from django import forms
from django.conf import settings
from django.core.validators import RegexValidator
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from mezzanine.utils.sites import current_site_id

from shop_ext.contact.tasks import send_contact_message
from shop_ext.core.cache import CACHE_DOWN
from shop_ext.core.net import client_ip
from shop_ext.core.ratelimit import count_use
from shop_ext.core.tasks import enqueue_on_commit
from shop_ext.models import ContactMessage

log = logging.getLogger(__name__)

TEMPLATE = "shop_ext/contact.html"
WINDOW = 3600


# The name and subject go into the email's headers, where a line break is refused.
one_line = RegexValidator(r"[\r\n]", _("Please keep this to one line."), inverse_match=True)


class ContactForm(forms.Form):
    name = forms.CharField(
        label=_("Your name"),
        max_length=100,
        validators=[one_line],
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("Your email address"),
        max_length=254,
        help_text=_("We reply to this address."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    order = forms.CharField(
        label=_("Order number"),
        max_length=20,
        required=False,
        help_text=_("If your message is about an order."),
    )
    subject = forms.CharField(label=_("Subject"), max_length=150, validators=[one_line])
    message = forms.CharField(
        label=_("Message"), max_length=5000, widget=forms.Textarea(attrs={"rows": 7, "maxlength": 5000})
    )


def _within_limit(request):
    """Count this message for its client; False once over the hour's limit. Raises CACHE_DOWN."""
    key = f"shop_ext:contact:{current_site_id()}:ip:{client_ip(request)}"
    return count_use(key, WINDOW) <= settings.SHOP_CONTACT_MESSAGES_PER_CLIENT_PER_HOUR


def _answer(request, status=200, **context):
    context.setdefault("page", getattr(request, "page", None))
    return TemplateResponse(request, TEMPLATE, context, status=status)


def contact(request):
    """The page is the same for every anonymous visitor, so the page cache
    keeps it (its form's CSRF token is filled in by the browser,
    shop_ext/catalogue/cached_forms.py); answers to a POST are never kept."""
    form = ContactForm(request.POST if request.method == "POST" else None)
    if not form.is_valid():
        return _answer(request, status=400 if form.is_bound else 200, form=form)
    try:
        allowed = _within_limit(request)
    except CACHE_DOWN:
        log.exception("Cache unavailable: the contact form sends nothing until it is back")
        return _answer(request, status=503, form=form, unavailable=True)
    if not allowed:
        return _answer(request, status=429, form=form, too_many=True)
    fields = form.cleaned_data
    message = ContactMessage.objects.create(
        site_id=current_site_id(),
        name=fields["name"],
        email=fields["email"],
        order_number=fields["order"],
        subject=fields["subject"],
        body=fields["message"],
    )
    # Not queued (the broker down): kept, marked for requeue_emails to queue again.
    enqueue_on_commit(send_contact_message, message.pk, on_failure=message.mark_not_queued)
    return _answer(request, sent_to=fields["email"])
