"""Bad-input sweep: the public endpoints driven with generated hostile input.

Every example is one or a few requests through Django's test client with
``raise_request_exception=False``, so a crash is a 500 status, not an
exception. For each example the sweep asserts that

* no response is a 5xx;
* a refusal says what was wrong: a form error or a message that is shown on
  the page, or a 4xx page with text on it;
* the database still holds: no order without lines or with negative totals,
  no negative stock, no DownloadGrant without a paid order (OrderDelivery),
  no orphan or junk rows, stock sold equals stock taken, and the buyer's paid
  order, grants and download counter are as they were (or used as allowed).

Each example runs in a savepoint that is rolled back afterwards, so examples
do not see each other's carts, orders and failed sign-ins. The number of
cases per endpoint group is printed in the terminal summary ("bad-input
sweep"). Examples are derandomized: the run is the same every time; set
SWEEP_SCALE=10 (say) for a longer, still deterministic, run.

Every other routed address (the allow-list, url_allowlist.py) gets junk
paths, queries and POSTs from test_route_sweep.py.
"""

import os
import re
from contextlib import contextmanager
from decimal import Decimal
from urllib.parse import quote

import pytest
from cartridge.shop.models import (
    Cart,
    CartItem,
    Category,
    DiscountCode,
    Order,
    OrderItem,
    Product,
    ProductVariation,
)
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils.html import escape
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from mezzanine.core.models import CONTENT_STATUS_PUBLISHED

from shop_ext.models import DownloadAttempt, DownloadGrant, OrderDelivery
from tests.conftest import SWEEP_CASES
from tests.shopper import download_links, quiet_client

pytestmark = pytest.mark.django_db

SCALE = int(os.environ.get("SWEEP_SCALE", "1"))


def sweep(examples):
    return settings(
        max_examples=examples * SCALE,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


CART = "/shop/cart/"
CHECKOUT = "/shop/checkout/"
PASSWORD = "pw-dana-123"

# ------------------------------------------------------------ strategies

CURATED = [
    "",
    " ",
    "0",
    "-1",
    "-0",
    "+1",
    "1.5",
    "1e3",
    "0x10",
    "NaN",
    "inf",
    "-inf",
    "None",
    "null",
    "true",
    "[]",
    "{}",
    "９",  # full-width digit
    "١٢",  # Arabic-Indic digits
    "2147483648",
    "9223372036854775808",
    "99999999999999999999999999",
    "-99999999999999999999999999",
    "' OR '1'='1",
    "1; DROP TABLE shop_order;--",
    '"><script>alert(1)</script>',
    "<img src=x onerror=alert(1)>",
    "{{ settings.SECRET_KEY }}",
    "{% debug %}",
    "%(name)s %s %d",
    "../../../../etc/passwd",
    "..\\..\\windows\\win.ini",
    "%00",
    "\x00",
    "a\x00b",
    "\r\nSet-Cookie: x=1",
    "\x1b[31m\x07\x08\x7f",
    "\u202egnp.exe",  # RTL override
    "שלום עולם",  # Hebrew
    "مرحبا",  # Arabic
    "😀📚🔥",
    "\ufeff\u200b\u200d",
    "ǅ Ⅻ ﬁ ß",
    "\ud7ff\ue000\uffff",
    "*",
    "%",
    "_",
    "\\",
    "'",
    '"',
    "`",
    ";",
]

OVERLONG = st.builds(
    lambda chunk, n: (chunk * n)[:n],
    st.sampled_from(["a", "9", "é", "😀", "<'\"", "\u202e", "\x00", "-1", " "]),
    st.sampled_from([51, 101, 256, 1001, 2001, 10_000]),
)
NUMBERS = st.one_of(
    st.integers(min_value=-(10**25), max_value=10**25).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
)
JUNK = st.one_of(
    st.sampled_from(CURATED),
    st.text(max_size=40),
    st.text(st.characters(codec="utf-8", categories=["Cc", "Cf", "Zs", "So", "Mn"]), max_size=20),
    NUMBERS,
    OVERLONG,
)
QUANTITY = st.one_of(st.integers(min_value=-(10**12), max_value=10**12).map(str), JUNK)
MISSING = object()


def field(valid):
    """A posted field: the valid value, junk, missing, or posted twice."""
    valid = st.just(valid) if not isinstance(valid, st.SearchStrategy) else valid
    return st.one_of(
        valid,
        JUNK,
        st.just(MISSING),
        st.lists(st.one_of(valid, JUNK), min_size=2, max_size=3),
    )


def post_data(**fields):
    return {name: value for name, value in fields.items() if value is not MISSING}


# ------------------------------------------------------------ the shop


@pytest.fixture
def shop(db, book, paid_order, buyer, django_user_model):
    """A catalogue (a Book in three formats with files, a paperback with
    little stock, a category, a discount code), a buyer with a paid ebook
    order and another user."""
    from tests.factories import book_with_files

    pamphlet = Product.objects.create(title="Pamphlet", available=True, status=CONTENT_STATUS_PUBLISHED)
    pamphlet.variations.create(default=True, unit_price=Decimal("3.00"), num_in_stock=2)
    pamphlet.copy_default_variation()
    category = Category.objects.create(title="Everything", status=CONTENT_STATUS_PUBLISHED)
    category.products.set([book, pamphlet])
    DiscountCode.objects.create(title="Ten percent", code="TEN", active=True, discount_percent=Decimal("10"))
    other = django_user_model.objects.create_user("mallory", "mallory@example.com", "pw-mallory-1")
    # Two accounts with one email address (staff can make them in the admin).
    django_user_model.objects.create_user("dana2", "dana@example.com", "pw-dana2-123")
    second = book_with_files(title="Second Book")
    return {
        "book": book,
        "second": second,
        "pamphlet": pamphlet,
        "category": category,
        "order": paid_order,
        "buyer": buyer,
        "other": other,
    }


def snapshot(shop):
    order = shop["order"]
    delivery = OrderDelivery.objects.get(order=order)
    return {
        "max_order_id": Order.objects.order_by("-id").values_list("id", flat=True).first() or 0,
        "stock": dict(
            ProductVariation.objects.filter(num_in_stock__isnull=False).values_list("sku", "num_in_stock")
        ),
        "paid": Order.objects.filter(pk=order.pk).values("status", "total", "item_total").get(),
        "paid_items": list(order.items.values_list("sku", "quantity", "unit_price")),
        "grants": sorted(order.download_grants.values_list("id", "file_id", "revoked_at")),
        "attempts_used": delivery.attempts_used,
        "max_attempts": delivery.max_attempts,
    }


def check_invariants(shop, before):
    """The database after one example: nothing broken, nothing lost."""
    no_lines = Order.objects.annotate(n=Count("items")).filter(n=0)
    assert not no_lines.exists(), f"orders without lines: {list(no_lines.values_list('id', flat=True))}"
    negative = Q(total__lt=0) | Q(item_total__lt=0) | Q(shipping_total__lt=0) | Q(discount_total__lt=0)
    assert not Order.objects.filter(negative).exists(), "an order with a negative total"
    assert not OrderItem.objects.filter(
        Q(quantity__lt=1) | Q(unit_price__lt=0) | Q(total_price__lt=0)
    ).exists(), "an order line with a bad quantity or price"
    new_orders = Order.objects.filter(id__gt=before["max_order_id"])
    assert not new_orders.filter(Q(billing_detail_first_name="") | Q(billing_detail_email="")).exists(), (
        "an order without billing details"
    )
    assert not ProductVariation.objects.filter(num_in_stock__lt=0).exists(), "negative stock"
    assert not Product.objects.filter(num_in_stock__lt=0).exists(), "negative product stock"

    # Stock: what is gone was sold, by an order that exists.
    sold = {}
    for sku, quantity in OrderItem.objects.filter(order__in=new_orders).values_list("sku", "quantity"):
        sold[sku] = sold.get(sku, 0) + quantity
    for sku, stock in before["stock"].items():
        now = ProductVariation.objects.filter(sku=sku).values_list("num_in_stock", flat=True).first()
        assert stock - now == sold.get(sku, 0), f"stock of {sku}: {stock} -> {now}, sold {sold.get(sku, 0)}"

    # Downloads: grants only for paid orders, consistent rows.
    assert not DownloadGrant.objects.filter(order__delivery__isnull=True).exists(), "grant of unpaid order"
    assert not DownloadGrant.objects.exclude(order_item__order_id=F("order_id")).exists(), (
        "grant/line mismatch"
    )
    assert (
        not DownloadAttempt.objects.filter(grant__isnull=False)
        .exclude(grant__order_id=F("order_id"))
        .exists()
    ), "attempt logged against another order's grant"
    assert not OrderDelivery.objects.filter(attempts_used__gt=F("max_attempts")).exists(), (
        "attempts overshoot"
    )

    # Carts: no junk lines (zero quantity, or a SKU that is not sold).
    skus = set(ProductVariation.objects.values_list("sku", flat=True))
    for item in CartItem.objects.all():
        assert item.quantity >= 1, f"cart line with quantity {item.quantity}"
        assert item.sku in skus, f"cart line with unknown SKU {item.sku!r}"
        assert item.cart_id is not None
    assert not Cart.objects.annotate(n=Count("items")).filter(n__gt=0, items__quantity__lt=1).exists()

    # The buyer's paid order is intact.
    order = shop["order"]
    after = snapshot(shop)
    assert after["paid"] == before["paid"], "the paid order changed"
    assert after["paid_items"] == before["paid_items"], "the paid order's lines changed"
    assert after["grants"] == before["grants"], "the paid order's grants changed"
    assert after["max_attempts"] == before["max_attempts"]
    used = after["attempts_used"] - before["attempts_used"]
    served = DownloadAttempt.objects.filter(order=order, outcome=DownloadAttempt.SERVED).count()
    assert 0 <= used <= served, f"{used} attempts used for {served} downloads served"


@contextmanager
def example_case(shop, group):
    """One generated case: counted, run in a savepoint rolled back at the
    end, and checked against the invariants."""
    SWEEP_CASES[group] = SWEEP_CASES.get(group, 0) + 1
    cache.clear()  # rate-limit counters
    with transaction.atomic():
        before = snapshot(shop)
        yield
        check_invariants(shop, before)
        transaction.set_rollback(True)


# ------------------------------------------------------- response checks


def body(response):
    if response.streaming:
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


def no_5xx(response):
    assert response.status_code < 500, f"{response.status_code} for {response.request}"
    return response


def _errors_of(form):
    if form is None:
        return []
    errors = getattr(form, "_errors", None)
    texts = []
    if isinstance(errors, list):  # a formset: per form, then its own errors
        for form_errors in errors:
            for field_errors in form_errors.values():
                texts.extend(str(e) for e in field_errors)
        texts.extend(str(e) for e in (getattr(form, "_non_form_errors", None) or []))
    elif errors:
        for field_errors in errors.values():
            texts.extend(str(e) for e in field_errors)
    return texts


def explanations(response):
    """Form errors and messages of the response that are shown on its page."""
    context = response.context
    if context is None:
        return []
    texts = []
    if "messages" in context:
        texts.extend(str(m) for m in context["messages"])
    for name in ("form", "add_product_form", "cart_formset", "discount_form", "login_form"):
        if name in context:
            texts.extend(_errors_of(context[name]))
    page = body(response)
    return [t for t in texts if t.strip() and (escape(t) in page or t in page)]


def assert_explained(response):
    """A refused request says what was wrong."""
    if response.status_code >= 400:
        text = body(response)
        visible = text.split("<body", 1)[-1]
        assert len(visible.strip()) > 0, f"{response.status_code} with an empty page"
        return
    assert explanations(response), f"refused without saying why: {response.status_code} {response.request}"


# ------------------------------------------------------------ add to cart


def cart_lines(client):
    cart_id = client.session.get("cart")
    return sorted(CartItem.objects.filter(cart_id=cart_id).values_list("sku", "quantity")) if cart_id else []


@sweep(80)
@given(
    which=st.sampled_from(["book", "pamphlet"]),
    option3=field(st.sampled_from(["Paperback", "eBook", "Paperback + eBook"])),
    option1=field(MISSING),
    quantity=field(QUANTITY),
    sku=field(MISSING),
    add_wishlist=st.sampled_from([MISSING, MISSING, MISSING, "1"]),
    signed_in=st.booleans(),
)
def test_add_to_cart(shop, which, option3, option1, quantity, sku, add_wishlist, signed_in):
    with example_case(shop, "add to cart"):
        client = quiet_client(shop["buyer"] if signed_in else None)
        product = shop[which]
        before = cart_lines(client)
        data = post_data(
            option3=option3, option1=option1, quantity=quantity, sku=sku, add_wishlist=add_wishlist
        )
        response = no_5xx(client.post(product.get_absolute_url(), data))
        after = cart_lines(client)
        if response.status_code == 302:
            if add_wishlist is MISSING:
                assert response["Location"] == CART
                assert after != before
                for _line_sku, line_quantity in after:
                    assert 1 <= line_quantity <= 999
        else:
            assert after == before
            assert_explained(response)


# ------------------------------------------------------------ cart update


def cart_with_lines(shop):
    client = quiet_client()
    for product, fmt, quantity in ((shop["book"], "Paperback", 2), (shop["book"], "eBook", 1)):
        response = client.post(product.get_absolute_url(), {"option3": fmt, "quantity": quantity})
        assert response.status_code == 302
    return client


@sweep(70)
@given(
    total_forms=field(st.sampled_from(["2", "3", "0", "1"])),
    initial_forms=field(st.sampled_from(["2", "0", "3"])),
    ids=st.lists(
        st.one_of(st.sampled_from(["own0", "own1", "other"]), JUNK, st.just(MISSING)), min_size=0, max_size=4
    ),
    quantities=st.lists(field(st.sampled_from(["0", "1", "3"])), min_size=0, max_size=4),
    deletes=st.lists(field(st.sampled_from(["on", ""])), min_size=0, max_size=4),
    update_cart=field("Update cart"),
    expired=st.booleans(),
)
def test_cart_update(shop, total_forms, initial_forms, ids, quantities, deletes, update_cart, expired):
    with example_case(shop, "cart update"):
        client = cart_with_lines(shop)
        own = list(CartItem.objects.filter(cart_id=client.session["cart"]).order_by("id"))
        stranger = cart_with_lines(shop)
        foreign = CartItem.objects.filter(cart_id=stranger.session["cart"]).first()
        real_ids = {"own0": own[0].pk, "own1": own[1].pk, "other": foreign.pk}
        data = post_data(
            **{
                "items-TOTAL_FORMS": total_forms,
                "items-INITIAL_FORMS": initial_forms,
                "items-MIN_NUM_FORMS": "0",
                "items-MAX_NUM_FORMS": "1000",
                "update_cart": update_cart,
            }
        )
        for i, value in enumerate(ids):
            if value is not MISSING:
                data[f"items-{i}-id"] = str(real_ids.get(value, value))
        for i, value in enumerate(quantities):
            if value is not MISSING:
                data[f"items-{i}-quantity"] = value
        for i, value in enumerate(deletes):
            if value is not MISSING:
                data[f"items-{i}-DELETE"] = value
        if expired:
            Cart.objects.filter(pk=client.session["cart"]).delete()
        foreign_before = (foreign.pk, foreign.quantity)
        before = cart_lines(client)

        response = no_5xx(client.post(CART, data))

        # Never a change to someone else's cart.
        foreign_now = CartItem.objects.filter(pk=foreign.pk).values_list("pk", "quantity").first()
        assert foreign_now == foreign_before
        if response.status_code == 302:
            # Accepted: every line left is a real one (check_invariants) and
            # no quantity grew past the limit.
            assert all(quantity <= 999 for _sku, quantity in cart_lines(client))
        else:
            assert cart_lines(client) == before
            assert_explained(response)


# ---------------------------------------------------------- discount code


@sweep(40)
@given(
    code=field(st.sampled_from(["TEN", "ten", " TEN ", "NOPE"])), update_cart=st.sampled_from([MISSING, ""])
)
def test_discount_code(shop, code, update_cart):
    with example_case(shop, "discount code"):
        client = cart_with_lines(shop)
        response = no_5xx(client.post(CART, post_data(discount_code=code, update_cart=update_cart)))
        applied = client.session.get("discount_code")
        if response.status_code == 302:
            assert applied in (None, "", "TEN")  # only the real code is ever applied
        else:
            assert applied in (None, "")
            assert_explained(response)


# ---------------------------------------------------------------- checkout

BILLING = {
    "first_name": "Dana",
    "last_name": "Reader",
    "street": "1 Paper Lane",
    "city": "Bookham",
    "state": "",
    "postcode": "BK1 2AB",
    "country": "UK",
    "phone": "0123456789",
    "email": "dana@example.com",
}


def valid_checkout(step):
    data = {"step": str(step), "same_billing_shipping": "on", "discount_code": ""}
    for key, value in BILLING.items():
        data[f"billing_detail_{key}"] = value
        if key != "email":
            data[f"shipping_detail_{key}"] = ""
    return data


CHECKOUT_FIELDS = sorted(valid_checkout(1)) + ["remember", "back", "additional_instructions"]


@sweep(80)
@given(
    cart=st.sampled_from(["paperback", "ebook", "mixed"]),
    at_step=st.sampled_from([1, 2]),
    step=field(st.sampled_from(["1", "2"])),
    tampered=st.dictionaries(st.sampled_from(CHECKOUT_FIELDS), field(MISSING), max_size=6),
)
def test_checkout(shop, cart, at_step, step, tampered):
    with example_case(shop, "checkout"):
        signed_in = cart != "paperback"
        client = quiet_client(shop["buyer"] if signed_in else None)
        book = shop["book"]
        formats = {"paperback": ["Paperback"], "ebook": ["eBook"], "mixed": ["Paperback", "eBook"]}[cart]
        for fmt in formats:
            assert client.post(book.get_absolute_url(), {"option3": fmt, "quantity": 1}).status_code == 302
        # A cart of downloads has one page: its first step places the order.
        assume(not (at_step == 2 and cart == "ebook"))
        if at_step == 2:
            first = client.post(CHECKOUT, valid_checkout(1))
            assert first.status_code == 200
            assert first.context["step"] == 2
        data = valid_checkout(at_step)
        data["step"] = step
        for name, value in tampered.items():
            if value is MISSING:
                data.pop(name, None)
            else:
                data[name] = value
        data = {k: v for k, v in data.items() if v is not MISSING}
        orders_before = Order.objects.count()

        response = no_5xx(client.post(CHECKOUT, data, follow=True))

        for hop in response.redirect_chain:
            assert hop[1] < 500
        placed = Order.objects.count() - orders_before
        assert placed in (0, 1)
        if placed:
            assert response.redirect_chain[-1][0].endswith("/shop/checkout/complete/")
            order = Order.objects.latest("id")
            assert order.items.exists()
            return
        posted_step = data.get("step", "")
        posted_step = posted_step[-1] if isinstance(posted_step, list) else posted_step
        advanced = (  # a valid step 1 (Cartridge reads a missing step as 1)
            response.context is not None
            and response.context.get("step") == 2
            and posted_step in ("", "1")
            and not _errors_of(response.context.get("form"))
        )
        went_back = "back" in data
        if not (advanced or went_back):
            assert_explained(response)


# ------------------------------------------------------------------ search


@sweep(50)
@given(
    q=field(st.sampled_from(["almanac", "Quill", '"lighthouse keeper"', "-almanac", "+keeper"])),
    type_=field(st.sampled_from(["shop.Product", "shop_ext.Book", "pages.Page", "shop.Category"])),
    page=field(st.sampled_from(["1", "2"])),
)
@example(q="a\x00b", type_="shop.Product", page="1")
@example(q="almanac", type_="\x00", page="\x00")
def test_search(shop, q, type_, page):
    with example_case(shop, "search"):
        query = post_data(q=q, type=type_, page=page)
        response = no_5xx(quiet_client().get("/search/", query))
        assert response.status_code in (200, 400)  # 400: a NUL character (RejectNulMiddleware)
        if response.status_code == 400:
            assert_explained(response)


# --------------------------------------------------------- category pages


@sweep(40)
@given(
    sort=field(
        st.sampled_from(["-date_added", "unit_price", "-unit_price", "title", "-title", "-num_in_stock"])
    ),
    page=field(st.sampled_from(["1", "2", "-1", "0"])),
    extra=st.dictionaries(st.sampled_from(["min", "max", "option3", "q", "sale"]), JUNK, max_size=2),
)
def test_category_page(shop, sort, page, extra):
    with example_case(shop, "category"):
        query = post_data(sort=sort, page=page, **extra)
        response = no_5xx(quiet_client().get(shop["category"].get_absolute_url(), query))
        assert response.status_code in (200, 400)
        if response.status_code == 400:
            assert_explained(response)


# ------------------------------------------------------- any other address


@sweep(40)
@given(
    prefix=st.sampled_from(["/", "/shop/product/", "/everything/", "/account/orders/", "/accounts/"]),
    segment=JUNK.filter(lambda s: s.strip("/")),
    query=st.dictionaries(st.sampled_from(["q", "page", "sort", "next", "format"]), JUNK, max_size=2),
)
@example(prefix="/", segment="a\x00b", query={})
@example(prefix="/shop/product/", segment="\x00", query={})
def test_page_paths(shop, prefix, segment, query):
    with example_case(shop, "page paths"):
        url = prefix + quote(segment, safe="") + "/"
        response = no_5xx(quiet_client().get(url, query))
        if response.status_code >= 400:
            assert_explained(response)


# ---------------------------------------------------------------- downloads

ID = st.one_of(
    st.sampled_from(["real", "real", "real", "other"]),
    st.integers(min_value=0, max_value=10**30).map(str),
    st.sampled_from(["-1", "0", "00", "1.0", "1e3", "abc", "%00", "..", "１", "٣", " 1", "1 "]),
    JUNK,
)
RANGE = st.one_of(
    st.just(MISSING),
    st.sampled_from(
        [
            "bytes=0-",
            "bytes=0-9",
            "bytes=-1",
            "bytes=5-1",
            "bytes=0-0,1-1",
            "bytes=abc",
            "bytes=99999999999999999999-",
            "items=0-1",
            "bytes=",
            "bytes=-0",
        ]
    ),
    JUNK.filter(lambda s: "\n" not in s and "\r" not in s),
)


def _segment(value, real):
    if value == "real":
        return str(real)
    if value == "other":
        return str(real + 1000)
    return quote(value, safe="")


def _is(segment, real):
    """Does this URL segment name the real id (as <shop_id:...> reads it)?"""
    return segment.isascii() and segment.isdigit() and (segment.lstrip("0") or "0") == str(real)


@sweep(80)
@given(
    who=st.sampled_from(["owner", "owner", "other", "anonymous", "staff"]),
    kind=st.sampled_from(["file", "zip"]),
    order_id=ID,
    grant_id=ID,
    range_header=RANGE,
    user_agent=st.one_of(st.just(MISSING), JUNK),
    # A signed link's key (shop_ext.delivery.signed_links): the buyer's
    # own for this link, their zip's, or junk.
    key=st.one_of(st.just(MISSING), st.sampled_from(["file", "zip"]), JUNK),
)
@example(
    who="owner",
    kind="file",
    order_id="real",
    grant_id="real",
    range_header=MISSING,
    user_agent="x\x00y",
    key=MISSING,
)
def test_download_urls(shop, admin_user, who, kind, order_id, grant_id, range_header, user_agent, key):
    with example_case(shop, "downloads"):
        user = {"owner": shop["buyer"], "other": shop["other"], "anonymous": None, "staff": admin_user}[who]
        client = quiet_client(user)
        order = shop["order"]
        grant = order.download_grants.order_by("id").first()
        oid, gid = _segment(order_id, order.pk), _segment(grant_id, grant.pk)
        if kind == "file":
            url = f"/account/orders/{oid}/files/{gid}/"
            grant_ids = set(order.download_grants.values_list("id", flat=True))
            real_url = _is(oid, order.pk) and any(_is(gid, pk) for pk in grant_ids)
        else:
            url = f"/account/orders/{oid}/files/all.zip"
            real_url = _is(oid, order.pk)
        if key in ("file", "zip"):  # made for the buyer's browser: for anyone else's, no sign-in
            links = download_links(client if who == "owner" else quiet_client(shop["buyer"]), order.pk)
            key = (links[0] if key == "file" else links[-1]).split("?key=")[1]
        if key is not MISSING:
            url = f"{url}?key={quote(key, safe='')}"
        headers = post_data(HTTP_RANGE=range_header, HTTP_USER_AGENT=user_agent)
        used_before = OrderDelivery.objects.get(order=order).attempts_used

        response = no_5xx(client.get(url, **headers))
        if response.status_code == 301:  # no URL matched: APPEND_SLASH tries one with a slash
            assert response["Location"].split("?")[0].endswith("/files/all.zip/")
            response = no_5xx(client.get(response["Location"], **headers))

        # 400: an address too long to redirect to (APPEND_SLASH, login).
        if who == "anonymous":
            assert response.status_code in (302, 400, 404)
        elif who == "other" or not real_url:
            assert response.status_code in (400, 404)
        else:
            assert response.status_code in (200, 403, 410)
        if response.status_code >= 400:
            assert_explained(response)
        used_now = OrderDelivery.objects.get(order=order).attempts_used
        if who != "owner" or response.status_code != 200:
            assert used_now == used_before


@sweep(30)
@given(
    order_id=ID,
    fmt=st.sampled_from([MISSING, "pdf", "html", "\x00"]),
    who=st.sampled_from(["owner", "other", "anonymous"]),
    resend=st.booleans(),
)
def test_invoice_urls(shop, order_id, fmt, who, resend):
    with example_case(shop, "invoice"):
        user = {"owner": shop["buyer"], "other": shop["other"], "anonymous": None}[who]
        order = shop["order"]
        segment = _segment(order_id, order.pk)
        url = f"/shop/invoice/{segment}/" + ("resend/" if resend else "")
        response = no_5xx(quiet_client(user).get(url, post_data(format=fmt)))
        if who != "owner" or not _is(segment, order.pk):
            assert response.status_code in (400, 404)
        if response.status_code >= 400:
            assert_explained(response)


# ------------------------------------------- staff: order actions, re-send

# Staff roles (tests/integration/orders/test_staff_permissions.py has the
# same matrix, one request each) and who may run each order action.
STAFF_ROLES = {
    "no permission": (),
    "view only": ("shop.view_order",),
    "change": ("shop.view_order", "shop.change_order"),
    "manage downloads": ("shop.view_order", "shop_ext.manage_downloads"),
    "superuser": None,
}
STATUS_ROLES = {"change", "superuser"}
DOWNLOAD_ROLES = {"manage downloads", "superuser"}
ACTION_ROLES = {
    "mark_paid": STATUS_ROLES,
    "mark_cancelled": STATUS_ROLES,
    "mark_refunded": STATUS_ROLES,
    "reset_download_attempts": DOWNLOAD_ROLES,
    "extend_download_expiry": DOWNLOAD_ROLES,
    "revoke_downloads": DOWNLOAD_ROLES,
    "restore_downloads": DOWNLOAD_ROLES,
    "resend_files_email": DOWNLOAD_ROLES,
    # Without "refund" in the post it shows the refund page only; refunds
    # themselves: tests/integration/payments/test_refunds.py.
    "refund_card_payment": {"superuser"},
    "delete_selected": {"superuser"},  # asks to confirm first: deletes nothing here
}
# Selected ids: the staff's target order or junk, never the buyer's paid
# order (the invariants hold it untouched).
SELECTED = st.one_of(st.just("target"), JUNK.filter(lambda s: not s.strip().isdigit()))


@pytest.fixture
def staff_roles(shop, buy):
    """A second paid order for staff to act on, and a staff user per role."""
    from tests.factories import StaffFactory, staff_with

    target = buy(shop["book"], "eBook")
    users = {
        role: StaffFactory() if perms is None else staff_with(*perms, username=f"sweep-{i}")
        for i, (role, perms) in enumerate(STAFF_ROLES.items())
    }
    return {"target": target, "users": users}


def order_state(order):
    return (
        Order.objects.filter(pk=order.pk).values_list("status", flat=True).get(),
        OrderDelivery.objects.filter(order=order).values("attempts_used", "expires_at", "max_attempts").get(),
        sorted(order.download_grants.values_list("id", "revoked_at")),
    )


@sweep(60)
@given(
    role=st.sampled_from(list(STAFF_ROLES)),
    action=field(st.sampled_from(list(ACTION_ROLES))),
    selected=st.lists(SELECTED, max_size=3),
    select_across=field(st.sampled_from(["0", "1"])),
    index=field(st.sampled_from(["0", "1"])),
)
def test_admin_order_actions(shop, staff_roles, mailoutbox, role, action, selected, select_across, index):
    with example_case(shop, "admin actions"):
        target = staff_roles["target"]
        allowed = isinstance(action, str) and role in ACTION_ROLES.get(action, ())
        data = post_data(action=action, select_across=select_across, index=index)
        if allowed:
            data.pop("select_across", None)  # all orders: the buyer's paid one too
        data["_selected_action"] = [str(target.pk) if s == "target" else s for s in selected]
        before, sent = order_state(target), len(mailoutbox)

        response = no_5xx(quiet_client(staff_roles["users"][role]).post("/admin/shop/order/", data))

        if role == "no permission":
            assert response.status_code == 403
        if not allowed:
            assert order_state(target) == before
            assert len(mailoutbox) == sent
        if response.status_code >= 400:
            assert_explained(response)


@sweep(40)
@given(
    who=st.sampled_from(["owner", "other", "anonymous", "staff without permission", "staff who may view"]),
    order_id=ID,
    method=st.sampled_from(["post", "post", "get"]),
    extra=st.dictionaries(st.sampled_from(["next", "email", "to", "billing_detail_email"]), JUNK, max_size=3),
    times=st.integers(min_value=1, max_value=5),
)
def test_invoice_resend(shop, staff_roles, mailoutbox, who, order_id, method, extra, times):
    with example_case(shop, "invoice re-send"):
        user = {
            "owner": shop["buyer"],
            "other": shop["other"],
            "anonymous": None,
            "staff without permission": staff_roles["users"]["no permission"],
            "staff who may view": staff_roles["users"]["view only"],
        }[who]
        order = shop["order"]
        segment = _segment(order_id, order.pk)
        client = quiet_client(user)
        sent = len(mailoutbox)

        for _ in range(times):
            response = no_5xx(getattr(client, method)(f"/shop/invoice/{segment}/resend/", post_data(**extra)))
            if response.status_code >= 400:
                assert_explained(response)

        may = who in ("owner", "staff who may view") and _is(segment, order.pk)
        if not may:
            assert response.status_code in (400, 404)
        emails = mailoutbox[sent:]
        assert all(m.to == [order.billing_detail_email] for m in emails)
        assert len(emails) == (min(times, 3) if may and method == "post" else 0)


# ------------------------------------------------------------ account forms


@sweep(40)
@given(
    username=field(st.sampled_from(["dana", "dana@example.com", "DANA"])),
    password=field(st.sampled_from([PASSWORD, "wrong"])),
    next_=field(
        st.sampled_from(["/shop/cart/", "https://evil.example/", "//evil.example", "javascript:alert(1)"])
    ),
    axes=st.booleans(),
)
def test_login(shop, settings, username, password, next_, axes):
    settings.AXES_ENABLED = axes
    with example_case(shop, "login"):
        client = quiet_client()
        response = no_5xx(
            client.post("/accounts/login/", post_data(username=username, password=password, next=next_))
        )
        if response.status_code == 302:
            assert "_auth_user_id" in client.session
            location = response["Location"]
            assert location.startswith("/"), location
            assert not location.startswith("//"), location
        else:
            assert "_auth_user_id" not in client.session
            assert_explained(response)


@sweep(40)
@given(
    username=field(st.sampled_from(["newreader", "dana", "new reader", "new.reader"])),
    email=field(st.sampled_from(["new@example.com", "dana@example.com", "not-an-email"])),
    password1=field(st.sampled_from(["a-good-long-passphrase", "short"])),
    password2=field(st.sampled_from(["a-good-long-passphrase", "other"])),
    first_name=field("New"),
    last_name=field("Reader"),
)
def test_signup(shop, django_user_model, username, email, password1, password2, first_name, last_name):
    with example_case(shop, "signup"):
        client = quiet_client()
        users = django_user_model.objects.count()
        data = post_data(
            username=username,
            email=email,
            password1=password1,
            password2=password2,
            first_name=first_name,
            last_name=last_name,
        )
        response = no_5xx(client.post("/accounts/signup/", data))
        if response.status_code == 302:
            assert django_user_model.objects.count() == users + 1
        else:
            assert django_user_model.objects.count() == users
            assert_explained(response)


@sweep(30)
@given(username=field(st.sampled_from(["dana", "mallory@example.com", "dana@example.com", "nobody"])))
def test_password_reset(shop, mailoutbox, username):
    """One answer whether or not an account matches; a link goes out exactly
    to each active account the login names (dana2 shares dana's address)."""
    with example_case(shop, "password reset"):
        client = quiet_client()
        sent = len(mailoutbox)
        response = no_5xx(client.post("/accounts/password/reset/", post_data(username=username)))
        login = username[-1] if isinstance(username, list) else username
        named = {"dana": ["dana"], "mallory@example.com": ["mallory"], "dana@example.com": ["dana", "dana2"]}
        accounts = named.get(login.strip(), []) if isinstance(login, str) else []
        assert sorted(re.search(r'account "(.*)"', m.body)[1] for m in mailoutbox[sent:]) == accounts
        assert response.status_code == 200
        if not _errors_of(response.context["form"]):
            assert "If an account has that username or email address" in body(response)
        assert_explained(response)


@sweep(30)
@given(
    kind=st.sampled_from(["password/verify", "verify"]),
    uidb36=st.one_of(
        st.sampled_from(["1", "2", "zzzzzzzzzzzz", "zzzzzzzzzzzzz", "zzzzzzzzzzzzzz", "-", "_"]),
        st.text("0123456789abcdefghijklmnopqrstuvwxyz-_", min_size=1, max_size=30),
    ),
    token=st.one_of(
        st.sampled_from(["set-password", "x", "-", "1-1"]),
        st.text("0123456789abcdef-_", min_size=1, max_size=60),
    ),
    axes=st.booleans(),
)
def test_account_links(shop, settings, kind, uidb36, token, axes):
    settings.AXES_ENABLED = axes
    with example_case(shop, "account links"):
        client = quiet_client()
        response = no_5xx(client.get(f"/accounts/{kind}/{uidb36}/{token}/", follow=True))
        assert "_auth_user_id" not in client.session
        assert_explained(response)
