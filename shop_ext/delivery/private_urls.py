"""An order's private link (shop_ext.delivery.private_links): its page and
its downloads, mounted at /orders/ (project/urls.py)."""

from django.urls import path

from shop_ext.core import converters  # noqa: F401  (registers <shop_id:...>, <private_token:...>)
from shop_ext.delivery import library_views, order_pages
from shop_ext.delivery import views as delivery
from shop_ext.delivery.private_links import no_referrer

app_name = "private"

urlpatterns = [
    # A guest's library, by the signed link of the lost-links email.
    path("library/<str:key>/", no_referrer(library_views.guest_library), name="library"),
    path("<shop_id:order_id>/<private_token:token>/", no_referrer(order_pages.private_order), name="order"),
    path(
        "<shop_id:order_id>/<private_token:token>/files/<shop_id:grant_id>/",
        no_referrer(delivery.download_file),
        name="download_file",
    ),
    path(
        "<shop_id:order_id>/<private_token:token>/files/all.zip",
        no_referrer(delivery.download_zip),
        name="download_zip",
    ),
]
