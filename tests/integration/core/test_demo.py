"""The demo loader on a deployment (DEBUG off): only when asked, never with
the demo accounts' public passwords unless asked for by name."""

import json
from pathlib import Path

import pytest
from cartridge.shop.models import Product
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.sites.models import Site
from django.core.management import CommandError, call_command
from django.utils import timezone

from shop_ext.models import Book
from tests.client import Client

pytestmark = pytest.mark.django_db


def test_refuses_without_force_and_says_how():
    with pytest.raises(CommandError, match="run load_demo --force"):
        call_command("load_demo")
    assert not Product.objects.exists()


def test_force_loads_the_catalogue_for_the_sites_address_and_makes_no_accounts():
    call_command("load_demo", force=True, verbosity=0)
    assert Product.objects.count() == 14
    assert Site.objects.get_current().domain == "shop.example.com"  # SHOP_SITE_URL
    assert not get_user_model().objects.exists()
    assert Group.objects.filter(name="Support").exists()  # for the operator's own staff


def test_demo_accounts_only_when_asked_for_by_name():
    call_command("load_demo", force=True, demo_accounts=True, verbosity=0)
    users = get_user_model().objects
    assert users.get(username="admin").is_superuser
    assert users.get(username="demo-buyer").check_password("demo-buyer")


def permissions_of(group):
    permissions = Group.objects.get(name=group).permissions.all()
    return {f"{p.content_type.app_label}.{p.codename}" for p in permissions}


def test_support_group_views_orders_and_manages_downloads_but_changes_no_status():
    call_command("load_demo", force=True, demo_accounts=True, verbosity=0)
    assert permissions_of("Support") == {
        "shop.view_order",
        "shop_ext.manage_downloads",
        "shop_ext.view_orderdelivery",
        "shop_ext.view_downloadgrant",
        "shop_ext.view_downloadattempt",
    }
    agent = Client()
    assert agent.login(username="support", password="demo-support")
    changelist = agent.get("/admin/shop/order/")
    assert changelist.status_code == 200
    actions = {name for name, _label in changelist.context["action_form"].fields["action"].choices}
    assert {"reset_download_attempts", "resend_files_email"} <= actions
    assert not actions & {"mark_paid", "mark_cancelled", "mark_refunded"}
    assert agent.get("/admin/shop_ext/downloadattempt/").status_code == 200


def test_accountants_read_orders_invoices_refunds_and_the_tax_report_but_change_nothing(paid_order):
    from shop_ext.models import Payment, PaymentEvent, PaymentRefund

    call_command("load_demo", force=True, demo_accounts=True, verbosity=0)
    assert permissions_of("Accountants") == {
        "shop.view_order",
        "shop_ext.view_paymentevent",
        "shop_ext.view_taxrate",
        "shop_ext.view_tax_report",
    }
    payment = Payment.objects.create(
        order=paid_order, provider="stripe", session_id="cs_test_1", amount=699, currency="eur", status="paid"
    )
    PaymentRefund.objects.create(payment=payment, refund_id="re_test_1", amount=699)
    PaymentEvent.objects.create(event_id="evt_test_1", type="charge.refunded", outcome="refund recorded")
    accountant = Client()
    assert accountant.login(username="accountant", password="demo-accountant")

    changelist = accountant.get("/admin/shop/order/")
    assert changelist.status_code == 200
    assert list(changelist.context["cl"].result_list) == [paid_order]
    assert changelist.context["action_form"] is None  # no status change, refund or download action
    order_page = accountant.get(f"/admin/shop/order/{paid_order.pk}/change/")
    assert "6.99 EUR refunded" in order_page.content.decode()
    assert not order_page.context["has_change_permission"]
    assert b"Invoice" in accountant.get(f"/shop/invoice/{paid_order.pk}/").content
    assert "charge.refunded" in accountant.get("/admin/shop_ext/paymentevent/").content.decode()
    today = str(timezone.localdate())
    report = accountant.get(
        "/admin/shop_ext/taxrate/report/", {"first_day": today, "last_day": today, "format": "csv"}
    )
    assert (report.status_code, report["Content-Type"].split(";")[0]) == (200, "text/csv")
    assert accountant.get("/admin/shop_ext/taxrate/").status_code == 200
    assert accountant.get("/admin/shop_ext/taxrate/add/").status_code == 403
    grant = paid_order.download_grants.first()
    assert accountant.get(f"/account/orders/{paid_order.pk}/files/{grant.pk}/").status_code == 404


def listed_titles(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return {p.title for p in response.context["products"].paginator.object_list}


def test_demo_books_and_format_pages_list_what_they_say():
    call_command("load_demo", force=True, verbosity=0)
    client = Client()
    books = set(Book.objects.values_list("title", flat=True))

    assert len(books) == 8
    assert listed_titles(client, "/books/") == books
    # The Cartographer's Daughter has no ebook file yet: its eBook cannot be bought.
    assert listed_titles(client, "/ebooks/") == books - {"The Cartographer's Daughter"}


def test_readme_lists_every_demo_code():
    fixture = json.loads((Path(settings.BASE_DIR) / "fixtures" / "demo_catalogue.json").read_text())
    readme = (Path(settings.BASE_DIR) / "README.md").read_text()

    for spec in fixture["discount_codes"]:
        assert f"| `{spec['code']}` |" in readme


def test_demo_has_stamped_pdf_and_epub_titles_and_a_book_with_two_versions():
    from shop_ext.models import DownloadPolicy, ProductFile

    call_command("load_demo", force=True, verbosity=0)

    stamped = DownloadPolicy.objects.filter(stamp_copies=True)
    types = {f.content_type for policy in stamped for f in policy.product.files.all()}
    assert {"application/pdf", "application/epub+zip"} <= types
    almanac = ProductFile.objects.filter(product__title="The Lighthouse Keeper's Almanac")
    assert {f.current_version.number for f in almanac} == {2}
    assert {f.versions.count() for f in almanac} == {2}
    assert {f.current_version.note for f in almanac} == {"Corrected the tide table in chapter 3."}
