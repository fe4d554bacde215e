"""Getting bought files to their buyers: a product's download settings, an
order's delivery and grants, the download log, private links, update notices,
stamped copies, and the buyer's library (its feed's token, the e-reader
address and what was mailed to it)."""

import secrets

from cartridge.shop.models import Order, OrderItem, Product
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shop_ext.core.storage import get_private_storage
from shop_ext.models.base import QueuedEmail, requested_by_field
from shop_ext.models.catalogue import ProductFile, ProductFileVersion


class DownloadPolicy(models.Model):
    """A product's own download settings: limits where the site defaults
    (SHOP_MAX_ORDER_DOWNLOAD_ATTEMPTS, SHOP_DOWNLOAD_EXPIRY_DAYS) do not fit,
    which version of a file buyers get, and per-buyer stamping. A product
    without one has the defaults (updates on, no stamping)."""

    product = models.OneToOneField(
        Product, related_name="download_policy", on_delete=models.CASCADE, verbose_name=_("Product")
    )
    max_attempts = models.PositiveIntegerField(
        _("Download attempts per order"),
        null=True,
        blank=True,
        help_text=_("Empty: the site default."),
    )
    expiry_days = models.PositiveIntegerField(
        _("Days to download after payment"),
        null=True,
        blank=True,
        help_text=_("Empty: the site default."),
    )

    buyers_get_updates = models.BooleanField(
        _("Buyers get updated files"),
        default=True,
        help_text=_("Ticked: a buyer downloads the newest version of a file. Unticked: the version bought."),
    )
    stamp_copies = models.BooleanField(
        _("Stamp each buyer's copy"),
        default=False,
        help_text=_(
            "PDF and EPUB files get the buyer's name, email and order number, and a copy identifier."
        ),
    )
    STAMP_FAILED_ORIGINAL = "original"
    STAMP_FAILED_DELAY = "delay"
    deliver_if_stamping_fails = models.CharField(
        _("If a file cannot be stamped"),
        max_length=10,
        choices=[
            (STAMP_FAILED_DELAY, _("Delay the download and tell staff")),
            (STAMP_FAILED_ORIGINAL, _("Deliver the original, unstamped")),
        ],
        default=STAMP_FAILED_DELAY,
    )

    class Meta:
        verbose_name = _("Download settings")
        verbose_name_plural = _("Download settings")

    def __str__(self):
        return f"Download settings of {self.product}"


class OrderDelivery(models.Model):
    """The digital side of a paid order: when it was paid and its download
    limits (its emails are OrderEmail rows)."""

    order = models.OneToOneField(
        Order, related_name="delivery", on_delete=models.CASCADE, verbose_name=_("Order")
    )
    paid_at = models.DateTimeField(_("Paid at"))
    expires_at = models.DateTimeField(_("Downloads expire"), null=True, blank=True)
    max_attempts = models.PositiveIntegerField(
        _("Download attempts allowed"),
        null=True,
        blank=True,
        help_text=_("For the whole order; empty means no limit."),
    )
    attempts_used = models.PositiveIntegerField(_("Download attempts used"), default=0)
    unmatched_skus = models.JSONField(
        _("Lines with no product"),
        default=list,
        blank=True,
        help_text=_("SKUs of lines that no longer match a variation when the order was paid."),
    )

    class Meta:
        verbose_name = _("Order delivery")
        verbose_name_plural = _("Order deliveries")
        # Staff powers over downloads (docs/security.md, "Staff permissions").
        permissions = [
            (
                "manage_downloads",
                _("Can manage an order's downloads (attempts, expiry, revoke, files email)"),
            ),
            ("download_any_order", _("Can download any buyer's files")),
        ]

    def __str__(self):
        return f"Delivery of order #{self.order_id}"

    @property
    def attempts_left(self):
        if self.max_attempts is None:
            return None
        return max(self.max_attempts - self.attempts_used, 0)


class DownloadGrant(models.Model):
    """The right to download one file, bought with one order line.

    Recorded at paid time so later edits to SKUs, variations or the files a
    variation delivers neither break nor widen what the buyer got.
    """

    order = models.ForeignKey(
        Order, related_name="download_grants", on_delete=models.CASCADE, verbose_name=_("Order")
    )
    order_item = models.ForeignKey(
        OrderItem,
        related_name="download_grants",
        on_delete=models.CASCADE,
        verbose_name=_("Order line"),
    )
    # PROTECT: a file a paid order still needs cannot be deleted.
    file = models.ForeignKey(
        ProductFile, related_name="grants", on_delete=models.PROTECT, verbose_name=_("File")
    )
    # The version bought; PROTECT keeps it (and its file) while the grant exists.
    version = models.ForeignKey(
        "ProductFileVersion",
        related_name="grants",
        on_delete=models.PROTECT,
        verbose_name=_("Version bought"),
    )
    created_at = models.DateTimeField(_("Granted at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("Revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("Download grant")
        verbose_name_plural = _("Download grants")
        ordering = ("order_item_id", "file_id")
        constraints = [
            models.UniqueConstraint(fields=("order_item", "file"), name="one_grant_per_line_and_file")
        ]

    def __str__(self):
        return f"{self.file} (order #{self.order_id})"


class DownloadAttempt(models.Model):
    """One request to download a file or an order's zip, and what came of it."""

    SERVED = "served"
    RESUMED = "resumed"
    DENIED = "denied"
    FAILED = "failed"
    OUTCOMES = [
        (SERVED, _("Served")),
        (RESUMED, _("Resumed (not counted)")),
        (DENIED, _("Denied")),
        (FAILED, _("Failed (no attempt used)")),
    ]

    order = models.ForeignKey(
        Order, related_name="download_attempts", on_delete=models.CASCADE, verbose_name=_("Order")
    )
    grant = models.ForeignKey(
        DownloadGrant,
        related_name="attempts",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        verbose_name=_("File"),
        help_text=_("Empty for the whole-order zip."),
    )
    version = models.ForeignKey(
        ProductFileVersion,
        related_name="+",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        verbose_name=_("Version served"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        verbose_name=_("User"),
    )
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("User agent"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("Time"), auto_now_add=True, db_index=True)
    outcome = models.CharField(_("Outcome"), max_length=10, choices=OUTCOMES)
    reason = models.CharField(_("Reason"), max_length=200, blank=True)
    # A resume (outcome RESUMED) names the counted download it continues;
    # that download counts its free resumes (SHOP_DOWNLOAD_MAX_RESUMES).
    resumed_from = models.ForeignKey(
        "self",
        related_name="resumes",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        verbose_name=_("Resumes"),
    )
    resumes_used = models.PositiveSmallIntegerField(_("Free resumes used"), default=0)

    class Meta:
        verbose_name = _("Download attempt")
        verbose_name_plural = _("Download log")
        ordering = ("-created_at",)

    def __str__(self):
        return f"{self.get_outcome_display()} {self.created_at:%Y-%m-%d %H:%M}"


def new_link_secret():
    return secrets.token_hex(16)


class PrivateOrderLink(models.Model):
    """What an order's private link is made from (shop_ext.delivery.private_links).

    Only this random secret is stored; the link's token is an HMAC of it
    with the order's number under SECRET_KEY, so the database alone opens
    no order. A new secret (staff: "Make new private links") ends the old link.
    """

    order = models.OneToOneField(
        Order, related_name="private_link", on_delete=models.CASCADE, verbose_name=_("Order")
    )
    secret = models.CharField(_("Secret"), max_length=32, default=new_link_secret, editable=False)
    made_at = models.DateTimeField(_("Made at"), auto_now=True)

    class Meta:
        verbose_name = _("Private order link")
        verbose_name_plural = _("Private order links")

    def __str__(self):
        return f"Private link of order #{self.order_id}"


class UpdateNotice(QueuedEmail):
    """One "a file you bought was updated" email to one buyer about one
    version: unique per version and address, so however often staff ask,
    nobody is told twice (sent like OrderEmail, by a worker, at most once)."""

    version = models.ForeignKey(
        ProductFileVersion, related_name="notices", on_delete=models.CASCADE, verbose_name=_("Version")
    )
    email = models.EmailField(_("Sent to"))
    order = models.ForeignKey(
        Order, related_name="update_notices", on_delete=models.CASCADE, verbose_name=_("Order")
    )
    requested_by = requested_by_field(_("Asked for by"), _("Empty when run by the management command."))

    class Meta:
        verbose_name = _("Update notice")
        verbose_name_plural = _("Update notices")
        ordering = ("-requested_at", "pk")
        constraints = [
            models.UniqueConstraint(fields=("version", "email"), name="one_notice_per_version_and_email")
        ]

    def __str__(self):
        return f"{self.version} to {self.email}"


class StampedCopy(models.Model):
    """One buyer's stamped copy of one version of a file: built once by a
    worker (shop_ext.delivery.stamping), kept in private storage, and
    carrying ``copy_id`` so a leaked copy leads back to its order."""

    PENDING = "pending"
    READY = "ready"
    FAILED = "failed"
    STATUSES = [(PENDING, _("Being made")), (READY, _("Ready")), (FAILED, _("FAILED"))]

    grant = models.ForeignKey(
        DownloadGrant, related_name="stamped_copies", on_delete=models.CASCADE, verbose_name=_("Grant")
    )
    version = models.ForeignKey(
        ProductFileVersion, related_name="stamped_copies", on_delete=models.CASCADE, verbose_name=_("Version")
    )
    copy_id = models.CharField(_("Copy identifier"), max_length=32, unique=True, editable=False)
    file = models.FileField(
        _("File"), storage=get_private_storage, max_length=255, blank=True, editable=False
    )
    size = models.PositiveBigIntegerField(_("Size in bytes"), default=0, editable=False)
    # Shown to the buyer instead of the master file's (blank for copies made before it was kept).
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True, editable=False)
    status = models.CharField(_("Status"), max_length=10, choices=STATUSES, default=PENDING)
    error = models.TextField(_("Why it failed"), blank=True)
    requested_at = models.DateTimeField(_("Asked for"), auto_now_add=True)
    built_at = models.DateTimeField(_("Made"), null=True, blank=True)

    class Meta:
        verbose_name = _("Stamped copy")
        verbose_name_plural = _("Stamped copies")
        ordering = ("-requested_at",)
        constraints = [
            models.UniqueConstraint(fields=("grant", "version"), name="one_stamped_copy_per_grant_version")
        ]
        permissions = [("trace_leak", _("Can find the order of a found stamped copy"))]

    def __str__(self):
        return f"{self.version} for order #{self.grant.order_id}"


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
    @kindle.com address, a PocketBook's @pbsync.com: SHOP_EREADER_MAX_MB)."""

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
