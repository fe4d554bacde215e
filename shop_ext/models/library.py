"""A buyer's library across orders: the token of its OPDS feed, the
e-reader address books are mailed to, and each mailing
(shop_ext.delivery.library, shop_ext.delivery.library_feed,
shop_ext.delivery.ereader)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shop_ext.models.delivery import DownloadAttempt, DownloadGrant


class LibraryFeed(models.Model):
    """The token of a buyer's library feed, kept only as its SHA-256: a
    copy of the table opens no feed. A new token ends the old one; no row,
    no feed."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        related_name="library_feed",
        on_delete=models.CASCADE,
        verbose_name=_("Buyer"),
    )
    token_sha256 = models.CharField(_("Token (SHA-256)"), max_length=64, unique=True, editable=False)
    made_at = models.DateTimeField(_("Made at"), auto_now=True)

    class Meta:
        verbose_name = _("Library feed")
        verbose_name_plural = _("Library feeds")

    def __str__(self):
        return f"Library feed of user {self.user_id}"


class EReader(models.Model):
    """Where a buyer's "Send to my e-reader" mails a book (a Kindle's
    @kindle.com address, a Kobo's or PocketBook's)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, related_name="ereader", on_delete=models.CASCADE, verbose_name=_("Buyer")
    )
    email = models.EmailField(_("E-reader address"))
    saved_at = models.DateTimeField(_("Saved at"), auto_now=True)

    class Meta:
        verbose_name = _("E-reader address")
        verbose_name_plural = _("E-reader addresses")

    def __str__(self):
        return self.email


class EReaderSending(models.Model):
    """One book mailed to an e-reader: queued by the buyer, sent (or
    refused by the mail server) by a worker; the download log's entry is
    the attempt it used."""

    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"
    STATUSES = [(QUEUED, _("Queued")), (SENT, _("Sent")), (FAILED, _("Failed"))]

    grant = models.ForeignKey(
        DownloadGrant, related_name="ereader_sendings", on_delete=models.CASCADE, verbose_name=_("Grant")
    )
    email = models.EmailField(_("Sent to"))
    attempt = models.ForeignKey(
        DownloadAttempt,
        related_name="+",
        null=True,
        on_delete=models.SET_NULL,
        verbose_name=_("Download log entry"),
    )
    status = models.CharField(_("Status"), max_length=10, choices=STATUSES, default=QUEUED)
    error = models.CharField(_("What the mail server said"), max_length=300, blank=True)
    requested_at = models.DateTimeField(_("Asked for"), auto_now_add=True)
    sent_at = models.DateTimeField(_("Sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("E-reader sending")
        verbose_name_plural = _("E-reader sendings")
        ordering = ("-requested_at", "-pk")

    def __str__(self):
        return f"{self.grant.file} to {self.email}"
