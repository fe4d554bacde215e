"""Guest orders join an account only once the buyer proves the address:
the link goes to the account's email and works for that account only."""

import re

import pytest
from cartridge.shop.models import Order
from django.core import mail

from tests.client import Client
from tests.shopper import DOWNLOAD_ONLY_DETAILS, add_to_cart, checkout_step

pytestmark = pytest.mark.django_db

HISTORY = "/account/orders/"


@pytest.fixture
def guest_order(book):
    """A guest's order of an ebook, placed with ada@example.com."""
    guest = Client()
    add_to_cart(guest, book, option3="eBook")
    checkout_step(guest, 1, DOWNLOAD_ONLY_DETAILS)
    checkout_step(guest, 2, DOWNLOAD_ONLY_DETAILS)
    return Order.objects.get(user_id__isnull=True)


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def claim_link(message):
    return re.search(r"https://shop\.example\.com(/account/orders/claim/\S+/)", message.body).group(1)


def test_the_account_of_that_address_adds_its_guest_orders_by_the_emailed_link(
    guest_order, django_user_model
):
    ada = django_user_model.objects.create_user("ada", "Ada@Example.com", "pw-ada-12345")
    client = signed_in(ada)
    history = client.get(HISTORY).content.decode()
    assert "Ordered as a guest with" in history
    assert f'id="order-{guest_order.pk}"' not in history
    mail.outbox.clear()

    client.post("/account/orders/claim/")

    (message,) = mail.outbox
    assert message.to == [ada.email]
    response = client.get(claim_link(message))
    assert response.status_code == 302
    assert Order.objects.get(pk=guest_order.pk).user_id == ada.pk
    assert f'id="order-{guest_order.pk}"' in client.get(HISTORY).content.decode()


def test_signing_up_with_the_address_is_not_enough(guest_order, django_user_model):
    """Anyone can sign up with any address: nothing joins without the link."""
    mallory = django_user_model.objects.create_user("mallory", "ada@example.com", "pw-mallory-123")
    signed_in(mallory).get(HISTORY)
    assert Order.objects.get(pk=guest_order.pk).user_id is None


def test_the_link_works_only_for_its_account_and_address(guest_order, django_user_model):
    ada = django_user_model.objects.create_user("ada", "ada@example.com", "pw-ada-12345")
    other = django_user_model.objects.create_user("other", "ada@example.com", "pw-other-123")
    signed_in(ada).post("/account/orders/claim/")
    link = claim_link(mail.outbox[-1])

    assert signed_in(other).get(link).status_code == 404
    ada.email = "ada@elsewhere.example"
    ada.save()
    assert signed_in(ada).get(link).status_code == 404
    assert signed_in(ada).get(link[:-5] + "xyz/").status_code == 404
    assert Order.objects.get(pk=guest_order.pk).user_id is None


def test_claim_links_are_limited_per_address_across_accounts(guest_order, django_user_model, settings):
    """Two accounts whose emails differ only in case share one mailbox, and one limit."""
    settings.SHOP_CLAIM_LINKS_PER_HOUR = 2
    first = signed_in(django_user_model.objects.create_user("ada", "ada@example.com", "pw-ada-12345"))
    second = signed_in(django_user_model.objects.create_user("ada2", "ADA@example.com", "pw-ada-12345"))
    mail.outbox.clear()
    for client in (first, second, first, second):
        client.post("/account/orders/claim/")
    assert len(mail.outbox) == 2


def test_the_page_does_not_tell_whether_an_address_ordered_as_a_guest(django_user_model):
    """Anyone can sign up with any address: the answer is the same either way."""
    client = signed_in(django_user_model.objects.create_user("eve", "nobody@example.com", "pw-eve-123456"))
    response = client.post("/account/orders/claim/", follow=True)
    assert "If nobody@example.com placed orders as a guest" in response.content.decode()
    assert mail.outbox == []


def test_claiming_needs_sign_in_and_a_post():
    assert Client().post("/account/orders/claim/").status_code == 302  # to sign in
    assert Client().get("/account/orders/claim/abc/").status_code == 302


def test_the_offer_goes_once_the_guest_orders_are_claimed(guest_order, django_user_model):
    ada = django_user_model.objects.create_user("ada", "ada@example.com", "pw-ada-12345")
    client = signed_in(ada)
    client.post("/account/orders/claim/")
    client.get(claim_link(mail.outbox[-1]))

    assert "Ordered as a guest with" not in client.get(HISTORY).content.decode()


def test_a_proven_address_is_offered_its_later_guest_orders(guest_order, django_user_model, book):
    ada = django_user_model.objects.create_user("ada", "ada@example.com", "pw-ada-12345")
    client = signed_in(ada)
    client.post("/account/orders/claim/")
    client.get(claim_link(mail.outbox[-1]))
    guest = Client()
    add_to_cart(guest, book, option3="eBook")
    checkout_step(guest, 1, DOWNLOAD_ONLY_DETAILS)
    checkout_step(guest, 2, DOWNLOAD_ONLY_DETAILS)

    assert "Ordered as a guest with" in client.get(HISTORY).content.decode()


def test_an_unproven_address_is_offered_the_claim_whether_or_not_it_ordered(django_user_model):
    """Hiding the offer when the address has no guest orders would tell
    whoever signs up with any address whether it bought here."""
    nobody = django_user_model.objects.create_user("nobody", "nobody@example.com", "pw-nobody-123")
    assert "Ordered as a guest with" in signed_in(nobody).get(HISTORY).content.decode()
