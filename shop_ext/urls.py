from django.urls import path

from shop_ext.core import converters  # noqa: F401  (registers <shop_id:...>)
from shop_ext.delivery import views as delivery

app_name = "shop_ext"

urlpatterns = [
    path("<shop_id:order_id>/files/<shop_id:grant_id>/", delivery.download_file, name="download_file"),
    path("<shop_id:order_id>/files/all.zip", delivery.download_zip, name="download_zip"),
    # Only nginx posts here (deploy/nginx.conf, @download_failed).
    path("download-failed/", delivery.download_failed, name="download_failed"),
]
