"""Products in the admin: Cartridge's product page with the files inline
and the per-product download limits, and the Book type."""

import copy

from cartridge.shop import admin as cartridge_admin
from cartridge.shop.models import Category, Product, ProductOption, ProductVariation, Sale
from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import JsonResponse
from django.template.defaultfilters import filesizeformat
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from shop_ext.catalogue import listings
from shop_ext.core.admin_inlines import LabelledTabularInline
from shop_ext.models import Book, DownloadPolicy, ProductFile, ProductSample, ProductTaxClass


class ProductFileForm(forms.ModelForm):
    version_note = forms.CharField(
        label=_("What changed"),
        max_length=300,
        required=False,
        help_text=_('With a new upload: a note for buyers, e.g. "fixed typos in chapter 3".'),
    )

    def save(self, commit=True):
        self.instance.version_note = self.cleaned_data.get("version_note", "")
        return super().save(commit)


class ProductFileInline(LabelledTabularInline):
    model = ProductFile
    form = ProductFileForm
    extra = 0
    # Not Django's ClearableFileInput: it links to the stored file's URL, and
    # private files have none (the page would be a 500). "Stored file" shows
    # what is there; a new upload replaces it.
    formfield_overrides = {models.FileField: {"widget": forms.FileInput}}
    fields = ("file", "version_note", "title", "for_all_variations", "variations", "details")
    readonly_fields = ("details",)
    filter_horizontal = ()

    def get_formset(self, request, obj=None, **kwargs):
        self._product = obj
        return super().get_formset(request, obj, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "variations":
            product = getattr(request, "shop_ext_product", None)
            kwargs["queryset"] = ProductVariation.objects.filter(product=product)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @admin.display(description=_("Stored file"))
    def details(self, obj):
        if not obj.pk:
            return "-"
        size = filesizeformat(obj.size)
        version = f"version {obj.current_version.number} · " if obj.current_version else ""
        return f"{version}{obj.original_filename} · {obj.content_type} · {size} · sha256 {obj.sha256[:12]}…"


class DownloadPolicyInline(admin.StackedInline):
    model = DownloadPolicy
    can_delete = True
    max_num = 1
    extra = 0


class ProductSampleInline(admin.StackedInline):
    """The product's free sample (shop_ext.delivery.samples): an upload, or
    one of its own files."""

    model = ProductSample
    max_num = 1
    extra = 0
    fields = ("file", "product_file")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "product_file":
            product = getattr(request, "shop_ext_product", None)
            kwargs["queryset"] = product.files.all() if product else ProductFile.objects.none()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ProductTaxClassForm(forms.ModelForm):
    class Meta:
        model = ProductTaxClass
        fields = ("format", "tax_class")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        formats = ProductOption.objects.filter(type=settings.SHOP_FORMAT_OPTION_TYPE).values_list(
            "name", flat=True
        )
        self.fields["format"] = forms.ChoiceField(
            label=_("Format"),
            choices=[("", _("Every format")), *((name, name) for name in formats)],
            required=False,
            help_text=ProductTaxClass._meta.get_field("format").help_text,
        )


class ProductTaxClassInline(LabelledTabularInline):
    """Only where the format's default class is wrong for this product
    (shop_ext.taxes.rates.tax_class_of): a font pack's Download is standard
    rated, not an ebook."""

    model = ProductTaxClass
    form = ProductTaxClassForm
    extra = 0
    verbose_name_plural = _("Tax classes (only where the format's default is wrong: docs/taxes.md)")


class ProductAdmin(cartridge_admin.ProductAdmin):
    inlines = cartridge_admin.ProductAdmin.inlines + (
        ProductFileInline,
        DownloadPolicyInline,
        ProductSampleInline,
        ProductTaxClassInline,
    )

    def get_form(self, request, obj=None, change=False, **kwargs):
        # On the request, not the shared admin instance: threads serve others.
        request.shop_ext_product = obj
        return super().get_form(request, obj, change, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "categories":
            # Ticking a format, price or sale page here made it list only the
            # ticked products (Cartridge's "combined" filter): /ebooks/ went
            # from 8 titles to 1. Those pages list by their filters, so only
            # hand-picked pages are offered (and any the product is on).
            product = getattr(request, "shop_ext_product", None)
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


MAX_ID = 2**31 - 1


class IdsField(forms.Field):
    """Row ids, e.g. ?products=3&products=7 (an id beyond any column's range
    is refused here, not by the database)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        try:
            ids = [int(v) for v in value or ()]
        except ValueError:
            raise forms.ValidationError(_("Not a list of ids.")) from None
        if not all(0 < i <= MAX_ID for i in ids):
            raise forms.ValidationError(_("Not a list of ids."))
        return ids


class ListedCountForm(forms.Form):
    """The category form's filters as they stand, unsaved (the count view)."""

    page = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    options = IdsField(required=False)
    products = IdsField(required=False)
    sale = forms.ModelChoiceField(Sale.objects.all(), required=False)
    price_min = forms.DecimalField(max_digits=10, decimal_places=2, required=False)
    price_max = forms.DecimalField(max_digits=10, decimal_places=2, required=False)
    combined = forms.BooleanField(required=False)


class CategoryAdmin(cartridge_admin.CategoryAdmin):
    """Cartridge's category page, saying in plain words what "combined"
    does and how many products the page lists, counted again as the editor
    changes its filters (theme/js/category_count.js), before saving."""

    readonly_fields = ("listed_count",)

    class Media:
        js = ("theme/js/category_count.js",)

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

    def get_urls(self):
        count = path(
            "listed-count/",
            self.admin_site.admin_view(self.listed_count_view),
            name="shop_category_listed_count",
        )
        return [count, *super().get_urls()]

    @admin.display(description=_("Products listed"))
    def listed_count(self, obj):
        count = listings.category_products(obj).count() if obj and obj.pk else 0
        return format_html(
            '<span id="listed-count" data-url="{}" data-page="{}">{}</span>',
            reverse("admin:shop_category_listed_count"),
            obj.pk if obj and obj.pk else "",
            listed_sentence(count),
        )

    def listed_count_view(self, request):
        if not (self.has_change_permission(request) or self.has_add_permission(request)):
            raise PermissionDenied
        form = ListedCountForm(request.GET)
        if not form.is_valid():
            return JsonResponse({"error": form.errors.get_json_data()}, status=400)
        data = form.cleaned_data
        category = Category(
            id=data["page"],
            sale=data["sale"],
            price_min=data["price_min"],
            price_max=data["price_max"],
            combined=data["combined"],
        )
        options = list(ProductOption.objects.filter(id__in=data["options"]))
        count = listings.category_products(category, options=options, picks=data["products"]).count()
        return JsonResponse({"count": count, "text": listed_sentence(count)})


def listed_sentence(count):
    return ngettext(
        "This page will list %(count)s published product.",
        "This page will list %(count)s published products.",
        count,
    ) % {"count": count}


admin.site.unregister(Category)
admin.site.register(Category, CategoryAdmin)
