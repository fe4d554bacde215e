from celery import shared_task
from django.conf import settings
from django.utils.translation import gettext as _

from shop_ext.core import mail
from shop_ext.core.tasks import RETRY_TEMPORARY


@shared_task(name="shop_ext.contact.tasks.send_contact_message", bind=True, **RETRY_TEMPORARY)
def send_contact_message(self, message):
    """Email staff (SHOP_CONTACT_EMAIL) one shopper's ``message`` (the
    contact form's cleaned fields); a reply goes to the shopper."""
    mail.send_from_task(
        self,
        "Contact message",
        _("Contact form: %(subject)s") % {"subject": message["subject"]},
        "email/contact_message",
        settings.SHOP_ORDER_FROM_EMAIL,
        settings.SHOP_CONTACT_EMAIL,
        {"message": message},
        headers={"Reply-To": message["email"]},
    )
