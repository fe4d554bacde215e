"""A buyer of the stack's demo eBook, as the stack tests' fixtures make one."""

import requests

from tests.functional.stack.forms import place_order, post_form
from tests.shopper import BILLING, SHIPPING_SAME_AS_BILLING

BOOK_SLUG = "the-lighthouse-keepers-almanac"


def buy_ebook(stack, buyer):
    """``buyer`` ({username, password, email}) signs up and buys the eBook
    through the site's forms; staff's "mark paid" runs in the deployment's
    own Django. Returns the purchase: the buyer's ``session``, the
    ``order_id`` and the ``files`` its grants serve (files_of). The order
    allows 50 attempts: a test module downloads more often than a buyer's 10."""
    session = requests.Session()
    response = post_form(
        session,
        f"{stack.url}/accounts/signup/",
        {
            "first_name": "Stack",
            "last_name": "Buyer",
            "email": buyer["email"],
            "username": buyer["username"],
            "password1": buyer["password"],
            "password2": buyer["password"],
        },
    )
    assert response.status_code == 302, response.text[:2000]
    response = post_form(
        session, f"{stack.url}/shop/product/{BOOK_SLUG}/", {"option3": "eBook", "quantity": 1}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/shop/cart/")
    details = {**BILLING, **SHIPPING_SAME_AS_BILLING, "billing_detail_email": buyer["email"]}
    response = place_order(session, stack.url, details)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/shop/checkout/complete/")
    [(order_id,)] = stack.sql(
        "SELECT o.id FROM shop_order o JOIN auth_user u ON u.id = o.user_id WHERE u.username = %s",
        buyer["username"],
    )
    stack.mark_paid(order_id)
    stack.sql("UPDATE shop_ext_orderdelivery SET max_attempts = 50 WHERE order_id = %s", order_id)
    return {"session": session, "order_id": order_id, "files": files_of(stack, order_id)}


def files_of(stack, order_id):
    """(grant id, stored name, SHA-256, size) of each file the order's grants serve, in grant order."""
    return stack.sql(
        "SELECT g.id, v.file, v.sha256, v.size FROM shop_ext_downloadgrant g "
        "JOIN shop_ext_productfileversion v ON v.id = g.version_id WHERE g.order_id = %s ORDER BY g.id",
        order_id,
    )


def staff_session(stack, staff):
    """A session signed in to the admin as ``staff`` ({username, password}),
    a superuser created in the deployment's own Django."""
    stack.django(
        "from django.contrib.auth import get_user_model; "
        f"get_user_model().objects.create_superuser({staff['username']!r}, 'editor@example.com', "
        f"{staff['password']!r}); print(1)"
    )
    session = requests.Session()
    login = post_form(session, f"{stack.url}/admin/login/?next=/admin/", {**staff, "next": "/admin/"})
    assert login.status_code == 302, login.text[:2000]
    return session
