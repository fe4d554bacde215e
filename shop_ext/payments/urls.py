from django.urls import path

from shop_ext.core import converters  # noqa: F401  (registers <shop_id:...>)
from shop_ext.payments import views, webhooks

urlpatterns = [
    path("<shop_id:order_id>/", views.payment_status, name="shop_payment_status"),
    path("<shop_id:order_id>/retry/", views.retry_payment, name="shop_payment_retry"),
    # Its token is hidden in the logs as a private link's is (shop_ext.core.logging).
    path("<shop_id:order_id>/return/<str:token>/", views.return_to_private_page, name="shop_payment_return"),
    path("webhook/stripe/", webhooks.stripe_webhook, name="shop_payment_webhook"),
]
