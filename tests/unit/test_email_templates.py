"""Every email the shop sends is written in one place,
shop_ext/templates/email/: the templates our code names (and those
replacing Cartridge's and Mezzanine's) resolve there, in both forms, and no
other template root of ours has an email directory."""

import pytest
from django.conf import settings
from django.template.loader import get_template

from tests import BASE_DIR

EMAIL_ROOT = BASE_DIR / "shop_ext" / "templates" / "email"
# The emails our code sends (send_mail_template names them without extension).
SENT = [
    "order_receipt",
    "order_files",
    "claim_orders",
    "lost_links",
    "file_updated",
    "password_reset_verify",
    "contact_message",
]
# Included by the above, and by Mezzanine's and Cartridge's own emails.
SHARED = ["base.html", "base.txt", "receipt.html"]


@pytest.mark.parametrize("name", [f"{email}.{kind}" for email in SENT for kind in ("html", "txt")] + SHARED)
def test_an_email_template_resolves_in_the_email_root(name):
    assert get_template(f"email/{name}").origin.name == str(EMAIL_ROOT / name)


def test_no_other_template_root_of_ours_has_emails():
    roots = [BASE_DIR / "templates", BASE_DIR / "theme" / "templates", BASE_DIR / "shop_ext" / "templates"]
    assert [str(root) for root in settings.TEMPLATES[0]["DIRS"]] == [str(roots[0])]
    assert [root / "email" for root in roots if (root / "email").exists()] == [EMAIL_ROOT]
