"""The one Chromium of a test session, shared by the browser tests and the
stack tests that drive a browser: Playwright's sync API runs one at a time
in a thread, so a second one started beside it would fail."""

import os

import pytest

from tests.functional.browser.conftest import CHROMIUM, CHROMIUM_ARGS


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium), as .ci/run does.",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    # The tests call the ORM between Playwright calls, in the same thread;
    # Playwright's loop is idle then, so this is safe.
    saved = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if saved is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = saved
