"""Consent to immediate delivery of downloads (EU/UK rule for digital
content): the buyer asks for the files at once and acknowledges losing the
14-day right to withdraw. Checkout asks for it (shop_ext.checkout.forms);
the order keeps when and under which wording (DigitalSupplyConsent), shown
in the order admin, on the receipt and on the invoice."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shop_ext.models import DigitalSupplyConsent

# Every wording buyers have ticked, by version. An order names the version it
# was given under, so a wording is never edited: a new one gets a new version.
WORDINGS = {
    "2026-12": _(
        "Deliver my downloads now. I understand that once the download is made available "
        "I lose my 14-day right to withdraw from the purchase of the downloads."
    ),
}
CURRENT_VERSION = "2026-12"


def wording(version):
    """The text of wording ``version`` (the version itself if unknown)."""
    return WORDINGS.get(version, version)


def record(order):
    """The buyer of ``order`` ticked the current wording at checkout."""
    return DigitalSupplyConsent.objects.create(
        order=order, given_at=timezone.now(), wording_version=CURRENT_VERSION
    )
