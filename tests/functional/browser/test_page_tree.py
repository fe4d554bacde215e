"""The admin's page tree after a save (Mezzanine's page_tree.js keeps the
open branches in the cookie "mezzanine-admin-tree"): the branches the editor
had open stay open, and the saved page shows, its ancestors' branches open
(shop_ext/core/admin_pages.py, theme/js/page_tree_saved.js)."""

import re

import pytest
from mezzanine.pages.models import RichTextPage
from playwright.sync_api import expect

from tests.functional.browser.test_journeys import admin_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TREE = "/admin/pages/page/"


@pytest.fixture
def pages(demo):
    def add(title, parent=None):
        return RichTextPage.objects.create(title=title, content=f"<p>{title}</p>", parent=parent)

    about = add("About the shop")
    history = add("Our history", about)
    return about, add("Our team", about), history, add("The founders", history)


def save_page(page, new_title):
    page.locator("#id_title").fill(new_title)
    page.get_by_role("button", name="Save", exact=True).click()
    # Mezzanine keeps "?parent=" on the way back to the tree.
    page.wait_for_url(re.compile(re.escape(TREE) + r"(\?parent=\d+)?$"))


def test_the_branch_the_editor_opened_stays_open_after_saving_a_child(live_server, pages, page):
    about, team, _history, _founders = pages
    admin_sign_in(page, live_server)
    page.goto(live_server.url + TREE)
    child = page.get_by_role("link", name="Our team", exact=True)
    expect(child).to_be_hidden()
    page.locator(f"#page-{about.pk}").click()
    expect(child).to_be_visible()

    child.click()
    save_page(page, "The people")

    expect(page.get_by_role("link", name="The people", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Our history", exact=True)).to_be_visible()


def test_the_saved_page_shows_with_its_ancestors_open(live_server, pages, page):
    about, _team, history, founders = pages
    admin_sign_in(page, live_server)
    page.goto(live_server.url + f"/admin/pages/richtextpage/{founders.pk}/change/")
    save_page(page, "Who founded the shop")

    expect(page.get_by_role("link", name="Who founded the shop", exact=True)).to_be_visible()
    # Opened: the branches on the way to it, no others.
    cookie = next(c for c in page.context.cookies() if c["name"] == "mezzanine-admin-tree")
    assert set(cookie["value"].split(",")) == {str(about.pk), str(history.pk)}
