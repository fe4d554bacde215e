"""Taxes in the admin. Tax rates: staff with the model's permissions (view,
add, change, delete tax rate) read or edit them. An order's tax evidence: a
record shown on the order admin (shop_ext.admin) to whoever may see the
order (docs/security.md, "Staff permissions")."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from shop_ext.models import OrderTaxEvidence, TaxRate
from shop_ext.orders.admin import OrderRecordsInline


@admin.register(TaxRate)
class TaxRateAdmin(admin.ModelAdmin):
    list_display = ("country", "tax_class", "rate", "valid_from", "source")
    list_filter = ("tax_class", "country")
    search_fields = ("country",)
    date_hierarchy = "valid_from"


class TaxEvidenceInline(OrderRecordsInline, admin.StackedInline):
    """Where the order was supplied and why (docs/taxes.md): never edited; a
    conflict, and a VAT number VIES could not check (VAT charged, to refund
    once checked), are for staff to check."""

    model = OrderTaxEvidence
    max_num = 1
    readonly_fields = (
        "billing_country",
        "card_country",
        "delivery_country",
        "country",
        "conflict",
        "recorded_at",
        "vat_number",
        "vat_check",
        "vat_checked_at",
        "vat_request_id",
        "reverse_charge",
    )
    verbose_name_plural = _("Tax evidence")
