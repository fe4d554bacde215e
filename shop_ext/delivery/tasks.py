"""Building an order's zip in a worker, so no request waits for it."""

from cartridge.shop.models import Order
from celery import shared_task

from shop_ext.delivery.zips import order_zip, zip_files


@shared_task
def build_order_zip(order_id):
    """Safe to run twice: a zip is built once per content (shop_ext.delivery.zips)."""
    order = Order.objects.filter(pk=order_id).first()
    files = zip_files(order) if order is not None else []
    if files:
        order_zip(order, files)
