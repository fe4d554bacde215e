"""Every place where we replace part of Cartridge's (and Mezzanine's)
behaviour, and why.

Each replacement has a test in tests/ that fails loudly if the upstream
behaviour it relies on changes (tests/test_cartridge_patches.py).
"""
import contextvars
import functools
import logging

from django.contrib import messages
from django.db import models, transaction
from django.db.models.signals import m2m_changed, pre_delete
from mezzanine.pages import page_processors as mezzanine_processors

log = logging.getLogger("shop_ext")

# True while Order.complete() runs for an order whose stock was already
# taken before payment (see _take_stock_before_payment).
_stock_already_taken = contextvars.ContextVar("shop_ext_stock_already_taken", default=False)

# The payment handler configured in SHOP_HANDLER_PAYMENT, as Cartridge
# imported it; our wrapper calls it through this name (tests swap it).
inner_payment_handler = None


def apply():
    _replace_category_processor()
    _take_stock_before_payment()
    _atomic_update_stock()
    _safe_order_email()
    _sales_follow_categories()
    _deleting_sale_keeps_categories()
    _account_forms_pass_the_request()
    _sign_in_lookup_without_500s()


def _replace_category_processor():
    """Cartridge's category processor passes ``?sort=`` straight to
    ``order_by`` (an unknown key is a 500) and leaves listings to fetch
    digital details per product. shop_ext.page_processors registers ours."""
    from cartridge.shop import page_processors as cartridge_processors

    registered = mezzanine_processors.processors["category"]
    registered[:] = [
        entry for entry in registered if entry[0] is not cartridge_processors.category_processor
    ]


# ------------------------------------------------------------------ stock


def _take_stock_before_payment():
    """Cartridge decrements stock in ``order.complete()``, after the payment
    handler took the money, with a read-modify-save: two buyers of the last
    unit both get it. We wrap the payment handler that
    ``cartridge.shop.views.checkout_steps`` calls (after ``order.setup()``,
    before ``order.complete()``): it takes the stock of every line with
    conditional UPDATEs, all or nothing, *before* calling the real handler.
    A shortfall raises CheckoutError, so Cartridge deletes the just-created
    order and shows the message; a failed payment gives the stock back.
    ``order.complete()`` then skips its own decrement for this order."""
    from cartridge.shop import views as cartridge_views
    from cartridge.shop.checkout import CheckoutError
    from cartridge.shop.models import Order

    global inner_payment_handler
    if getattr(cartridge_views.payment_handler, "_shop_ext_wrapped", False):
        return
    inner_payment_handler = cartridge_views.payment_handler

    from shop_ext.catalogue import stock

    def payment_handler(request, order_form, order):
        try:
            taken = stock.take_stock(request.cart, site_id=order.site_id)
        except stock.OutOfStock as shortfall:
            raise CheckoutError(str(shortfall))
        try:
            transaction_id = inner_payment_handler(request, order_form, order)
        except BaseException:
            stock.give_back_stock(taken)
            raise
        order._shop_ext_stock_taken = True
        return transaction_id

    payment_handler._shop_ext_wrapped = True
    cartridge_views.payment_handler = payment_handler

    upstream_complete = Order.complete
    if getattr(upstream_complete, "_shop_ext_wrapped", False):
        return

    @functools.wraps(upstream_complete)
    def complete(self, request):
        token = _stock_already_taken.set(getattr(self, "_shop_ext_stock_taken", False))
        try:
            return upstream_complete(self, request)
        finally:
            _stock_already_taken.reset(token)

    complete._shop_ext_wrapped = True
    Order.complete = complete


def _atomic_update_stock():
    """``ProductVariation.update_stock`` is read-modify-save (lost updates,
    stock below zero). Ours is one conditional UPDATE that never goes below
    zero and keeps the product's denormalised ``num_in_stock`` in step. It
    does nothing inside ``Order.complete()`` when the checkout already took
    the stock before payment."""
    from cartridge.shop.models import ProductVariation

    from shop_ext.catalogue import stock

    def update_stock(self, quantity):
        if self.num_in_stock is None or _stock_already_taken.get():
            return
        if quantity >= 0:
            stock.increment(self.pk, quantity)
        elif not stock.decrement(self.pk, -quantity):
            log.error(
                "Stock of variation %s (SKU %s) is short by %s for an order; set to 0.",
                self.pk, self.sku, -quantity,
            )
            ProductVariation.objects.filter(pk=self.pk).update(num_in_stock=0)
            if self.default:
                stock._sync_product(self.pk, self.product_id)
        self.num_in_stock = (
            ProductVariation.objects.filter(pk=self.pk).values_list("num_in_stock", flat=True).first()
        )

    update_stock.__doc__ = _atomic_update_stock.__doc__
    ProductVariation.update_stock = update_stock


# ------------------------------------------------------------------ email


def _safe_order_email():
    """``checkout_steps`` sends the receipt after ``order.complete()``; with
    EMAIL_FAIL_SILENTLY false an SMTP error there is a 500 although the order
    is complete and the cart gone. Ours logs the failure (logger shop_ext),
    tells the buyer, and lets the checkout finish."""
    from cartridge.shop import checkout

    upstream = checkout.send_order_email
    if getattr(upstream, "_shop_ext_wrapped", False):
        return

    @functools.wraps(upstream)
    def send_order_email(request, order):
        try:
            upstream(request, order)
        except Exception:
            log.exception("Could not send the receipt email for order #%s", order.pk)
            try:
                messages.warning(
                    request,
                    "Your order is complete, but we could not send the receipt email just now. "
                    "You can see your order on this page and in your order history.",
                )
            except Exception:  # no messages middleware (e.g. a bare request)
                pass
            return False
        return True

    send_order_email._shop_ext_wrapped = True
    checkout.send_order_email = send_order_email


# ------------------------------------------------------------------ sales


def _reapply(sales):
    """Re-apply each sale now and once more after the transaction commits:
    the admin saves a product's variations (with the sale fields it showed)
    after its categories, which would undo an update made only now."""
    from cartridge.shop.models import Sale

    ids = {s.pk if isinstance(s, Sale) else s for s in sales}
    ids.discard(None)
    if not ids:
        return

    def run():
        for sale in Sale.objects.filter(pk__in=ids):
            sale.update_products()

    run()
    transaction.on_commit(run)


def _sales_follow_categories():
    """Cartridge applies a sale on save and on m2m_changed(post_add) of its
    *products*: a sale limited to categories is applied only on its second
    save (the categories are saved after the sale), removing products or
    categories does not clear them, and products added to a category later
    never get the sale. We re-apply the sales concerned whenever a sale's
    products or categories, or a category's products, change."""
    from cartridge.shop.models import Category, Product, Sale

    def on_sale_m2m(sender, instance, action, reverse, pk_set, **kwargs):
        if action == "pre_clear" and reverse:
            instance._shop_ext_cleared_sales = list(
                getattr(instance, sender_field[sender]).values_list("pk", flat=True)
            )
            return
        if action not in ("post_add", "post_remove", "post_clear"):
            return
        if not reverse:
            _reapply([instance])
        elif action == "post_clear":
            _reapply(getattr(instance, "_shop_ext_cleared_sales", []))
        else:
            _reapply(pk_set or [])

    sender_field = {
        Sale.categories.through: "sale_related",
        Sale.products.through: "sale_set",
    }
    for through in sender_field:
        m2m_changed.connect(
            on_sale_m2m, sender=through, weak=False, dispatch_uid=f"shop_ext_sale_{through}"
        )

    def on_category_products(sender, instance, action, pk_set, **kwargs):
        # product.categories or category.products (both use this table).
        is_category = isinstance(instance, Category)
        if action == "pre_clear":
            instance._shop_ext_cleared = (
                [instance.pk] if is_category
                else list(instance.categories.values_list("pk", flat=True))
            )
            return
        if action not in ("post_add", "post_remove", "post_clear"):
            return
        if action == "post_clear":
            category_ids = getattr(instance, "_shop_ext_cleared", [])
        elif is_category:
            category_ids = [instance.pk]
        else:
            category_ids = list(pk_set or [])
        if category_ids:
            sales = Sale.objects.filter(categories__in=category_ids)
            _reapply(sales.values_list("pk", flat=True).distinct())

    m2m_changed.connect(
        on_category_products, sender=Product.categories.through, weak=False,
        dispatch_uid="shop_ext_category_products",
    )

    def clear_on_delete(sender, instance, **kwargs):
        # Sale.delete() clears its prices, a queryset delete (the admin's
        # "delete selected") does not.
        instance._clear()

    pre_delete.connect(
        clear_on_delete, sender=Sale, weak=False, dispatch_uid="shop_ext_sale_clear"
    )


def _deleting_sale_keeps_categories():
    """``Category.sale`` is ``on_delete=CASCADE``: deleting a sale deletes
    every category page filtering by it. A pre_delete receiver is too late
    (the deletion collector has already gathered the categories), so the
    relation becomes SET_NULL; migration shop 0002 records the change."""
    from cartridge.shop.models import Category

    Category._meta.get_field("sale").remote_field.on_delete = models.SET_NULL


def _account_forms_pass_the_request():
    """Mezzanine's account forms and views call ``authenticate()`` without
    the request (``LoginForm.clean`` to sign in, ``ProfileForm.save`` to sign
    in after sign-up, the password-reset and sign-up verification links).
    django-axes refuses that (AxesBackendRequestParameterRequired), so with
    axes on those pages were a 500 and failed sign-ins went uncounted. The
    ``authenticate`` they call now hands over the current request, which
    Mezzanine's CurrentRequestMiddleware keeps."""
    from django.contrib import auth
    from mezzanine.accounts import forms, views
    from mezzanine.core.request import current_request

    def authenticate(request=None, **credentials):
        return auth.authenticate(request or current_request(), **credentials)

    forms.authenticate = authenticate
    views.authenticate = authenticate


def _sign_in_lookup_without_500s():
    """``MezzanineBackend.authenticate`` uses ``User.objects.get`` on
    "username or email" (two accounts with one email: a 500 on sign-in) and
    trusts the uid of verification links (huge or overlong: a 500). See
    shop_ext/accounts/backends.py."""
    from mezzanine.core.auth_backends import MezzanineBackend

    from shop_ext.accounts.backends import make_authenticate

    if getattr(MezzanineBackend.authenticate, "_shop_ext_wrapped", False):
        return
    MezzanineBackend.authenticate = make_authenticate(MezzanineBackend.authenticate)
