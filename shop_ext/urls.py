from django.urls import path

from . import downloads

app_name = "shop_ext"

urlpatterns = [
    path("<int:order_id>/files/<int:grant_id>/", downloads.download_file, name="download_file"),
    path("<int:order_id>/files/all.zip", downloads.download_zip, name="download_zip"),
]
