"""Browser fixtures: one Debian Chromium per session, a fresh context per test.

Every page a test opens is watched: a console error, an uncaught exception, a
request that fails, or a stylesheet/script/image/font answered with a status
>= 400 fails the test. Chromium missing is a failure, never a skip: CI
(.ci/run) installs Debian's ``chromium`` first.
"""

import os
from pathlib import Path

import pytest

from tests.functional.browser.axe import axe_violations, describe

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
ASSET_TYPES = {"stylesheet", "script", "image", "font", "media"}
# Playwright's default is 30 s; a slow CI machine gets a little more room.
TIMEOUT_MS = 20_000


def pytest_collection_modifyitems(items):
    """Browser tests run last: while Playwright's sync API is running, the
    main thread has an asyncio loop, and Django refuses ORM calls from a
    thread with a running loop unless DJANGO_ALLOW_ASYNC_UNSAFE is set (see
    ``browser``). Running them last keeps that to the browser tests."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture
def demo(db):
    """The demo shop, with its accounts (demo-buyer, admin...)."""
    from django.core.management import call_command

    call_command("load_demo", force=True, demo_accounts=True, verbosity=0)


@pytest.fixture(autouse=True)
def serve_media(settings):
    settings.ROOT_URLCONF = "tests.functional.browser.urls"


class PageProblems(list):
    """What went wrong in the page while the test ran."""

    def watch(self, page):
        page.on("console", lambda message: self._console(page, message))
        page.on(
            "pageerror",
            lambda error: self.append(
                f"uncaught exception on {page.url}: {error}\n    {(error.stack or '')[:400]}"
            ),
        )
        page.on("requestfailed", self._request_failed)
        page.on("response", self._response)

    def _console(self, page, message):
        if message.type != "error":
            return
        url = message.location.get("url") or ""
        # The page itself answered with an error status (a refused download,
        # a 404 page): the test asserts that status; assets go to _response.
        if url == page.url and message.text.startswith("Failed to load resource"):
            return
        self.append(f"console error: {message.text} ({url})")

    def _request_failed(self, request):
        # ERR_ABORTED: the page moved on (a click navigated away while images
        # loaded, or a link became a download). A missing asset is a 404,
        # caught by _response.
        if request.failure == "net::ERR_ABORTED":
            return
        self.append(f"request failed: {request.method} {request.url} ({request.failure})")

    def _response(self, response):
        if response.status >= 400 and response.request.resource_type in ASSET_TYPES:
            self.append(f"asset {response.status}: {response.url}")


@pytest.fixture
def page_problems():
    return PageProblems()


@pytest.fixture
def new_page(browser, page_problems):
    """new_page(): a page in a fresh context (its own cookies: one person)."""
    contexts = []

    def new_page():
        context = browser.new_context(viewport=DESKTOP, accept_downloads=True, locale="en-GB")
        context.set_default_timeout(TIMEOUT_MS)
        context.on("page", page_problems.watch)
        contexts.append(context)
        return context.new_page()

    yield new_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    result = yield
    problems = item.funcargs.get("page_problems") if hasattr(item, "funcargs") else None
    if problems:
        pytest.fail("The browser reported problems:\n  " + "\n  ".join(problems), pytrace=False)
    return result


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory):
    """Screenshots of key steps; SCREENSHOTS_DIR keeps them (for docs/screenshots)."""
    kept = os.environ.get("SCREENSHOTS_DIR")
    if kept:
        path = Path(kept)
        path.mkdir(parents=True, exist_ok=True)
        return path
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture
def shoot(screenshot_dir):
    """shoot(page, "cart"): full-page PNGs at desktop and phone width."""

    def shoot(page, name, phone=True, full_page=True):
        page.screenshot(path=screenshot_dir / f"{name}-desktop.png", full_page=full_page)
        if not phone:
            return
        page.set_viewport_size(PHONE)
        page.screenshot(path=screenshot_dir / f"{name}-phone.png", full_page=full_page)
        page.set_viewport_size(DESKTOP)

    return shoot


A11Y_JS = """
() => {
  const problems = [];
  const describe = (el) => el.outerHTML.slice(0, 160);
  const visible = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length)
      && getComputedStyle(el).visibility !== 'hidden';
  const text = (el) => (el && el.textContent || '').trim();
  const fields = document.querySelectorAll(
      'input:not([type=hidden]):not([type=submit]):not([type=button]):not([type=reset]):not([type=image]),'
      + ' select, textarea');
  for (const field of fields) {
    if (!visible(field)) continue;
    const byFor = field.id && [...document.querySelectorAll('label[for]')]
        .some((label) => label.htmlFor === field.id && text(label));
    const byWrap = field.closest('label') && text(field.closest('label'));
    const byAria = (field.getAttribute('aria-label') || '').trim();
    const byRef = (field.getAttribute('aria-labelledby') || '').split(/\\s+/)
        .some((id) => id && text(document.getElementById(id)));
    if (!(byFor || byWrap || byAria || byRef)) {
      problems.push('form field without a label: ' + describe(field));
    }
  }
  for (const img of document.querySelectorAll('img')) {
    if (!img.hasAttribute('alt')) problems.push('img without alt: ' + describe(img));
    if (img.complete && img.naturalWidth === 0 && img.getAttribute('src'))
      problems.push('broken image: ' + img.currentSrc);
  }
  const h1s = document.querySelectorAll('h1');
  if (h1s.length !== 1) problems.push(`${h1s.length} h1 elements (want exactly one): `
      + [...h1s].map((h) => text(h)).join(' | '));
  if (!document.title.trim()) problems.push('page without a title');
  // Any {% or {# left in the text: a comment spread over lines is printed, not hidden.
  const raw = document.body.innerText.match(/\\{[%#][^]{0,60}|\\{\\{[^]{0,60}?\\}\\}/);
  if (raw) problems.push('raw template syntax in the page: ' + raw[0]);
  return problems;
}
"""


@pytest.fixture
def check_a11y():
    """check_a11y(page): the house checks (labels on visible fields, alt on
    every img, one h1), then axe-core's WCAG 2.1 A/AA rules at desktop and
    phone width; any critical or serious violation fails the test."""

    def check(page):
        page.wait_for_load_state("load")
        problems = page.evaluate(A11Y_JS)
        assert not problems, f"{page.url}:\n  " + "\n  ".join(problems)
        viewport = page.viewport_size
        try:
            for name, size in (("desktop", DESKTOP), ("phone", PHONE)):
                page.set_viewport_size(size)
                violations = axe_violations(page)
                assert not violations, f"axe-core, {name} ({size['width']} px), {page.url}:\n" + describe(
                    violations
                )
        finally:
            page.set_viewport_size(viewport)

    return check
