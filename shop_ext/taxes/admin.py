"""Tax rates in the admin: staff with the model's permissions (view, add,
change, delete tax rate) read or edit them (docs/security.md, "Staff
permissions")."""

from django.contrib import admin

from shop_ext.models import TaxRate


@admin.register(TaxRate)
class TaxRateAdmin(admin.ModelAdmin):
    list_display = ("country", "tax_class", "rate", "valid_from", "source")
    list_filter = ("tax_class", "country")
    search_fields = ("country",)
    date_hierarchy = "valid_from"
