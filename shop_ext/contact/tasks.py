from celery import shared_task
from django.conf import settings
from django.utils.translation import gettext as _
from mezzanine.utils.email import send_mail_template

from shop_ext.core import mail
from shop_ext.core.tasks import RETRY_TEMPORARY
from shop_ext.models import ContactMessage


def mail_staff(message):
    """Email staff (SHOP_CONTACT_EMAIL) the stored ``message``; a reply goes to the shopper."""
    send_mail_template(
        _("Contact form: %(subject)s") % {"subject": message.subject},
        "email/contact_message",
        settings.SHOP_ORDER_FROM_EMAIL,
        settings.SHOP_CONTACT_EMAIL,
        context={"message": message},
        fail_silently=False,
        headers={"Reply-To": message.email},
    )


@shared_task(name="shop_ext.contact.tasks.send_contact_message", bind=True, **RETRY_TEMPORARY)
def send_contact_message(self, message_id):
    """Mail staff the ContactMessage ``message_id``, once. A mail server
    that refuses it for good leaves the row unsent (staff read it in the
    admin); one that is down for now is tried again (core.mail)."""
    error = mail.send_recorded_once(ContactMessage, message_id, mail_staff)
    if error is None:
        return
    mail.retry_if_transient(self, error)
    mail.give_up(ContactMessage, message_id, repr(error))
