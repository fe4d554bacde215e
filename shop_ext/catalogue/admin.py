"""Products in the admin: Cartridge's product page with the files inline
and the per-product download limits, and the Book type."""

from cartridge.shop import admin as cartridge_admin
from cartridge.shop.models import Product, ProductVariation
from django import forms
from django.contrib import admin
from django.db import models
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from shop_ext.core.admin_inlines import LabelledTabularInline
from shop_ext.models import Book, DownloadPolicy, ProductFile


class ProductFileInline(LabelledTabularInline):
    model = ProductFile
    extra = 0
    # Not Django's ClearableFileInput: it links to the stored file's URL, and
    # private files have none (the page would be a 500). "Stored file" shows
    # what is there; a new upload replaces it.
    formfield_overrides = {models.FileField: {"widget": forms.FileInput}}
    fields = ("file", "title", "for_all_variations", "variations", "details")
    readonly_fields = ("details",)
    filter_horizontal = ()

    def get_formset(self, request, obj=None, **kwargs):
        self._product = obj
        return super().get_formset(request, obj, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "variations":
            product = getattr(self, "_product", None)
            kwargs["queryset"] = ProductVariation.objects.filter(product=product)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @admin.display(description=_("Stored file"))
    def details(self, obj):
        if not obj.pk:
            return "-"
        size = filesizeformat(obj.size)
        return f"{obj.original_filename} · {obj.content_type} · {size} · sha256 {obj.sha256[:12]}…"


class DownloadPolicyInline(admin.StackedInline):
    model = DownloadPolicy
    can_delete = True
    max_num = 1
    extra = 0


class ProductAdmin(cartridge_admin.ProductAdmin):
    inlines = cartridge_admin.ProductAdmin.inlines + (ProductFileInline, DownloadPolicyInline)


class BookAdmin(ProductAdmin):
    pass


admin.site.unregister(Product)
admin.site.register(Product, ProductAdmin)
admin.site.register(Book, BookAdmin)
