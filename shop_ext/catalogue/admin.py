"""Products in the admin: Cartridge's product page with the files inline
and the per-product download limits, and the Book type."""

import copy

from cartridge.shop import admin as cartridge_admin
from cartridge.shop.models import Category, Product, ProductVariation
from django import forms
from django.contrib import admin
from django.db import models
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from shop_ext.catalogue import listings
from shop_ext.models import Book, DownloadPolicy, ProductFile


class ProductFileInline(admin.TabularInline):
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

    def get_form(self, request, obj=None, change=False, **kwargs):
        self._product = obj
        return super().get_form(request, obj, change, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "categories":
            # Ticking a format, price or sale page here made it list only the
            # ticked products (Cartridge's "combined" filter): /ebooks/ went
            # from 8 titles to 1. Those pages list by their filters, so only
            # hand-picked pages are offered (and any the product is on).
            product = getattr(self, "_product", None)
            current = product.categories.all() if product else Category.objects.none()
            kwargs["queryset"] = (listings.hand_picked_categories() | current).distinct()
            kwargs["help_text"] = _(
                "The pages of products chosen by hand. Format, price and sale pages "
                "(eBooks, Under $10, On sale) find their products by their filters."
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class BookAdmin(ProductAdmin):
    """Books have a menu entry and a list of their own (Mezzanine shows a
    product type only in the product list's "Add" menu)."""

    list_display = ("admin_thumb", "title", "author", "isbn", "status", "available", "admin_link")
    list_editable = ("status", "available")
    search_fields = ("title", "author", "isbn", "variations__sku")

    def has_module_permission(self, request):
        return admin.ModelAdmin.has_module_permission(self, request)

    def changelist_view(self, request, extra_context=None):
        return admin.ModelAdmin.changelist_view(self, request, extra_context)


admin.site.unregister(Product)
admin.site.register(Product, ProductAdmin)
admin.site.register(Book, BookAdmin)


COMBINED_HELP = _(
    "Ticked: the page lists a product only if one of its formats matches every "
    "filter above (format, price, sale) and, when products are chosen by hand, only "
    "those chosen. Unticked: the page lists every product that matches any filter, "
    "plus the products chosen by hand. On a format, price or sale page, leave "
    "“Products” empty."
)


class CategoryAdmin(cartridge_admin.CategoryAdmin):
    """Cartridge's category page, saying in plain words what "combined"
    does and how many products the page lists."""

    readonly_fields = ("listed_count",)

    def get_fieldsets(self, request, obj=None):
        fieldsets = copy.deepcopy(super().get_fieldsets(request, obj))
        _name, options = fieldsets[-1]
        options["fields"] = (*options["fields"], "listed_count")
        return fieldsets

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "combined":
            field.help_text = COMBINED_HELP
        return field

    @admin.display(description=_("Products listed"))
    def listed_count(self, obj):
        if obj is None or obj.pk is None:
            return _("Save the page to see how many products it lists.")
        count = listings.category_products(obj).count()
        return _("This page lists %(count)s published product(s).") % {"count": count}


admin.site.unregister(Category)
admin.site.register(Category, CategoryAdmin)
