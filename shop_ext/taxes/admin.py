"""Taxes in the admin. Tax rates: staff with the model's permissions (view,
add, change, delete tax rate) read or edit them. The tax report (beside the
rates): staff with shop_ext.view_tax_report see it and download its CSV. An order's tax evidence: a
record shown on the order admin (shop_ext.admin) to whoever may see the
order (docs/security.md, "Staff permissions")."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from shop_ext.core.permissions import VIEW_TAX_REPORT
from shop_ext.models import OrderTaxEvidence, TaxRate
from shop_ext.orders.admin import OrderRecordsInline
from shop_ext.taxes.report import tax_report, totals, write_csv


class TaxReportForm(forms.Form):
    first_day = forms.DateField(label=_("From"), help_text=_("YYYY-MM-DD, included."))
    last_day = forms.DateField(label=_("To"), help_text=_("YYYY-MM-DD, included."))

    def clean(self):
        data = super().clean()
        first, last = data.get("first_day"), data.get("last_day")
        if first and last and first > last:
            raise forms.ValidationError(_("The first day must not be after the last day."))
        return data


@admin.register(TaxRate)
class TaxRateAdmin(admin.ModelAdmin):
    list_display = ("country", "tax_class", "rate", "valid_from", "source")
    list_filter = ("tax_class", "country")
    search_fields = ("country",)
    date_hierarchy = "valid_from"

    def get_urls(self):
        report = path("report/", self.admin_site.admin_view(self.report_view), name="shop_ext_tax_report")
        return [report, *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_see_report": request.user.has_perm(VIEW_TAX_REPORT)}
        return super().changelist_view(request, extra_context)

    def report_view(self, request):
        """The tax report for the days the form names; ``?format=csv``
        downloads it. Bad dates: the form says why (400)."""
        if not request.user.has_perm(VIEW_TAX_REPORT):
            raise PermissionDenied
        form = TaxReportForm(request.GET or None)
        rows, status = None, 200
        if form.is_bound and not form.is_valid():
            status = 400
        elif form.is_bound:
            first, last = form.cleaned_data["first_day"], form.cleaned_data["last_day"]
            rows = tax_report(first, last)
            if request.GET.get("format") == "csv":
                response = HttpResponse(content_type="text/csv; charset=utf-8")
                response["Content-Disposition"] = f'attachment; filename="tax-report-{first}-{last}.csv"'
                write_csv(rows, response)
                return response
        context = {
            **self.admin_site.each_context(request),
            "title": _("Tax report"),
            "opts": self.model._meta,
            "form": form,
            "rows": rows,
            "totals": totals(rows or []),
        }
        return TemplateResponse(request, "admin/shop_ext/taxrate/report.html", context, status=status)


class TaxEvidenceInline(OrderRecordsInline, admin.StackedInline):
    """Where the order was supplied and why (docs/taxes.md): never edited; a
    conflict, and a VAT number VIES could not check (VAT charged, to refund
    once checked), are for staff to check."""

    model = OrderTaxEvidence
    max_num = 1
    readonly_fields = (
        "billing_country",
        "card_country",
        "ip_country",
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
