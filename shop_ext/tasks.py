"""Where Celery's autodiscovery looks (``<app>.tasks``): the tasks live
beside the feature they serve."""

from shop_ext.accounts.tasks import send_password_reset
from shop_ext.catalogue.tasks import check_catalogue_import, make_cover_versions, run_catalogue_import
from shop_ext.contact.tasks import send_contact_message
from shop_ext.delivery.tasks import build_order_zip, build_stamped_copy, send_lost_links, send_update_notice
from shop_ext.orders.tasks import send_claim_link, send_order_email

__all__ = [
    "build_order_zip",
    "build_stamped_copy",
    "check_catalogue_import",
    "make_cover_versions",
    "run_catalogue_import",
    "send_claim_link",
    "send_contact_message",
    "send_lost_links",
    "send_order_email",
    "send_password_reset",
    "send_update_notice",
]
