"""Fail loudly if the upstream behaviour our replacements and hooks rely on
changes (shop_ext/patches.py; checkout.handlers, checkout.guard,
checkout.forms, catalogue.receivers, catalogue.discounts, accounts.backends,
accounts.axes).
If one of these fails after upgrading Cartridge/Mezzanine/axes, re-read the
upstream code and the docstring of the matching replacement."""

import inspect

from cartridge.shop import checkout, forms, models, utils, views
from mezzanine.accounts import forms as account_forms
from mezzanine.accounts import views as account_views

from shop_ext.checkout.handlers import payment_handler
from shop_ext.page_processors import category_processor


def source(obj):
    return inspect.getsource(obj)


def params(func):
    return list(inspect.signature(func).parameters)


def test_checkout_steps_order_setup_payment_complete_email():
    """checkout.handlers.payment_handler (stock before payment) and
    patches._queued_order_email rely on this order and on the module-level names the
    view looks up at call time."""
    src = source(views.checkout_steps)
    setup = src.index("order.setup(request)")
    pay = src.index("payment_handler(request, form, order)")
    delete = src.index("order.delete()")
    complete = src.index("order.complete(request)")
    email = src.index("checkout.send_order_email(request, order)")
    assert setup < pay < delete < complete < email
    assert "except checkout.CheckoutError" in src
    assert views.payment_handler is payment_handler  # SHOP_HANDLER_PAYMENT, read at import
    assert getattr(checkout.send_order_email, "_shop_ext_wrapped", False)
    assert params(views.checkout_steps) == ["request", "form_class", "extra_context"]


def test_checkout_step_is_read_from_post():
    """checkout.guard.guard_checkout validates the posted step Cartridge would use."""
    src = source(views.checkout_steps)
    assert 'request.POST.get("step", None)' in src
    assert 'request.POST.get("back") is not None' in src
    assert "request.cart.has_items()" in src
    assert 'request.session["order"]["step"] = step' in src
    assert checkout.CHECKOUT_STEP_FIRST == 1
    assert checkout.CHECKOUT_STEP_LAST == 2


def test_order_complete_counts_the_discount_code_named_in_the_session():
    """payment_handler reserves the code's use; _complete_skips_what_payment_took
    takes the code out of the session so that complete() does not count it again.
    CheckoutForm.clean_discount_code overrides OrderForm's on the last step."""
    src = source(models.Order.complete.__wrapped__)
    read = src.index('discount_code = request.session.get("discount_code")')
    count = src.index('uses_remaining=models.F("uses_remaining") - 1')
    assert read < src.index("if discount_code:") < count
    assert "def clean_discount_code(self)" in source(forms.DiscountForm)


def test_order_complete_does_what_ours_does_for_an_order_paid_at_checkout():
    """_complete_skips_what_payment_took does complete()'s work but the stock
    and the code's use (taken by payment_handler) for such an order: the
    same steps, in this order, and nothing else."""
    src = source(models.Order.complete.__wrapped__)
    steps = [
        "self.save()",
        'clear_session(request, "order", *self.session_fields)',
        "for item in request.cart:",
        "variation = ProductVariation.objects.get(sku=item.sku)",
        "variation.update_stock(item.quantity * -1)",
        "variation.product.actions.purchased()",
        "if discount_code:",
        "request.cart.delete()",
        'del request.session["cart"]',
    ]
    places = [src.index(step) for step in steps]
    assert places == sorted(places)
    code = [line.strip() for line in src.split('"""')[2].splitlines() if line.strip()]
    assert len(code) == 17, code  # no step added upstream


def test_order_complete_decrements_stock_through_update_stock():
    src = source(models.Order.complete.__wrapped__)
    assert "variation.update_stock(item.quantity * -1)" in src
    assert getattr(models.Order.complete, "_shop_ext_wrapped", False)
    assert params(models.ProductVariation.update_stock) == ["self", "quantity"]
    assert "session_fields" in source(models.Order.setup)
    assert "discount_code" in models.Order.session_fields


def test_order_complete_counts_purchases_through_the_products_actions_manager():
    """patches._purchase_counts_last replaces ProductActionManager.purchased
    (a related manager: ``self.instance`` is the product) and writes the
    day's row Cartridge would: ``timestamp`` the date's ordinal."""
    from cartridge.shop import managers

    assert "variation.product.actions.purchased()" in source(models.Order.complete.__wrapped__)
    assert getattr(managers.ProductActionManager.purchased, "_shop_ext_wrapped", False)
    upstream = source(managers.ProductActionManager._action_for_field)
    assert "timestamp = datetime.today().toordinal()" in upstream
    assert 'self._action_for_field("total_purchase")' in source(
        managers.ProductActionManager.purchased.__wrapped__
    )
    assert models.ProductAction._meta.unique_together == (("product", "timestamp"),)


def test_update_stock_is_ours():
    assert models.ProductVariation.update_stock.__module__ == "shop_ext.patches"


def test_send_order_email_signature():
    assert params(checkout.send_order_email.__wrapped__) == ["request", "order"]


def test_sale_updates_products_by_all_products_and_clears_by_sale_id():
    assert "self.update_products()" in source(models.Sale.save)
    assert "self._clear()" in source(models.Sale.update_products)
    assert "self.all_products()" in source(models.Sale.update_products)
    assert "sale_id=self.id" in source(models.Sale._clear)
    assert models.Category.products.through is models.Product.categories.through
    assert models.Sale.categories.field.remote_field.get_accessor_name() == "sale_related"
    assert models.Product.sale_set  # reverse accessor of Sale.products


def test_sales_leave_out_products_taken_off_them():
    # Upstream: all_products is Discount's, used by update_products; ours
    # (shop_ext.patches) is Sale's own and leaves out SaleExclusion rows.
    assert "categories" in source(models.Discount.all_products)
    assert models.Sale.all_products is not models.Discount.all_products
    assert models.Sale.all_products.__wrapped__ is models.Discount.all_products
    assert models.Sale.all_products.__code__.co_filename.endswith("shop_ext/patches.py")


def test_category_sale_no_longer_cascades():
    from django.db.models import SET_NULL

    field = models.Category._meta.get_field("sale")
    assert field.null
    assert field.remote_field.on_delete is SET_NULL


def test_cart_item_form_and_cart_view_contract():
    """SafeCartItemForm replaces clean_quantity; the cart view takes our
    formset and discount form classes."""
    assert "ProductVariation.objects.get(sku=self.instance.sku)" in source(forms.CartItemForm.clean_quantity)
    assert params(views.cart)[:4] == ["request", "template", "cart_formset_class", "discount_form_class"]
    assert "cart_formset._errors = errors" in source(views.cart)


def test_discount_forms_validate_in_clean_discount_code():
    src = source(forms.DiscountForm.clean_discount_code)
    assert "self._request" in src
    assert "DiscountCode.objects.get_valid" in src
    assert issubclass(forms.OrderForm, forms.DiscountForm)
    assert "get_valid" in dir(models.DiscountCode.objects)
    assert "billship_handler(request, None)" in source(utils.recalculate_cart)


def test_a_code_for_any_product_comes_off_the_cart_total():
    """catalogue.discounts.cart_discount gives this answer itself for a code
    with no products or categories, without reading them again."""
    src = source(models.Cart.calculate_discount)
    assert "products = discount.all_products()" in src
    assert "if products.count() == 0:\n            return discount.calculate(self.total_price())" in src


def test_mezzanine_account_forms_still_authenticate_without_request():
    """If Mezzanine starts passing the request, _account_forms_pass_the_request
    can go; if it stops calling the module-level ``authenticate``, the patch
    would silently do nothing."""
    assert "authenticate(username=username, password=password)" in source(account_forms.LoginForm.clean)
    assert "authenticate(" in source(account_forms.ProfileForm.save)
    assert "authenticate(uidb36=uidb36, token=token" in source(account_views.password_reset_verify)
    assert "authenticate(uidb36=uidb36, token=token" in source(account_views.signup_verify)


def test_mezzanine_still_looks_users_up_with_get():
    """shop_ext.accounts.backends.ShopBackend and shop_ext.accounts.forms.PasswordResetForm
    (used by our password-reset view, shop_ext/accounts/views.py) replace
    lookups that are a 500 when two accounts share an email address."""
    from mezzanine.core import auth_backends

    assert "User.objects.get(username_or_email" in source(auth_backends)
    assert "base36_to_int(" in source(auth_backends)
    assert "User.objects.get(username_or_email" in source(account_forms.PasswordResetForm.clean)


def test_axes_lockout_callable_signature():
    from axes.helpers import get_lockout_response

    assert "AXES_LOCKOUT_CALLABLE" in source(get_lockout_response)
    assert "callable_obj(request, original_response, credentials)" in source(get_lockout_response)


def test_cartridge_category_processor_is_unregistered():
    from cartridge.shop import page_processors as cartridge_processors
    from mezzanine.pages import page_processors as mezzanine_processors

    # Mezzanine imports the apps' page_processors modules on the first page
    # request; Cartridge's was imported (and unregistered) at start-up.
    mezzanine_processors.autodiscover()
    registered = [entry[0] for entry in mezzanine_processors.processors["category"]]
    assert cartridge_processors.category_processor not in registered
    assert registered == [category_processor]


def test_cartridge_reloads_editable_settings_through_clear_cache():
    """_editable_settings_read_once_per_request: Cartridge asks for a reload
    before reading a setting; Mezzanine keeps one dict of editable settings
    per request, which clear_cache drops."""
    from mezzanine import conf

    assert "settings.clear_cache()" in source(forms.OrderForm.__init__)
    assert "settings.clear_cache()" in source(views.cart)
    assert "settings.clear_cache()" in source(checkout.default_tax_handler)
    assert "self._editable_caches[request]" in source(conf.Settings._get_editable)
    assert getattr(conf.Settings.clear_cache, "_shop_ext_wrapped", False)


def test_mezzanine_reads_the_editable_settings_in_load():
    """_editable_settings_read_once_per_process: Mezzanine reads the site's
    Setting rows in ``Settings._load``, which ``_get_editable`` calls once per
    request; ours keeps its answer per process and site."""
    from mezzanine import conf

    assert "Setting.objects.all()" in source(conf.Settings._load.__wrapped__)
    assert "self._load()" in source(conf.Settings._get_editable)
    assert getattr(conf.Settings._load, "_shop_ext_wrapped", False)


def test_mezzanine_takes_the_site_a_request_carries():
    """shop_ext.core.middleware.SiteFromHostMiddleware (no patch: Mezzanine's
    hook): ``current_site_id`` takes ``request.site_id`` before the session and
    the host, and gives a host that is no site's domain the default site."""
    from mezzanine.utils.sites import current_site_id

    text = source(current_site_id)
    carried = text.index('getattr(request, "site_id", None)')
    assert carried < text.index('request.session.get("site_id", None)')
    assert carried < text.index("Site.objects.get(domain__iexact=domain)")
    assert 'os.environ.get("MEZZANINE_SITE_ID", settings.SITE_ID)' in text
