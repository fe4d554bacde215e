from mezzanine.accounts import forms as accounts_forms

from shop_ext.accounts.backends import accounts_named


class PasswordResetForm(accounts_forms.PasswordResetForm):
    """Mezzanine's "forgot password" form without its lookup in clean(),
    which said "Invalid username/email" for a login no account has (telling
    anyone which accounts exist) and was a 500 when two accounts share an
    email address. The page answers alike for every login
    (shop_ext/accounts/views.py)."""

    def clean(self):
        return self.cleaned_data

    def accounts(self):
        """The active accounts to send a reset link to: the one with the
        username entered, else every one with that email address. They
        share the mailbox, whose owner could ask for each by its username
        anyway, and each email names its account."""
        return accounts_named(self.cleaned_data["username"], is_active=True)
