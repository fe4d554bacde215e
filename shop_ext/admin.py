from cartridge.shop import admin as cartridge_admin
from cartridge.shop.models import Product, ProductVariation
from django.contrib import admin
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from .models import Book, ProductFile


class ProductFileInline(admin.TabularInline):
    model = ProductFile
    extra = 0
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
        return f"{obj.original_filename} · {obj.content_type} · {filesizeformat(obj.size)} · sha256 {obj.sha256[:12]}…"


class ProductAdmin(cartridge_admin.ProductAdmin):
    inlines = cartridge_admin.ProductAdmin.inlines + (ProductFileInline,)


class BookAdmin(ProductAdmin):
    pass


admin.site.unregister(Product)
admin.site.register(Product, ProductAdmin)
admin.site.register(Book, BookAdmin)
