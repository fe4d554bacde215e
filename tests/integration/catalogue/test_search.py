"""The search box: title, author, ISBN with or without hyphens,
description and category find products (and pages), title and author
matches first, with covers and prices; bad queries are a 400 or an empty
page. Run on SQLite and on PostgreSQL (DATABASE_URL), which uses its
full-text search."""

import pytest
from django.db import connection
from mezzanine.core.models import CONTENT_STATUS_DRAFT
from mezzanine.pages.models import RichTextPage

from tests.factories import CategoryFactory, make_book, make_product

pytestmark = pytest.mark.django_db


@pytest.fixture
def shelf():
    almanac = make_book(
        title="The Lighthouse Keeper's Almanac",
        author="Mara Quill",
        isbn="978-1-4028-9462-6",
        content="<p>A year on a rock in the North Sea.</p>",
    )
    paper = make_book(
        title="A Short History of Paper",
        author="Tomas Reed",
        isbn="978-0-14-044913-6",
        content="<p>From rags to pulp; a lighthouse keeper's logbook appears in chapter 3.</p>",
    )
    tote = make_product({"Paperback": "25.00"}, title="Canvas Tote Bag", content="<p>For books.</p>")
    CategoryFactory(title="Gifts for readers", products=[tote])
    return {"almanac": almanac, "paper": paper, "tote": tote}


def found(client, query, **params):
    response = client.get("/search/", {"q": query, **params})
    assert response.status_code == 200
    return [p.title for p in response.context["results"].object_list]


@pytest.mark.parametrize(
    "query",
    ["Quill", "mara quill", "almanac", "9781402894626", "978-1-4028-9462-6", "North Sea"],
)
def test_title_author_isbn_and_description_find_the_book(client, shelf, query):
    assert found(client, query)[0] == "The Lighthouse Keeper's Almanac"


def test_category_title_finds_its_products(client, shelf):
    assert found(client, "gifts") == ["Canvas Tote Bag"]


def test_title_match_ranks_before_a_description_match(client, shelf):
    assert found(client, "lighthouse keeper") == [
        "The Lighthouse Keeper's Almanac",
        "A Short History of Paper",
    ]


def test_every_word_must_match(client, shelf):
    assert found(client, "quill paper") == []


def test_drafts_are_not_found(client, shelf):
    shelf["almanac"].status = CONTENT_STATUS_DRAFT
    shelf["almanac"].save()

    assert found(client, "Quill") == []


def test_results_show_cover_byline_and_price(client, shelf):
    html = client.get("/search/", {"q": "Quill"}).content.decode()

    assert "by Mara Quill" in html
    assert "$12.99" in html
    assert shelf["almanac"].get_absolute_url() in html


def test_pages_are_found_too(client, shelf):
    RichTextPage.objects.create(title="Shipping and returns", content="<p>We post worldwide.</p>")

    response = client.get("/search/", {"q": "shipping"})

    assert [p.title for p in response.context["pages"]] == ["Shipping and returns"]
    assert "Shipping and returns" in response.content.decode()


def test_sorting_by_price(client, shelf):
    assert found(client, "a", sort="-price")[0] == "Canvas Tote Bag"


def test_the_results_say_how_many_and_the_sort_keeps_the_query(client, shelf):
    html = client.get("/search/", {"q": "Quill", "sort": "title"}).content.decode()

    assert '<p class="result-count">1 match</p>' in html
    assert '<input type="hidden" name="q" value="Quill">' in html
    assert '<option value="title" selected>Title</option>' in html
    assert '<option value="relevance">Best match</option>' in html


@pytest.mark.parametrize("query", ["", "   ", "' OR '1'='1", "%", "_", "ünïcødé 書", "a" * 200, "-- ;"])
def test_odd_queries_give_a_page_not_an_error(client, shelf, query):
    response = client.get("/search/", {"q": query})

    assert response.status_code == 200


def test_an_empty_search_lists_nothing_and_says_what_to_type(client, shelf):
    response = client.get("/search/", {"q": ""})

    assert response.context["results"].paginator.count == 0
    assert "Type an author's surname, a title word or an ISBN" in response.content.decode()


def test_a_huge_query_is_refused_with_a_reason(client, shelf):
    response = client.get("/search/", {"q": "lighthouse " * 100})

    assert response.status_code == 400
    assert "at most 200 characters" in response.content.decode()


@pytest.mark.parametrize("sort", ["price; DROP TABLE", "rating", ""])
def test_an_unknown_sort_is_refused_with_a_reason(client, shelf, sort):
    response = client.get("/search/", {"q": "Quill", "sort": sort})

    assert response.status_code == 400
    assert "Unknown sort order" in response.content.decode()


@pytest.mark.parametrize("page", ["999", "x", "-1"])
def test_any_page_number_gives_a_page(client, shelf, page):
    assert client.get("/search/", {"q": "a", "page": page}).status_code == 200


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's stemming")
def test_postgresql_finds_other_forms_of_a_word(client, shelf):
    assert "The Lighthouse Keeper's Almanac" in found(client, "lighthouses")
