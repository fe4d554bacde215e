"""Every place where we replace part of Cartridge's (and Mezzanine's)
behaviour because they offer no hook for it, and why. (Where they do, we
use the hook: SHOP_HANDLER_* settings, signal receivers, subclasses,
settings such as TINYMCE_SETUP_JS.)

Each replacement has a test that fails loudly if the upstream behaviour it
relies on changes (tests/unit/test_cartridge_patches.py). apply() runs once, from
ShopExtConfig.ready().
"""

import functools
import logging

from cartridge.shop import checkout
from cartridge.shop import page_processors as cartridge_processors
from cartridge.shop.managers import ProductActionManager
from cartridge.shop.models import Category, Discount, Order, ProductAction, ProductVariation, Sale
from cartridge.shop.utils import clear_session
from django.contrib import auth
from django.db import models
from django.db.models import F
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from mezzanine import conf
from mezzanine.accounts import forms as account_forms
from mezzanine.accounts import views as account_views
from mezzanine.conf.models import Setting
from mezzanine.core.request import current_request
from mezzanine.pages import page_processors as mezzanine_processors

from shop_ext.catalogue import availability, page_cache, stock
from shop_ext.checkout.handlers import TAKEN_AT_PAYMENT
from shop_ext.core import contended, editable_settings
from shop_ext.models import OrderEmail, SaleExclusion
from shop_ext.orders.tasks import queue_order_email
from shop_ext.payments.stripe_checkout import awaits_hosted_payment

log = logging.getLogger(__name__)


def apply():
    _replace_category_processor()
    _complete_skips_what_payment_took()
    _atomic_update_stock()
    _purchase_counts_last()
    _queued_order_email()
    _deleting_sale_keeps_categories()
    _sales_leave_out_products_taken_off()
    _account_forms_pass_the_request()
    _editable_settings_read_once_per_request()
    _editable_settings_read_once_per_process()


def _replace_category_processor():
    """Cartridge's category processor passes ``?sort=`` straight to
    ``order_by`` (an unknown key is a 500) and leaves listings to fetch
    digital details per product. shop_ext.page_processors registers ours."""
    registered = mezzanine_processors.processors["category"]
    registered[:] = [entry for entry in registered if entry[0] is not cartridge_processors.category_processor]


# ------------------------------------------------------------------ stock


def _complete_skips_what_payment_took():
    """``Order.complete()`` saves the order, clears the checkout's session
    keys, decrements each line's stock with ``update_stock`` and counts its
    product's purchase (reading the line's variation, then its product: two
    queries a line), counts a use of the session's discount code and
    deletes the cart. Our payment handler
    (shop_ext.checkout.handlers.payment_handler) has taken the stock and the
    code's use already, atomically, before the payment: for such an order
    ours does the rest, with the variations the checkout has already read
    (availability.cart_variations: no query per line). The order keeps its
    code. Any other order goes through Cartridge's."""
    upstream_complete = Order.complete
    if getattr(upstream_complete, "_shop_ext_wrapped", False):
        return

    @functools.wraps(upstream_complete)
    def complete(self, request):
        if not getattr(self, TAKEN_AT_PAYMENT, False):
            upstream_complete(self, request)
            return
        self.save()  # the transaction id
        clear_session(request, "order", *self.session_fields)  # the discount code too
        variations = availability.cart_variations(request.cart, self.site_id)
        for item in request.cart:
            variation = variations.get(item.sku)
            if variation is not None:
                variation.product.actions.purchased()
        request.cart.delete()
        del request.session["cart"]

    complete._shop_ext_wrapped = True
    Order.complete = complete


def _atomic_update_stock():
    """``ProductVariation.update_stock`` is read-modify-save (lost updates,
    stock below zero). Ours is one conditional UPDATE that never goes below
    zero and keeps the product's denormalised ``num_in_stock`` in step."""

    def update_stock(self, quantity):
        if self.num_in_stock is None:
            return
        if quantity >= 0:
            stock.increment(self.pk, quantity)
        elif not stock.decrement(self.pk, -quantity):
            log.error(
                "Stock of variation %s (SKU %s) is short by %s for an order; set to 0.",
                self.pk,
                self.sku,
                -quantity,
            )
            ProductVariation.objects.filter(pk=self.pk).update(num_in_stock=0)
            page_cache.stock_changed({self.product_id})
            if self.default:
                stock._sync_product(self.pk, self.product_id)
        self.num_in_stock = (
            ProductVariation.objects.filter(pk=self.pk).values_list("num_in_stock", flat=True).first()
        )

    update_stock.__doc__ = _atomic_update_stock.__doc__
    ProductVariation.update_stock = update_stock


def _purchase_counts_last():
    """``Order.complete()`` counts a purchase of each line's product
    (``product.actions.purchased()``: get_or_create of the day's
    ProductAction row, then a read-modify-save of it). In the checkout's one
    transaction that row stayed locked from the first line to the commit,
    two orders of the same products in opposite line order deadlocked, and
    two at once lost a count. Ours counts with one conditional UPDATE, made
    at the end of the checkout's transaction in product id order
    (shop_ext.core.contended); anywhere else at once."""
    upstream = ProductActionManager.purchased
    if getattr(upstream, "_shop_ext_wrapped", False):
        return

    @functools.wraps(upstream)
    def purchased(self):
        product_id = getattr(getattr(self, "instance", None), "pk", None)
        if product_id is None:  # not a product's ``actions``: Cartridge's own
            return upstream(self)
        return contended.write(
            contended.PURCHASE_COUNT, product_id, functools.partial(_count_purchase, product_id)
        )

    purchased._shop_ext_wrapped = True
    ProductActionManager.purchased = purchased


def _count_purchase(product_id):
    # Cartridge's day: the server's date (Django runs in TIME_ZONE) as an ordinal.
    day = {"product_id": product_id, "timestamp": timezone.localdate().toordinal()}
    if not ProductAction.objects.filter(**day).update(total_purchase=F("total_purchase") + 1):
        # The day's first purchase (get_or_create survives a concurrent first one).
        ProductAction.objects.get_or_create(**day)
        ProductAction.objects.filter(**day).update(total_purchase=F("total_purchase") + 1)


# ------------------------------------------------------------------ email


def _queued_order_email():
    """``checkout_steps`` sends the receipt itself, over SMTP, in the request,
    after ``order.complete()``: a slow or failing mail server held up or broke
    a finished checkout. Ours queues it for a worker (shop_ext.orders.tasks),
    where it is retried and, if it cannot go, shown to staff."""
    upstream = checkout.send_order_email
    if getattr(upstream, "_shop_ext_wrapped", False):
        return

    @functools.wraps(upstream)
    def send_order_email(request, order):
        # An order the gateway paid as it was placed (a transaction id) awaits nothing: no query.
        if not order.transaction_id and awaits_hosted_payment(order):
            return  # sent with the download links once the payment arrives (payments.settle)
        queue_order_email(order, OrderEmail.RECEIPT)

    send_order_email._shop_ext_wrapped = True
    checkout.send_order_email = send_order_email


def _deleting_sale_keeps_categories():
    """``Category.sale`` is ``on_delete=CASCADE``: deleting a sale deletes
    every category page filtering by it. A pre_delete receiver is too late
    (the deletion collector has already gathered the categories), so the
    relation becomes SET_NULL; migration shop 0002 records the change."""
    Category._meta.get_field("sale").remote_field.on_delete = models.SET_NULL


def _sales_leave_out_products_taken_off():
    """``Sale.all_products`` (Discount's) is every product of the sale's
    category pages and its hand-picked products, with no way to leave one
    out: taking a product off a sale for a category page lasted until the
    sale was applied again. Ours leaves out the products editors took off
    it (SaleExclusion, shop_ext.catalogue.bulk_edits.take_off_sale). Only
    sales: discount codes keep Discount.all_products."""
    if "all_products" in Sale.__dict__:
        return
    upstream = Discount.all_products

    @functools.wraps(upstream)
    def all_products(self):
        taken_off = SaleExclusion.objects.filter(sale_id=self.pk).values("product_id")
        return upstream(self).exclude(pk__in=taken_off)

    Sale.all_products = all_products


def _account_forms_pass_the_request():
    """Mezzanine's account forms and views call ``authenticate()`` without
    the request (``LoginForm.clean`` to sign in, ``ProfileForm.save`` to sign
    in after sign-up, the password-reset and sign-up verification links).
    django-axes refuses that (AxesBackendRequestParameterRequired), so with
    axes on those pages were a 500 and failed sign-ins went uncounted. The
    ``authenticate`` they call now hands over the current request, which
    Mezzanine's CurrentRequestMiddleware keeps."""

    def authenticate(request=None, **credentials):
        return auth.authenticate(request or current_request(), **credentials)

    account_forms.authenticate = authenticate
    account_views.authenticate = authenticate


# ------------------------------------------------------------------ settings


def _editable_settings_read_once_per_request():
    """Cartridge calls ``settings.clear_cache()`` (once ``use_editable()``)
    before it reads a setting in its forms, views and handlers, and each
    call made Mezzanine read every editable setting from the database again:
    four to six times in one checkout step (issue 33). A request now reads
    them once. A Setting row saved or deleted (the admin's settings form, a
    test) still empties the cache of the current request, as the call did."""
    forget = conf.Settings.clear_cache
    if getattr(forget, "_shop_ext_wrapped", False):
        return

    def clear_cache(self):
        """Nothing: the settings read in this request stay (shop_ext.patches)."""

    def setting_changed(sender, instance, **kwargs):
        forget(conf.settings)
        editable_settings.changed(instance.site_id)

    clear_cache._shop_ext_wrapped = True
    conf.Settings.clear_cache = clear_cache
    post_save.connect(setting_changed, sender=Setting, dispatch_uid="shop_ext_setting_saved", weak=False)
    post_delete.connect(setting_changed, sender=Setting, dispatch_uid="shop_ext_setting_deleted", weak=False)


def _editable_settings_read_once_per_process():
    """Mezzanine's ``Settings._load`` reads the site's Setting rows on every
    request (the one query left after _editable_settings_read_once_per_request,
    on every page and checkout step). Ours keeps what it read per process and
    site until the site's version in the shared cache changes
    (shop_ext.core.editable_settings; a Setting saved or deleted changes it)."""
    upstream = conf.Settings._load
    if getattr(upstream, "_shop_ext_wrapped", False):
        return

    @functools.wraps(upstream)
    def _load(self):
        return editable_settings.load(functools.partial(upstream, self))

    _load._shop_ext_wrapped = True
    conf.Settings._load = _load
