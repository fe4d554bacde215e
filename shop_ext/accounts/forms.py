from django import forms
from django.utils.translation import gettext_lazy as _
from mezzanine.accounts import forms as accounts_forms

from shop_ext.accounts.backends import find_user, shares_email


class PasswordResetForm(accounts_forms.PasswordResetForm):
    """Mezzanine's "forgot password" form, which is a 500 when two accounts
    share the email address entered (``User.objects.get``)."""

    def clean(self):
        login = self.cleaned_data.get("username")
        if login is None:
            return self.cleaned_data  # the field's own error says what is missing
        self._user = find_user(login, is_active=True)
        if self._user is None:
            if shares_email(login, is_active=True):
                raise forms.ValidationError(
                    _("Several accounts use this email address: please enter your username.")
                )
            raise forms.ValidationError(_("Invalid username/email"))
        return self.cleaned_data
