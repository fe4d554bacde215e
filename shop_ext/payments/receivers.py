"""The payments feature's answers to the checkout (shop_ext.payments.signals);
connected by importing this module (ShopExtConfig.ready)."""

from django.dispatch import receiver

from shop_ext.payments import stripe_checkout
from shop_ext.payments.signals import payment_abandoned


@receiver(payment_abandoned)
def undo_hosted_payment(sender, request, order, **kwargs):
    stripe_checkout.cancel_hosted_payment(request, order)
