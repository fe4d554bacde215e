"""Django finds the admin here. Each feature registers its own models'
pages; Cartridge's Order, whose page every feature adds to, is registered
here once, built from the features' parts (not re-registered by each
feature, where the last one imported would win)."""

from cartridge.shop import admin as cartridge_admin
from cartridge.shop.models import Order
from django.contrib import admin
from mezzanine.pages.admin import PageAdmin
from mezzanine.pages.models import RichTextPage

from shop_ext.catalogue import admin as catalogue_admin  # noqa: F401
from shop_ext.contact import admin as contact_admin  # noqa: F401
from shop_ext.core.admin_pages import DraftFirstPageAdmin, SavedPageInTreeAdmin
from shop_ext.delivery import admin as delivery_admin
from shop_ext.orders import admin as orders_admin
from shop_ext.payments import admin as payments_admin
from shop_ext.taxes import admin as taxes_admin


class OrderAdmin(
    payments_admin.OrderCardPaymentsAdmin, delivery_admin.OrderDownloadsAdmin, orders_admin.OrderAdmin
):
    """The order admin: the status routine (orders), the downloads (delivery's
    records, shown and managed with the order), the card payments and the
    tax evidence (filtered by its conflict flag and its VAT number check)."""

    inlines = (
        orders_admin.OrderItemInline,
        delivery_admin.OrderDeliveryInline,
        orders_admin.OrderEmailInline,
        orders_admin.DigitalSupplyConsentInline,
        delivery_admin.DownloadGrantInline,
        delivery_admin.DownloadAttemptInline,
        payments_admin.PaymentInline,
        taxes_admin.TaxEvidenceInline,
    )
    list_display = (*cartridge_admin.OrderAdmin.list_display, "downloads", "card_payment")
    list_filter = (
        *cartridge_admin.OrderAdmin.list_filter,
        "tax_evidence__conflict",
        "tax_evidence__vat_check",
    )
    actions = [
        *orders_admin.STATUS_ACTIONS,
        "resend_receipt",
        "resend_files_email",
        "replace_private_links",
        "reset_download_attempts",
        "extend_download_expiry",
        "revoke_downloads",
        "restore_downloads",
        "refund_card_payment",
    ]


admin.site.unregister(Order)
admin.site.register(Order, OrderAdmin)


class RichTextPageAdmin(SavedPageInTreeAdmin, DraftFirstPageAdmin, PageAdmin):
    """Mezzanine's content pages, new ones as drafts out of the menus."""


admin.site.unregister(RichTextPage)
admin.site.register(RichTextPage, RichTextPageAdmin)
