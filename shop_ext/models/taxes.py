"""Tax as data: the class each product's formats are taxed under, the
rates of each country and class with the day they take effect, and the
evidence of where each order was supplied (shop_ext.taxes decides with
them; docs/taxes.md)."""

from decimal import Decimal

from cartridge.shop.models import Order, Product
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField


class TaxClass(models.TextChoices):
    STANDARD = "standard", _("Standard")
    PRINTED_BOOK = "printed_book", _("Printed book")
    EBOOK = "ebook", _("eBook")
    ZERO = "zero", _("Zero-rated")


class VatCheck(models.TextChoices):
    """What is known of a business buyer's VAT number (shop_ext.taxes.vat_numbers)."""

    FORMAT_ONLY = "format", _("Valid format (VIES not asked)")
    VALID = "valid", _("Valid (VIES)")
    INVALID = "invalid", _("Invalid (VIES)")
    UNAVAILABLE = "unavailable", _("VIES unavailable: refund the VAT once checked")


class TaxRate(models.Model):
    """The rate of one class in one country from ``valid_from`` on, until a
    row of the same country and class with a later date takes over."""

    country = CountryField(_("Country"))
    tax_class = models.CharField(_("Tax class"), max_length=20, choices=TaxClass.choices)
    rate = models.DecimalField(
        _("Rate (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    valid_from = models.DateField(_("Valid from"), help_text=_("The first day this rate applies."))
    source = models.CharField(
        _("Source"), max_length=200, blank=True, help_text=_("Where the rate comes from, to check it again.")
    )

    class Meta:
        verbose_name = _("Tax rate")
        verbose_name_plural = _("Tax rates")
        ordering = ("country", "tax_class", "-valid_from")
        constraints = [
            models.UniqueConstraint(
                fields=("country", "tax_class", "valid_from"), name="one_tax_rate_per_country_class_day"
            )
        ]

    def __str__(self):
        return f"{self.country} {self.get_tax_class_display()} {self.rate}% from {self.valid_from}"


class ProductTaxClass(models.Model):
    """A product whose formats are not taxed as their format says by default
    (SHOP_TAX_CLASS_BY_FORMAT): a font pack sold as a Download is standard
    rated, not an ebook."""

    product = models.ForeignKey(
        Product, related_name="tax_classes", on_delete=models.CASCADE, verbose_name=_("Product")
    )
    format = models.CharField(
        _("Format"),
        max_length=50,
        blank=True,
        help_text=_("The format (e.g. eBook) this class is for; empty for every format of the product."),
    )
    tax_class = models.CharField(_("Tax class"), max_length=20, choices=TaxClass.choices)

    class Meta:
        verbose_name = _("Tax class")
        verbose_name_plural = _("Tax classes")
        constraints = [
            models.UniqueConstraint(fields=("product", "format"), name="one_tax_class_per_product_format")
        ]

    def __str__(self):
        return f"{self.format or _('Every format')}: {self.get_tax_class_display()}"


class OrderTaxEvidence(models.Model):
    """Where an order's lines are supplied, and the evidence it was decided
    from (shop_ext.taxes.evidence): digital lines by the buyer's country
    (the billing country, checked against the card's issuing country when
    Stripe reports it and the IP address's country where a GeoIP2 database
    is configured), physical lines by the delivery country."""

    order = models.OneToOneField(
        Order, related_name="tax_evidence", on_delete=models.CASCADE, verbose_name=_("Order")
    )
    billing_country = CountryField(_("Billing country"))
    delivery_country = CountryField(_("Delivery country"), blank=True)
    card_country = CountryField(
        _("Card's issuing country"), blank=True, help_text=_("As Stripe reports it; empty until then.")
    )
    ip_country = CountryField(
        _("IP address's country"),
        blank=True,
        help_text=_("From the GeoIP2 database (SHOP_GEOIP2_DATABASE); empty without one."),
    )
    country = CountryField(_("Digital lines taxed in"))
    conflict = models.BooleanField(
        _("Evidence disagrees"),
        default=False,
        help_text=_("The pieces name different countries: check the order; the billing country was used."),
    )
    recorded_at = models.DateTimeField(_("Recorded at"), auto_now_add=True)
    vat_number = models.CharField(
        _("Buyer's VAT number"), max_length=20, blank=True, help_text=_("With its country prefix.")
    )
    vat_check = models.CharField(_("VAT number check"), max_length=20, choices=VatCheck.choices, blank=True)
    vat_checked_at = models.CharField(
        _("VIES consulted at"), max_length=40, blank=True, help_text=_("The request date VIES answered.")
    )
    vat_request_id = models.CharField(_("VIES request id"), max_length=40, blank=True)
    reverse_charge = models.BooleanField(
        _("Reverse charge"),
        default=False,
        help_text=_("A business elsewhere in the EU accounts for the VAT: the lines were charged 0%."),
    )

    class Meta:
        verbose_name = _("Tax evidence")
        verbose_name_plural = _("Tax evidence")

    def __str__(self):
        return f"Order #{self.order_id}: {self.country}{' (conflict)' if self.conflict else ''}"


class AmountsAtRate(models.Model):
    """Money at one tax rate (a country and class): its net, tax and gross.
    Charged on an order (OrderTaxLine) or given back by a refund
    (payments' RefundTaxLine)."""

    country = CountryField(_("Country"))
    tax_class = models.CharField(_("Tax class"), max_length=20, choices=TaxClass.choices)
    rate = models.DecimalField(_("Rate (%)"), max_digits=5, decimal_places=2)
    net = models.DecimalField(_("Net"), max_digits=10, decimal_places=2)
    tax = models.DecimalField(_("Tax"), max_digits=10, decimal_places=2)
    gross = models.DecimalField(_("Gross"), max_digits=10, decimal_places=2)

    class Meta:
        abstract = True


class OrderTaxLine(AmountsAtRate):
    """An order's tax at one rate: the net, tax and gross of its lines of
    one country and class (shop_ext.taxes.amounts.by_rate), as charged. The
    invoice, the emails and the tax report read these."""

    order = models.ForeignKey(
        Order, related_name="tax_lines", on_delete=models.CASCADE, verbose_name=_("Order")
    )

    class Meta:
        verbose_name = _("Tax at one rate")
        verbose_name_plural = _("Tax by rate")
        ordering = ("country", "tax_class", "rate")
        permissions = [("view_tax_report", _("Can see and download the tax report"))]

    def __str__(self):
        return f"{self.country} {self.get_tax_class_display()} {self.rate}%: {self.tax} on {self.net}"
