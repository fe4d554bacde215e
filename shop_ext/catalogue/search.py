"""Search of the catalogue: title, author, ISBN (the book's or a format's,
with or without hyphens),
description and category of products, and the site's pages.

Mezzanine's search (``Product.objects.search``) looks only at a product's
title, description and SKUs, so an author or an ISBN finds nothing. Here
every word of the query must appear in one of those fields (any database);
on PostgreSQL its full-text search also matches other forms of a word
("lighthouses" finds "Lighthouse") and ranks the results. Matches in the
title or the author come first either way.
"""

import re

from cartridge.shop.models import Product
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.db.models.functions import Replace
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from mezzanine.pages.models import Page

from shop_ext.core.isbn import normalise_isbn
from shop_ext.models import VariationIsbn

MAX_QUERY_LENGTH = 200
MAX_TERMS = 10
# ?sort= value: (label, order_by); "relevance" orders by the match.
SORTS = {
    "relevance": (gettext_lazy("Best match"), None),
    "title": (gettext_lazy("Title"), ("title", "id")),
    "price": (gettext_lazy("Price, low to high"), ("unit_price", "title", "id")),
    "-price": (gettext_lazy("Price, high to low"), ("-unit_price", "title", "id")),
    "newest": (gettext_lazy("Newest"), ("-date_added", "-id")),
}
ISBN_CHARACTERS = re.compile(r"[\dXx-]+")


class QueryTooLong(ValueError):
    pass


def terms_of(query):
    """The words of a query, at most MAX_TERMS of them."""
    if len(query) > MAX_QUERY_LENGTH:
        raise QueryTooLong(_("Please search for at most %(count)s characters.") % {"count": MAX_QUERY_LENGTH})
    return query.split()[:MAX_TERMS]


def _without_hyphens(expression):
    return Replace(expression, Value("-"), Value(""))


def _term_matches(term):
    """Products in which this word appears in one of the searched fields."""
    in_category = Product.categories.through.objects.filter(category__title__icontains=term)
    match = (
        Q(title__icontains=term)
        | Q(book__author__icontains=term)
        | Q(description__icontains=term)
        | Q(content__icontains=term)
        | Q(id__in=in_category.values("product_id"))
    )
    if ISBN_CHARACTERS.fullmatch(term):
        match |= Q(isbn_plain__icontains=term.replace("-", "")) | Q(id__in=_products_with_format_isbn(term))
    return match


def _products_with_format_isbn(term):
    """Products one of whose formats has an ISBN containing the term (an
    ISBN-10 finds the ISBN-13 it is stored as)."""
    try:
        digits = normalise_isbn(term)
    except ValidationError:
        digits = term.replace("-", "")
    return VariationIsbn.objects.filter(isbn__icontains=digits).values("variation__product_id")


def search_products(query, user=None, sort="relevance"):
    """Published products matching every word of ``query``, best first."""
    terms = terms_of(query)
    products = Product.objects.published(for_user=user)
    if not terms:
        return products.none()
    products = products.annotate(isbn_plain=_without_hyphens(F("book__isbn")))
    words = Q()
    for term in terms:
        words &= _term_matches(term)
    score = Value(0)
    for term in terms:
        score = score + Case(
            When(Q(title__icontains=term) | Q(book__author__icontains=term), then=Value(2)),
            When(isbn_plain__iexact=term.replace("-", ""), then=Value(2)),
            default=Value(0),
            output_field=IntegerField(),
        )
    products = products.annotate(score=score)
    ranking = ["-score"]
    if connection.vendor == "postgresql":
        vector = (
            SearchVector("title", weight="A", config="english")
            + SearchVector("book__author", weight="A", config="english")
            + SearchVector("description", weight="B", config="english")
            + SearchVector("content", weight="C", config="english")
        )
        text = SearchQuery(" ".join(terms), config="english", search_type="plain")
        products = products.annotate(document=vector, rank=SearchRank(vector, text))
        products = products.filter(Q(document=text) | words)
        ranking.append("-rank")
    else:
        products = products.filter(words)
    order = SORTS[sort][1] or (*ranking, "title", "id")
    return products.order_by(*order)


def search_pages(query, user=None, limit=10):
    """Published pages (category pages among them) whose title or
    description has every word of the query, at most ``limit``."""
    terms = terms_of(query)
    if not terms:
        return []
    words = Q()
    for term in terms:
        words &= Q(title__icontains=term) | Q(description__icontains=term)
    return list(Page.objects.published(for_user=user).filter(words).order_by("title")[:limit])
