"""Messages shoppers send from the contact page: kept as rows, so a mail
server that refuses them for good loses nothing (staff read them in the
admin), and mailed to staff by a worker from the row."""

from django.conf import settings
from django.contrib.sites.models import Site
from django.db import models
from django.utils.translation import gettext_lazy as _

from shop_ext.models.base import QueuedEmail


class ContactMessage(QueuedEmail):
    """One message from the contact form. ``requested_at`` is when it arrived;
    ``handled_at``/``handled_by`` say that staff took care of it."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, editable=False, verbose_name=_("Site"))
    name = models.CharField(_("Name"), max_length=100)
    email = models.EmailField(_("Email address"), max_length=254)
    order_number = models.CharField(_("Order number"), max_length=20, blank=True)
    subject = models.CharField(_("Subject"), max_length=150)
    body = models.TextField(_("Message"), max_length=5000)
    handled_at = models.DateTimeField(_("Handled at"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("Handled by"),
    )

    class Meta:
        verbose_name = _("Contact message")
        verbose_name_plural = _("Contact messages")
        ordering = ("-requested_at", "-pk")

    def __str__(self):
        return f"Contact message {self.pk} from {self.email}"
