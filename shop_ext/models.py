import secrets
import uuid
from functools import cached_property
from pathlib import PurePosixPath

from cartridge.shop.models import Order, OrderItem, Product, ProductVariation
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, OuterRef, Q, Subquery
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from shop_ext.core import files
from shop_ext.core.storage import get_private_storage
from shop_ext.orders import OrderStatus


class Book(Product):
    """A title sold in one or more formats (the Format option's variations)."""

    author = models.CharField(_("Author"), max_length=200)
    isbn = models.CharField(_("ISBN"), max_length=17, blank=True)
    publisher = models.CharField(_("Publisher"), max_length=200, blank=True)
    published_year = models.PositiveSmallIntegerField(_("Year published"), null=True, blank=True)
    pages = models.PositiveIntegerField(_("Pages"), null=True, blank=True)

    class Meta:
        verbose_name = _("Book")
        verbose_name_plural = _("Books")


def product_file_path(instance, filename):
    """A random name below the product's folder: a buyer-visible filename is
    kept in ``original_filename``, never used as a path."""
    suffix = PurePosixPath(filename).suffix.lower()
    if not suffix[1:].isalnum() or len(suffix) > 10:
        suffix = ""
    return f"products/{instance.product_id}/{uuid.uuid4().hex}{suffix}"


class ProductFileQuerySet(models.QuerySet):
    def for_variation(self, variation):
        """The one rule for "which files does this variation deliver"."""
        return (
            self.filter(product_id=variation.product_id)
            .filter(Q(for_all_variations=True) | Q(variations=variation))
            .distinct()
        )


class ProductFile(models.Model):
    """A downloadable file of a product, kept in private storage."""

    product = models.ForeignKey(
        Product, related_name="files", on_delete=models.CASCADE, verbose_name=_("Product")
    )
    file = models.FileField(
        _("File"), storage=get_private_storage, upload_to=product_file_path, max_length=255
    )
    title = models.CharField(
        _("Title"),
        max_length=200,
        blank=True,
        help_text=_("Shown to buyers; defaults to the uploaded file's name."),
    )
    for_all_variations = models.BooleanField(
        _("Delivered by every variation"),
        default=False,
        help_text=_("Tick for a file every buyer of this product gets (e.g. a bonus PDF)."),
    )
    variations = models.ManyToManyField(
        ProductVariation,
        blank=True,
        related_name="files",
        verbose_name=_("Delivered by"),
        help_text=_("The variations (e.g. eBook, Paperback + eBook) that deliver this file."),
    )
    original_filename = models.CharField(_("Original filename"), max_length=255, editable=False)
    size = models.PositiveBigIntegerField(_("Size in bytes"), default=0, editable=False)
    content_type = models.CharField(_("Content type"), max_length=100, editable=False)
    sha256 = models.CharField(_("SHA-256"), max_length=64, editable=False)
    updated_at = models.DateTimeField(_("Updated"), auto_now=True)
    # The newest of ``versions`` (whose file ``file`` is), kept here so a
    # download finds it in the query that finds the grant. RESTRICT: it
    # cannot be deleted on its own, only with its product file.
    current_version = models.ForeignKey(
        "ProductFileVersion",
        related_name="+",
        null=True,
        editable=False,
        on_delete=models.RESTRICT,
        verbose_name=_("Current version"),
    )

    objects = ProductFileQuerySet.as_manager()

    class Meta:
        verbose_name = _("Product file")
        verbose_name_plural = _("Product files")
        ordering = ("product_id", "id")

    def __str__(self):
        return self.display_name

    # The note for the version a new upload makes ("fixed typos in chapter 3"),
    # set by the admin form before saving.
    version_note = ""

    def save(self, *args, **kwargs):
        # A new or replaced upload: record what it is before it is stored,
        # and keep it as a new version (old versions stay while grants need them).
        if self.file and not self.file._committed:
            for field, value in files.describe(self.file).items():
                setattr(self, field, value)
        super().save(*args, **kwargs)
        # Also a file stored by other means (a script naming a stored file)
        # becomes a version: every file a grant serves has one.
        if self.file and (self.current_version is None or self.current_version.file.name != self.file.name):
            self.add_version(self.version_note)

    def add_version(self, note=""):
        """The stored file as the newest version (its facts copied, never changed)."""
        latest = self.versions.order_by("-number").values_list("number", flat=True).first() or 0
        self.current_version = ProductFileVersion.objects.create(
            product_file=self,
            number=latest + 1,
            file=self.file.name,
            size=self.size,
            sha256=self.sha256,
            content_type=self.content_type,
            original_filename=self.original_filename,
            note=note,
        )
        ProductFile.objects.filter(pk=self.pk).update(current_version=self.current_version)
        return self.current_version

    def clean(self):
        upload = self.file
        if not upload or upload._committed:
            return
        if upload.size == 0:
            raise ValidationError({"file": _("The file is empty.")})
        limit = settings.SHOP_PRODUCT_FILE_MAX_BYTES
        if upload.size > limit:
            raise ValidationError(
                {"file": _("The file is larger than the limit of %(mb)s MB.") % {"mb": limit // 2**20}}
            )

    @property
    def display_name(self):
        return self.title or self.original_filename

    @cached_property  # order pages show it twice per file
    def download_name(self):
        """The name the buyer's browser saves the file under (name_for_buyer)."""
        return self.name_for_buyer(
            ProductFile.objects.filter(product_id=self.product_id, content_type=self.content_type).count()
        )

    def name_for_buyer(self, files_of_its_type):
        """The one rule for a downloaded file's name: the book's title,
        slugified, and the file's extension ("mending.epub"); when the product
        has several files of this content type (``files_of_its_type``, see
        files_of_its_type below), the file's own label too
        ("mending-large-print.epub"). Letters outside ASCII stay: the
        Content-Disposition header carries an ASCII fallback as well."""
        suffix = PurePosixPath(self.original_filename).suffix.lower()
        stem = slugify(self.product.title, allow_unicode=True)
        if files_of_its_type > 1:
            label = self.title or PurePosixPath(self.original_filename).stem
            if label.lower().endswith(suffix):
                label = label[: len(label) - len(suffix)]
            stem = "-".join(filter(None, (stem, slugify(label, allow_unicode=True))))
        return (stem or "download") + suffix

    @property
    def extension(self):
        return PurePosixPath(self.original_filename).suffix.lstrip(".").upper()


def files_of_its_type(product_file):
    """A subquery for an annotation: how many files the product of the file
    at ``product_file`` (a lookup path, e.g. "file") has of its content type,
    so a download names its file without a query of its own."""
    same_type = ProductFile.objects.filter(
        product_id=OuterRef(f"{product_file}__product_id"),
        content_type=OuterRef(f"{product_file}__content_type"),
    )
    return Subquery(same_type.order_by().values("product_id").annotate(n=Count("pk")).values("n"))


class ProductFileVersion(models.Model):
    """One upload of a product file, never changed: what a buyer bought, and
    what a later correction replaced it with."""

    product_file = models.ForeignKey(
        ProductFile, related_name="versions", on_delete=models.CASCADE, verbose_name=_("Product file")
    )
    number = models.PositiveIntegerField(_("Version"))
    file = models.FileField(_("File"), storage=get_private_storage, max_length=255, editable=False)
    size = models.PositiveBigIntegerField(_("Size in bytes"), editable=False)
    sha256 = models.CharField(_("SHA-256"), max_length=64, editable=False)
    content_type = models.CharField(_("Content type"), max_length=100, editable=False)
    original_filename = models.CharField(_("Original filename"), max_length=255, editable=False)
    uploaded_at = models.DateTimeField(_("Uploaded"), auto_now_add=True)
    note = models.CharField(
        _("What changed"),
        max_length=300,
        blank=True,
        help_text=_('For buyers, e.g. "fixed typos in chapter 3".'),
    )

    class Meta:
        verbose_name = _("File version")
        verbose_name_plural = _("File versions")
        ordering = ("product_file_id", "-number")
        constraints = [
            models.UniqueConstraint(fields=("product_file", "number"), name="one_version_number_per_file")
        ]
        permissions = [("notify_buyers", _("Can email buyers about a new file version"))]

    def __str__(self):
        return f"{self.product_file} v{self.number}"

    @property
    def download_name(self):
        return self.product_file.download_name

    @property
    def extension(self):
        return PurePosixPath(self.original_filename).suffix.lstrip(".").upper()


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


class InvoiceResend(models.Model):
    """One re-send of an order's confirmation email (with its invoice), by
    the buyer or staff: counted for the per-order limit
    (shop_ext.orders.invoices.reserve_resend), and a record of who asked."""

    order = models.ForeignKey(
        Order, related_name="invoice_resends", on_delete=models.CASCADE, verbose_name=_("Order")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        verbose_name=_("Asked for by"),
        help_text=_("Empty for a guest buyer."),
    )
    sent_at = models.DateTimeField(_("Sent at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("Order email re-sent")
        verbose_name_plural = _("Order emails re-sent")
        ordering = ("-sent_at",)

    def __str__(self):
        return f"Order #{self.order_id} email re-sent {self.sent_at:%Y-%m-%d %H:%M}"


class OrderEmail(models.Model):
    """One email about an order, queued to be sent by a worker: the record
    that makes sending idempotent (a task that runs twice sends it once) and
    shows staff what went out, what failed and why."""

    RECEIPT = "receipt"
    FILES = "files"
    KINDS = [(RECEIPT, _("Order receipt")), (FILES, _("Your files are ready"))]

    order = models.ForeignKey(Order, related_name="emails", on_delete=models.CASCADE, verbose_name=_("Order"))
    kind = models.CharField(_("Email"), max_length=20, choices=KINDS)
    requested_at = models.DateTimeField(_("Queued at"), auto_now_add=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        verbose_name=_("Re-sent by"),
        help_text=_("Empty when the shop sent it by itself."),
    )
    sent_at = models.DateTimeField(_("Sent at"), null=True, blank=True)
    tries = models.PositiveSmallIntegerField(_("Tries"), default=0)
    error = models.TextField(_("Last error"), blank=True)
    gave_up = models.BooleanField(
        _("Failed"), default=False, help_text=_("No more tries: re-send it from the order's actions.")
    )

    class Meta:
        verbose_name = _("Order email")
        verbose_name_plural = _("Order emails")
        ordering = ("requested_at", "pk")

    def __str__(self):
        return f"{self.get_kind_display()} for order #{self.order_id}"

    @property
    def status(self):
        if self.sent_at:
            return _("sent")
        return _("FAILED") if self.gave_up else _("queued")


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


class Payment(models.Model):
    """One attempt to pay an order at a hosted provider (a Stripe Checkout
    Session). The provider's webhooks, not the shopper's return, move it on
    (shop_ext.payments.webhooks)."""

    PENDING = "pending"
    PAID = "paid"
    FAILED = "failed"
    EXPIRED = "expired"
    STATUSES = [
        (PENDING, _("Waiting for the provider")),
        (PAID, _("Paid")),
        (FAILED, _("Payment failed")),
        (EXPIRED, _("Not completed (expired)")),
    ]
    # The shopper may pay the order again (shop_ext.payments.settle.retry).
    RETRYABLE = (FAILED, EXPIRED)

    order = models.ForeignKey(
        Order, related_name="payments", on_delete=models.PROTECT, verbose_name=_("Order")
    )
    provider = models.CharField(_("Provider"), max_length=20)
    session_id = models.CharField(_("Provider session"), max_length=255, unique=True)
    payment_intent = models.CharField(_("Provider payment"), max_length=255, blank=True, db_index=True)
    checkout_url = models.URLField(_("Hosted payment page"), max_length=2000, editable=False)
    # In the currency's smallest unit (pence, cents), as the provider counts.
    amount = models.PositiveBigIntegerField(_("Amount (minor units)"))
    currency = models.CharField(_("Currency"), max_length=3)
    status = models.CharField(_("Status"), max_length=10, choices=STATUSES, default=PENDING)
    amount_refunded = models.PositiveBigIntegerField(_("Refunded (minor units)"), default=0)
    created_at = models.DateTimeField(_("Started"), auto_now_add=True)
    updated_at = models.DateTimeField(_("Updated"), auto_now=True)

    class Meta:
        verbose_name = _("Card payment")
        verbose_name_plural = _("Card payments")
        ordering = ("-created_at", "-pk")
        permissions = [("refund_payment", _("Can refund an order's card payment at the provider"))]

    def __str__(self):
        return f"{self.provider} {self.session_id} ({self.get_status_display()})"

    @property
    def awaits_retry(self):
        """The payment failed and its order was given up: the shopper may pay again."""
        return self.status in self.RETRYABLE and self.order.status == OrderStatus.CANCELLED

    @property
    def refundable(self):
        return self.amount - self.amount_refunded if self.status == self.PAID else 0

    def refunded_item_ids(self):
        """Ids of the order lines refunded so far (each is refunded once; a
        refund that failed at the provider gives its lines back)."""
        lines = PaymentRefund.items.through.objects.filter(
            paymentrefund__payment=self, paymentrefund__failed_at__isnull=True
        )
        return set(lines.values_list("orderitem_id", flat=True))


class PaymentRefund(models.Model):
    """Money given back on a payment: from the admin (with the lines it
    covers) or from the provider's dashboard (arrives by webhook, no lines)."""

    payment = models.ForeignKey(
        Payment, related_name="refunds", on_delete=models.PROTECT, verbose_name=_("Payment")
    )
    refund_id = models.CharField(_("Provider refund"), max_length=255, blank=True)
    amount = models.PositiveBigIntegerField(_("Amount (minor units)"))
    items = models.ManyToManyField(OrderItem, blank=True, verbose_name=_("Refunded lines"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        verbose_name=_("Refunded by"),
        help_text=_("Empty for a refund made at the provider."),
    )
    created_at = models.DateTimeField(_("Refunded at"), auto_now_add=True)
    # What the refund took away, so that a refund the provider reports as
    # failed (refund.failed) gives back exactly that (settle.refund_failed).
    revoked_grants = models.ManyToManyField(
        DownloadGrant, blank=True, related_name="+", verbose_name=_("Downloads it revoked")
    )
    order_status_before = models.IntegerField(
        _("Order status before"),
        null=True,
        blank=True,
        help_text=_("Set when this refund marked the order Refunded."),
    )
    failed_at = models.DateTimeField(_("Failed at the provider"), null=True, blank=True)
    failure_reason = models.CharField(_("Why it failed"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("Refund")
        verbose_name_plural = _("Refunds")
        ordering = ("created_at", "pk")

    def __str__(self):
        return f"Refund of {self.amount} on {self.payment}"


class PaymentEvent(models.Model):
    """A provider event (webhook), recorded once by its id: the same event
    delivered again finds its row and changes nothing."""

    event_id = models.CharField(_("Event"), max_length=255, unique=True)
    type = models.CharField(_("Type"), max_length=100)
    payment = models.ForeignKey(
        Payment,
        related_name="events",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        verbose_name=_("Payment"),
    )
    # Of a refund event (charge.refunded): kept so that a refund reported
    # before its payment (Stripe does not promise order) is applied when the
    # payment arrives (shop_ext.payments.settle.session_paid).
    payment_intent = models.CharField(_("Provider payment"), max_length=255, blank=True, db_index=True)
    amount_refunded = models.PositiveBigIntegerField(
        _("Refunded in total (minor units)"), null=True, blank=True
    )
    received_at = models.DateTimeField(_("Received"), auto_now_add=True)
    outcome = models.CharField(_("What we did"), max_length=300)
    needs_attention = models.BooleanField(
        _("Needs staff"), default=False, help_text=_("Refused or unclear: a person should look.")
    )

    class Meta:
        verbose_name = _("Payment event")
        verbose_name_plural = _("Payment events")
        ordering = ("-received_at", "-pk")

    def __str__(self):
        return f"{self.type} {self.event_id}"


class UnfinishedPayment(models.Model):
    """Money a checkout's gateway took (its transaction id) for an order
    that then could not be completed: the order, and everything placing it
    wrote, was rolled back, so this row, written after the rollback, is what
    remains. Staff refund it at the provider and mark it settled
    (``manage.py reconcile_payments``)."""

    transaction_id = models.CharField(_("Transaction ID"), max_length=255, unique=True)
    total = models.DecimalField(_("Order total"), max_digits=12, decimal_places=2)
    billing_name = models.CharField(_("Buyer"), max_length=200)
    billing_email = models.EmailField(_("Buyer's email"))
    error = models.TextField(_("Why the order was not completed"))
    recorded_at = models.DateTimeField(_("Recorded"), auto_now_add=True)
    settled_at = models.DateTimeField(_("Refunded or settled"), null=True, blank=True)

    class Meta:
        verbose_name = _("Payment taken for an order not placed")
        verbose_name_plural = _("Payments taken for orders not placed")
        ordering = ("-recorded_at", "-pk")

    def __str__(self):
        return f"{self.transaction_id} ({self.total}, {self.billing_email})"


class UpdateNotice(models.Model):
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
    requested_at = models.DateTimeField(_("Queued at"), auto_now_add=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        verbose_name=_("Asked for by"),
        help_text=_("Empty when run by the management command."),
    )
    sent_at = models.DateTimeField(_("Sent at"), null=True, blank=True)
    tries = models.PositiveSmallIntegerField(_("Tries"), default=0)
    error = models.TextField(_("Last error"), blank=True)
    gave_up = models.BooleanField(_("Failed"), default=False)

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
