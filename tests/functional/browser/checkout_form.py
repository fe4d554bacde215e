"""What a shopper does on the checkout form, shared by the journeys."""

import re

# The label of the box a cart with downloads must tick (shop_ext/orders/consent.py).
CONSENT = re.compile("^Deliver my downloads now")


def consent_to_immediate_delivery(page):
    """Tick the consent to immediate delivery of downloads beside the button."""
    page.get_by_role("checkbox", name=CONSENT).check()
