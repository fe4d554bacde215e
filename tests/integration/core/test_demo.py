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


def test_support_group_views_orders_and_manages_downloads_but_changes_no_status():
    call_command("load_demo", force=True, demo_accounts=True, verbosity=0)
    support = Group.objects.get(name="Support")
    assert {f"{p.content_type.app_label}.{p.codename}" for p in support.permissions.all()} == {
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
