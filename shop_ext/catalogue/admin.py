"""Products in the admin: Cartridge's product page with the files inline
and the per-product download limits, and the Book type."""

import copy

from cartridge.shop import admin as cartridge_admin
from cartridge.shop import forms as cartridge_forms
from cartridge.shop.models import Category, Product, ProductOption, ProductVariation, Sale
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from import_export.admin import ImportExportMixin
from import_export.forms import ImportForm
from mezzanine.conf import settings as site_settings
from mezzanine.core.forms import OrderWidget
from mezzanine.core.templatetags.mezzanine_tags import thumbnail

from shop_ext.catalogue import bulk_edits, format_rows, imports, isbns, listings
from shop_ext.core import permissions
from shop_ext.core.admin_inlines import LabelledRowsFormSet, LabelledTabularInline
from shop_ext.core.admin_pages import DraftFirstPageAdmin, OwnListAdmin, SavedPageInTreeAdmin
from shop_ext.models import (
    Book,
    CatalogueImport,
    DownloadPolicy,
    ProductFile,
    ProductSample,
    ProductTaxClass,
)


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
    # what is there, beside the upload box (which says "No file chosen"
    # whatever is stored); a new upload replaces it.
    formfield_overrides = {models.FileField: {"widget": forms.FileInput}}
    fields = ("file", "details", "version_note", "title", "for_all_variations", "variations")
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


class VariationForm(cartridge_forms.ProductVariationAdminForm):
    """Cartridge's variation row with the format's ISBN."""

    isbn = forms.CharField(
        label=_("ISBN"),
        max_length=20,
        required=False,
        help_text=_("ISBN-13 or ISBN-10 of this format; unique in the shop."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit_price"].label = _("Price")
        self.fields["num_in_stock"].label = _("In stock")
        if self.instance.pk:
            self.initial["isbn"] = isbns.isbn_of(self.instance)

    def clean_isbn(self):
        return isbns.clean_isbn(self.cleaned_data["isbn"], self.instance.pk)

    def save(self, commit=True):
        variation = super().save(commit)
        if commit:
            isbns.set_isbn(variation, self.cleaned_data.get("isbn", ""))
        return variation


class VariationFormset(LabelledRowsFormSet, cartridge_forms.ProductVariationAdminFormset):
    def row_name(self, form, index):
        variation = form.instance
        if variation.pk:
            return ", ".join(str(option) for option in variation.options() if option) or _("Default")
        return super().row_name(form, index)

    def clean(self):
        super().clean()
        seen = set()
        for form in self.forms:
            isbn = getattr(form, "cleaned_data", {}).get("isbn")
            if isbn and isbn in seen:
                form.add_error("isbn", _("Two formats of this product have the same ISBN."))
            seen.add(isbn)


class VariationInline(cartridge_admin.ProductVariationAdmin):
    """A book's formats, at the top of its form (admin/shop/product/change_form.html):
    a row per format named by it, price and stock first."""

    form = VariationForm
    formset = VariationFormset
    template = "admin/shop/product/variations_inline.html"
    fields = (
        "default",
        "unit_price",
        "num_in_stock",
        "sale_price",
        "sale_from",
        "sale_to",
        "sku",
        "isbn",
        "image",
    )


class DragHandleWidget(OrderWidget):
    """Mezzanine's ordering handle (drag the row up or down), its arrow
    images marked as decoration: they had no text alternative."""

    def render(self, name, value, attrs=None, renderer=None):
        field = forms.HiddenInput.render(self, name, value, attrs, renderer)
        arrows = format_html_join(
            "",
            '<img src="{}admin/img/admin/arrow-{}.gif" alt="">',
            ((settings.STATIC_URL, arrow) for arrow in ("up", "down")),
        )
        return format_html(
            '{}<span class="ordering" title="{}">{}</span>', field, _("Drag to reorder"), arrows
        )


class ProductImageInline(cartridge_admin.ProductImageAdmin):
    formset = LabelledRowsFormSet

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "_order":
            field.widget = DragHandleWidget()
        return field


class CatalogueImportForm(ImportForm):
    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        if upload.size > settings.SHOP_IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is %(size)s MB; at most %(limit)s MB can be imported at once: split it.")
                % {"size": upload.size // 1024**2, "limit": settings.SHOP_IMPORT_MAX_BYTES // 1024**2}
            )
        return upload


def import_progress(job):
    """What the job page says of a job's progress, and its script updates."""
    done = imports.rows_done(job)
    stopped = imports.is_stopped(job)
    if stopped:
        status = _(
            "Stopped: no worker has worked on this file for %(minutes)s minutes. Nothing of it was written; "
            "run it again below."
        ) % {"minutes": settings.SHOP_CATALOGUE_IMPORT_STALE_MINUTES}
    else:
        status = job.get_status_display()
    return {
        "running": job.is_running and not stopped,
        "stopped": stopped,
        "status": f"{status}: {job.summary}" if job.summary and not stopped else status,
        "done": done,
        "total": job.rows_total,
        "rows": ngettext(
            "Rows read: %(done)s of %(total)s row", "Rows read: %(done)s of %(total)s rows", job.rows_total
        )
        % {"done": done, "total": job.rows_total},
    }


class CatalogueImportExportMixin(ImportExportMixin):
    """The product list's Import and Export: one row per format
    (shop_ext.catalogue.format_rows). An upload becomes a CatalogueImport
    that the worker checks while its page shows the progress; the page then
    shows the dry run, row by row, and the editor confirms it
    (shop_ext.catalogue.imports). django-import-export's in-request
    process_import is not routed: every file takes the one path."""

    resource_classes = (format_rows.FormatRowResource,)
    formats = (format_rows.CatalogueCSV, format_rows.CatalogueXLSX)
    import_form_class = CatalogueImportForm
    import_job_template = "admin/shop/product/import_job.html"
    import_refresh_seconds = 2

    def get_urls(self):
        info = self.get_model_info()
        upstream = [url for url in super().get_urls() if url.name != "{}_{}_process_import".format(*info)]
        jobs = [
            path(
                "import/<int:job_id>/",
                self.admin_site.admin_view(self.import_job_view),
                name="{}_{}_import_job".format(*info),
            ),
            path(
                "import/<int:job_id>/status/",
                self.admin_site.admin_view(self.import_status_view),
                name="{}_{}_import_status".format(*info),
            ),
            path(
                "import/<int:job_id>/confirm/",
                self.admin_site.admin_view(self.confirm_import_view),
                name="{}_{}_confirm_import".format(*info),
            ),
            path(
                "import/<int:job_id>/restart/",
                self.admin_site.admin_view(self.restart_import_view),
                name="{}_{}_restart_import".format(*info),
            ),
        ]
        return jobs + upstream

    def import_action(self, request, **kwargs):
        """The upload form; a valid upload is kept and checked in the worker."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        form = self.create_import_form(request)
        if request.method != "POST" or not form.is_valid():
            return super().import_action(request, **kwargs)
        file_format = self.get_import_formats()[int(form.cleaned_data["format"])]().get_title()
        job = imports.start(form.cleaned_data["import_file"], file_format, request.user)
        return redirect(self._job_url(job))

    def _job_url(self, job):
        return reverse("admin:{}_{}_import_job".format(*self.get_model_info()), args=[job.pk])

    def _visible_job(self, request, job_id):
        """The job, if this editor may see it: their own, or anyone's with
        VIEW_ALL_CATALOGUE_IMPORTS; else 404."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        jobs = CatalogueImport.objects.all()
        if not request.user.has_perm(permissions.VIEW_ALL_CATALOGUE_IMPORTS):
            jobs = jobs.filter(created_by=request.user)
        return get_object_or_404(jobs, pk=job_id)

    def import_job_view(self, request, job_id):
        job = self._visible_job(request, job_id)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import: %(file)s") % {"file": job.file.name.rpartition("/")[2] or job.pk},
            "opts": self.model._meta,
            "job": job,
            "progress": import_progress(job),
            "Status": CatalogueImport.Status,
            "refresh_seconds": self.import_refresh_seconds,
        }
        return TemplateResponse(request, self.import_job_template, context)

    def import_status_view(self, request, job_id):
        """How far the job has got, for the job page's script
        (theme/js/import_progress.js), which polls it instead of reloading
        the page (a reload makes a screen reader read the page again)."""
        return JsonResponse(import_progress(self._visible_job(request, job_id)))

    @method_decorator(require_POST)
    def confirm_import_view(self, request, job_id):
        job = self._visible_job(request, job_id)
        if imports.confirm(job):
            self.message_user(request, _("The import has started; this page shows how far it has got."))
        else:
            self.message_user(
                request,
                _("This file is not waiting for confirmation (it was confirmed already, or refused)."),
                messages.WARNING,
            )
        return redirect(self._job_url(job))

    @method_decorator(require_POST)
    def restart_import_view(self, request, job_id):
        job = self._visible_job(request, job_id)
        if imports.restart(job):
            self.message_user(request, _("The import runs again; this page shows how far it has got."))
        else:
            self.message_user(
                request,
                _("This import has not stopped (it is running, or it has finished): it was not run again."),
                messages.WARNING,
            )
        return redirect(self._job_url(job))

    def add_data_read_fail_error_to_form(self, form, e):
        if isinstance(e, format_rows.BadSheet):
            form.add_error("import_file", str(e))
        else:
            super().add_data_read_fail_error_to_form(form, e)

    def has_import_permission(self, request):
        return request.user.has_perms(permissions.IMPORT_CATALOGUE)

    def has_export_permission(self, request):
        return request.user.has_perm(permissions.VIEW_PRODUCT)

    def get_export_queryset(self, request):
        return format_rows.FormatRowResource().get_queryset()

    def get_data_for_export(self, request, queryset, **kwargs):
        return format_rows.export_catalogue()


class SaleChoiceForm(forms.Form):
    sale = forms.ModelChoiceField(Sale.objects.all(), label=_("Sale"))


class PercentForm(forms.Form):
    percent = forms.DecimalField(
        label=_("Change prices by (%)"),
        min_value=-90,
        max_value=500,
        decimal_places=2,
        help_text=_(
            "e.g. 10 to raise prices by a tenth, -20 to lower them by a fifth; new prices end in .99."
        ),
    )


class CategoryChoiceForm(forms.Form):
    category = forms.ModelChoiceField(listings.hand_picked_categories(), label=_("Category page"))


def bulk_edit_action(name, description, preview, apply, form_class=None, done=None):
    """A product list action that shows the changes it would make, product
    by product (asking first for its value, e.g. the sale), and makes them
    only when the editor confirms that page."""

    def action(modeladmin, request, queryset):
        products = list(queryset.order_by("title", "id"))
        step = request.POST.get("bulk_step")
        form = form_class(request.POST if step else None) if form_class else None
        ready = form is None or (step is not None and form.is_valid())
        values = form.cleaned_data if form is not None and ready else {}
        if ready and step == "confirm":
            apply(products, **values)
            modeladmin.message_user(request, done % {"count": len(products)})
            return None
        context = {
            **modeladmin.admin_site.each_context(request),
            "title": description,
            "opts": modeladmin.model._meta,
            "products": products,
            "form": form,
            "changes": preview(products, **values) if ready else None,
            "action_name": name,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/shop/product/bulk_edit.html", context)

    action.__name__ = name
    action.short_description = description
    action.allowed_permissions = ("change",)  # shop.change_product
    return action


BULK_EDITS = (
    bulk_edit_action(
        "put_on_sale",
        _("Put selected products on a sale"),
        bulk_edits.sale_changes,
        bulk_edits.put_on_sale,
        SaleChoiceForm,
        _("%(count)s product(s) put on the sale."),
    ),
    bulk_edit_action(
        "take_off_sale",
        _("Take selected products off their sales"),
        bulk_edits.off_sale_changes,
        bulk_edits.take_off_sale,
        done=_("%(count)s product(s) taken off their sales."),
    ),
    bulk_edit_action(
        "change_prices",
        _("Change prices of selected products by a percentage"),
        bulk_edits.price_changes,
        bulk_edits.change_prices,
        PercentForm,
        _("Prices of %(count)s product(s) changed."),
    ),
    bulk_edit_action(
        "publish",
        _("Publish selected products"),
        lambda products: bulk_edits.status_changes(products, publish=True),
        lambda products: bulk_edits.set_published(products, publish=True),
        done=_("%(count)s product(s) published."),
    ),
    bulk_edit_action(
        "unpublish",
        _("Unpublish selected products (back to draft)"),
        lambda products: bulk_edits.status_changes(products, publish=False),
        lambda products: bulk_edits.set_published(products, publish=False),
        done=_("%(count)s product(s) unpublished."),
    ),
    bulk_edit_action(
        "move_to_category",
        _("Move selected products to a category page"),
        bulk_edits.category_changes,
        lambda products, category: bulk_edits.move_to_category(
            products, category, listings.hand_picked_categories()
        ),
        CategoryChoiceForm,
        _("%(count)s product(s) moved."),
    ),
)


class DefaultFormatListForm(forms.ModelForm):
    """A row of the product list: the price and stock of the product's
    default format, changed in place. The product's own copies of them are
    what Cartridge lists by; the format's are what it sells by, so both are
    written (ProductAdmin.save_model)."""

    unit_price = forms.DecimalField(
        label=_("Price"),
        required=False,
        min_value=0,
        max_digits=10,
        decimal_places=2,
        error_messages={"invalid": _("Write the price as a number with a dot, e.g. 12.99.")},
    )
    num_in_stock = forms.IntegerField(
        label=_("Stock"),
        required=False,
        min_value=0,
        max_value=2**31 - 1,
        help_text=_("Empty: not counted (downloads)."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        title = self.instance.title
        self.fields["unit_price"].widget.attrs["aria-label"] = _("Price of %(title)s") % {"title": title}
        self.fields["num_in_stock"].widget.attrs["aria-label"] = _("Stock of %(title)s") % {"title": title}
        self.fields["available"].widget.attrs["aria-label"] = _("%(title)s for sale") % {"title": title}

    def save_default_format(self, product):
        changed = {
            name: self.cleaned_data[name]
            for name in ("unit_price", "num_in_stock")
            if name in self.changed_data
        }
        if changed:
            # Only what the editor changed: the stock a sale took meanwhile stays taken.
            ProductVariation.objects.filter(product=product, default=True).update(**changed)


class ProductAdmin(CatalogueImportExportMixin, cartridge_admin.ProductAdmin):
    # Cartridge's list (its "Add" menu of product types), which the import
    # and export buttons extend.
    change_list_template = "admin/shop/product/change_list.html"
    change_form_template = "admin/shop/product/editor_change_form.html"
    actions = BULK_EDITS
    # Price and stock in the list, editable (those of the default format);
    # status is changed by the publish actions, not by a drop-down in each
    # row that unpublished titles by accident.
    list_display = (
        "cover",
        "title",
        "unit_price",
        "num_in_stock",
        "every_format",
        "status",
        "available",
        "admin_link",
    )
    list_display_links = ("title",)
    list_editable = ("unit_price", "num_in_stock", "available")

    @admin.display(description="")
    def cover(self, product):
        """Mezzanine's admin_thumb, without the link (the title beside it is
        one) and so as decoration, alt="" (its image had no alt at all)."""
        if not product.image:
            return ""
        size = site_settings.ADMIN_THUMB_SIZE.split("x")
        return format_html('<img src="{}{}" alt="">', settings.MEDIA_URL, thumbnail(product.image, *size))

    def get_changelist_form(self, request, **kwargs):
        kwargs.setdefault("form", DefaultFormatListForm)
        return super().get_changelist_form(request, **kwargs)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if isinstance(form, DefaultFormatListForm):
            form.save_default_format(obj)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("variations")

    @admin.display(description=_("All formats"))
    def every_format(self, product):
        """Each format's price (and sale price) and stock; the editable
        columns are the default format's."""
        return format_html_join(
            format_html("<br>"),
            "{}: {}{} · {}",
            (
                (
                    ", ".join(str(option) for option in variation.options() if option) or _("Default"),
                    format_html("<del>{}</del> ", variation.unit_price) if variation.on_sale() else "",
                    variation.price() if variation.unit_price is not None else "-",
                    _("not counted") if variation.num_in_stock is None else variation.num_in_stock,
                )
                for variation in product.variations.all()
            ),
        )

    # Cartridge's order (images, then variations) is kept: its save_formset
    # saves the images after the variations and needs them in that order.
    # The form's template shows the variations first.
    inlines = (
        ProductImageInline,
        VariationInline,
        ProductFileInline,
        DownloadPolicyInline,
        ProductSampleInline,
        ProductTaxClassInline,
    )

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except isbns.IsbnTaken:
            # Another save took a format's ISBN between this form's check and
            # its save; everything here was rolled back. Checked again, the
            # form shows whose ISBN it is beside the field.
            return super().changeform_view(request, object_id, form_url, extra_context)

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


class BookAdmin(OwnListAdmin, ProductAdmin):
    """Books have a menu entry and a list of their own (Mezzanine shows a
    product type only in the product list's "Add" menu), and offer only
    the Format option: a book has no size or colour."""

    list_display = (
        "cover",
        "title",
        "author",
        "isbn",
        "unit_price",
        "num_in_stock",
        "every_format",
        "status",
        "available",
        "admin_link",
    )
    search_fields = ("title", "author", "isbn", "variations__sku")

    def get_fieldsets(self, request, obj=None):
        fieldsets = copy.deepcopy(super().get_fieldsets(request, obj))
        format_field = f"option{settings.SHOP_FORMAT_OPTION_TYPE}"
        for _name, options in fieldsets:
            if format_field in options["fields"]:
                options["fields"] = [format_field]
        return fieldsets


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


class CategoryAdmin(OwnListAdmin, SavedPageInTreeAdmin, DraftFirstPageAdmin, cartridge_admin.CategoryAdmin):
    """Cartridge's category page, saying in plain words what "combined"
    does and how many products the page lists, counted again as the editor
    changes its filters (theme/js/category_count.js), before saving. Its
    list is a plain one (not the page tree), without a status menu per row."""

    readonly_fields = ("listed_count",)
    change_list_template = "admin/change_list.html"
    list_editable = ()

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
