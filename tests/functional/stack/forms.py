"""Forms sent as a browser with JavaScript sends them."""

import re
from urllib.parse import urljoin

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]*)"')


def csrf_token(session, page):
    """The token ``page``'s form carries or, on a page from the shared cache
    (an empty token), the one shop.js asks for just before sending."""
    token = TOKEN.search(page.text).group(1)
    if token:
        return token
    answer = session.get(urljoin(page.url, "/csrf/"))
    assert answer.status_code == 200, answer.status_code
    return answer.json()["token"]


def post_form(session, url, data):
    """GET the form's page, then POST it with its token as a browser does."""
    page = session.get(url)
    assert page.status_code == 200, (url, page.status_code)
    return session.post(
        url,
        data={**data, "csrfmiddlewaretoken": csrf_token(session, page)},
        headers={"Referer": url},
        allow_redirects=False,
    )


def place_order(session, base_url, details):
    """Checkout's two steps as a browser sends them: the details, then the
    confirmation page's form; the answer to the second."""
    checkout = f"{base_url}/shop/checkout/"
    confirmation = post_form(session, checkout, {**details, "step": 1})
    assert confirmation.status_code == 200
    return session.post(
        checkout,
        data={**details, "step": 2, "csrfmiddlewaretoken": csrf_token(session, confirmation)},
        headers={"Referer": checkout},
        allow_redirects=False,
    )
