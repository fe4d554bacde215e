"""Guest orders joining an account: a signed-in buyer whose email placed
earlier orders as a guest asks for a link, which goes to that address; the
link (signed, for that account and address, valid for three days) moves the
orders into the account. Receiving it is the proof of owning the address:
an account's email alone is not, as anyone can sign up with any address.
"""

from cartridge.shop.models import Order
from django.core import signing
from django.db import transaction

from shop_ext.models import ClaimedAddress

SALT = "shop_ext.orders.claims"
MAX_AGE = 3 * 24 * 3600


def guest_orders(user):
    """Orders placed as a guest with ``user``'s email address."""
    if not user.email:
        return Order.objects.none()
    return Order.objects.filter(user_id__isnull=True, billing_detail_email__iexact=user.email)


def claim_token(user):
    return signing.dumps({"user": user.pk, "email": user.email.lower()}, salt=SALT)


def claim(user, token):
    """Move the guest orders of the address ``token`` proves into ``user``'s
    account. Returns how many, or None when the token is not for this
    account and its current address (forged, expired, or the email changed)."""
    try:
        signed = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        return None
    if signed != {"user": user.pk, "email": user.email.lower()}:
        return None
    with transaction.atomic():
        ClaimedAddress.objects.update_or_create(user=user, email=signed["email"])
        return guest_orders(user).update(user_id=user.pk)


def offers_claim(user):
    """Whether "My orders" offers to claim guest orders: always, until the
    account has proven its address by a claim (saying "none" before would
    tell anyone who signs up with an address whether it bought here); after
    that, only while guest orders of the address are left to claim."""
    proven = user.claimed_addresses.filter(email=user.email.lower()).exists()
    return not proven or guest_orders(user).exists()
