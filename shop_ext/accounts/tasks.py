"""The password-reset email, sent by the worker: the request that asks for
it returns at once whether or not the account exists (no mail server time
to tell them apart), and the link's token is made here, never queued."""

import logging
from urllib.parse import urlencode

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from django.urls import reverse
from django.utils.http import int_to_base36
from mezzanine.utils.email import subject_template

from shop_ext.core.cache import CACHE_DOWN
from shop_ext.core.links import site_url
from shop_ext.core.mail import send_from_task
from shop_ext.core.tasks import RETRY_TEMPORARY

log = logging.getLogger(__name__)


@shared_task(name="shop_ext.accounts.tasks.send_password_reset", bind=True, **RETRY_TEMPORARY)
def send_password_reset(self, user_id, next_path="/"):
    """Idempotent while the cache is up: a task that runs again after it
    sent (a worker died before acknowledging it) sends nothing."""
    sent_key = f"shop_ext:password-reset-sent:{self.request.id}"
    if _already_sent(sent_key):
        return
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return
    path = reverse(
        "password_reset_verify",
        kwargs={"uidb36": int_to_base36(user.id), "token": default_token_generator.make_token(user)},
    )
    verify_url = f"{path}?{urlencode({'next': next_path})}"
    context = {"user": user, "verify_url": verify_url, "site_url": site_url()}
    sent = send_from_task(
        self,
        f"Password-reset email for user {user_id}",
        subject_template("email/password_reset_verify_subject.txt", context),
        "email/password_reset_verify",
        settings.DEFAULT_FROM_EMAIL,
        user.email,
        context,
    )
    if not sent:
        return
    try:
        cache.set(sent_key, 1, 24 * 3600)
    except CACHE_DOWN:
        log.warning("Cache unavailable: a password-reset email is not marked as sent")


def _already_sent(key):
    try:
        return cache.get(key) is not None
    except CACHE_DOWN:
        return False
