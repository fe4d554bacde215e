"""An account made during checkout: offered to guests (a checkbox and a
password on the first step), never required.

The password is checked on the first step and kept in the session only as
a hash (never in the form data the confirmation step carries), and the
account is made once the order is placed: its email is the order's, and the
order is its first. Earlier guest orders with that email join the account
only once the buyer proves the address (shop_ext.orders.claims).
"""

import secrets

from django import forms
from django.contrib.auth import get_user_model, login, password_validation
from django.contrib.auth.hashers import make_password
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

# The session key of the chosen password's hash, between the first step and the order.
SESSION_KEY = "shop_ext:new-account-password-hash"
# How a new account signs in (settings.AUTHENTICATION_BACKENDS has two).
BACKEND = "shop_ext.accounts.backends.ShopBackend"
# The fields below, by name.
FIELD_NAMES = ("create_account", "account_password")


def fields(first_step):
    """The form fields for a guest. After the first step only the choice
    travels on (hidden); the password went into the session as a hash."""
    create = forms.BooleanField(
        label=_("Create an account with this email (optional): see this order and later ones in one place"),
        required=False,
    )
    if not first_step:
        create.widget = forms.HiddenInput()
        return {"create_account": create}
    password = forms.CharField(
        label=_("Password for the new account"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    return {"create_account": create, "account_password": password}


def email_taken(email):
    return get_user_model().objects.filter(email__iexact=email).exists()


def clean(form, first_step):
    """Check the choice; on the first step keep the password's hash in the
    session. The password itself leaves ``cleaned_data``, which Cartridge
    keeps in the session between steps."""
    data = form.cleaned_data
    password = data.pop("account_password", "")
    session = form._request.session
    if not data.get("create_account"):
        session.pop(SESSION_KEY, None)
        return
    email = data.get("billing_detail_email", "")
    if email and email_taken(email):
        form.add_error(
            "billing_detail_email",
            _(
                "An account with this email exists already: sign in to use it "
                "(your cart is kept), or untick the box."
            ),
        )
        return
    if not first_step:
        if SESSION_KEY not in session:
            form.add_error(None, _("Please go back and enter the new account's password again."))
        return
    if not password:
        form.add_error("account_password", _("Choose a password for the new account, or untick the box."))
        return
    user = get_user_model()(email=email, first_name=data.get("billing_detail_first_name", ""))
    try:
        password_validation.validate_password(password, user)
    except forms.ValidationError as error:
        form.add_error("account_password", error)
        return
    session[SESSION_KEY] = make_password(password)


def create_for_order(request, order):
    """Make the account chosen during checkout, give it ``order`` and sign
    the buyer in. Nothing when none was chosen, or when the email gained an
    account meanwhile (the order then stays a guest order)."""
    password_hash = request.session.pop(SESSION_KEY, None)
    if password_hash is None or request.user.is_authenticated or email_taken(order.billing_detail_email):
        return None
    user = _new_user(order, password_hash)
    login(request, user, backend=BACKEND)
    # Signing in gives the session a new key; Cartridge finds the order for
    # the completion page (and a guest's invoice) by the session's key.
    order.user_id, order.key = user.pk, request.session.session_key
    order.save(update_fields=["user_id", "key"])
    return user


def _new_user(order, password_hash):
    User = get_user_model()
    base = slugify(order.billing_detail_email.split("@")[0])[:120] or "buyer"
    username = base
    while User.objects.filter(username=username).exists():
        username = f"{base}-{secrets.token_hex(3)}"
    return User.objects.create(
        username=username,
        email=order.billing_detail_email,
        first_name=order.billing_detail_first_name[:150],
        last_name=order.billing_detail_last_name[:150],
        password=password_hash,
    )
