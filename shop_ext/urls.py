from django.urls import path

from . import converters  # noqa: F401  (registers <shop_id:...>)
from . import downloads

app_name = "shop_ext"

urlpatterns = [
    path("<shop_id:order_id>/files/<shop_id:grant_id>/", downloads.download_file, name="download_file"),
    path("<shop_id:order_id>/files/all.zip", downloads.download_zip, name="download_zip"),
    # Only nginx posts here (deploy/nginx.conf, @download_failed).
    path("download-failed/", downloads.download_failed, name="download_failed"),
]
