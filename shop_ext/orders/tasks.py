"""The order emails' task: queued on commit, retried with backoff while the
mail server is unreachable, then recorded as failed for staff to re-send."""

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.translation import gettext as _

from shop_ext.core.links import absolute_url, site_url
from shop_ext.core.mail import retry_if_transient, send_from_task
from shop_ext.core.tasks import RETRY_TEMPORARY, enqueue_on_commit
from shop_ext.models import OrderEmail
from shop_ext.orders import claims, emails


@shared_task(name="shop_ext.orders.tasks.send_order_email", bind=True, **RETRY_TEMPORARY)
def send_order_email(self, email_id):
    error = emails.send_once(email_id)
    if error is None:
        return
    retry_if_transient(self, error)
    emails.give_up(email_id, repr(error))


def queue_order_email(order, kind, requested_by=None):
    """Record the email and queue its sending once the transaction commits."""
    email = OrderEmail.objects.create(order=order, kind=kind, requested_by=requested_by)
    enqueue_on_commit(send_order_email, email.pk, on_failure=email.mark_not_queued)
    return email


@shared_task(name="shop_ext.orders.tasks.send_claim_link", bind=True, **RETRY_TEMPORARY)
def send_claim_link(self, user_id):
    """Email a signed-in buyer the link that adds their guest orders to the
    account, at the account's address (made here: the link is never queued)."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None or not claims.guest_orders(user).exists():
        return
    context = {
        "user": user,
        "count": claims.guest_orders(user).count(),
        "claim_url": absolute_url(reverse("shop_claim_orders", args=[claims.claim_token(user)])),
        "site_url": site_url(),
    }
    send_from_task(
        self,
        f"Claim-orders email for user {user_id}",
        _("Add your earlier orders to your %(site)s account") % {"site": settings.SITE_TITLE},
        "email/claim_orders",
        settings.DEFAULT_FROM_EMAIL,
        user.email,
        context,
    )
