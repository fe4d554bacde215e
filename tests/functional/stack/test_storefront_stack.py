"""The storefront as deployed, in Chromium: the home page's weight on the
wire (nginx's gzipped static files, WebP covers) held to a byte budget, and
the contact form reaching the staff's inbox (the SMTP sink) through the
worker, at desktop and phone width."""

import pytest

from tests.functional.stack.conftest import MEASUREMENTS

pytestmark = [pytest.mark.stack, pytest.mark.browser]

# The home page's HTML, CSS, JS, fonts and the images loaded before any
# scrolling, as the browser received them (headers and encoded bodies).
HOME_BUDGET_BYTES = 100 * 1024
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


def open_page(browser, viewport):
    context = browser.new_context(viewport=viewport, locale="en-GB")
    context.set_default_timeout(20_000)
    return context, context.new_page()


@pytest.mark.parametrize("viewport", VIEWPORTS.values(), ids=VIEWPORTS.keys())
def test_the_home_page_fits_its_byte_budget(stack, browser, viewport):
    context, page = open_page(browser, viewport)
    responses = []
    page.on("response", lambda response: responses.append(response))
    try:
        page.goto(stack.url + "/", wait_until="networkidle")
        received = {}
        for response in responses:
            sizes = response.request.sizes()
            received[response.url] = (
                response.request.resource_type,
                sizes["responseBodySize"] + sizes["responseHeadersSize"],
                response.headers.get("content-encoding"),
            )
    finally:
        context.close()

    total = sum(size for _kind, size, _encoding in received.values())
    MEASUREMENTS.append(f"home page at {viewport['width']} px: {total} bytes in {len(received)} responses")
    report = "\n".join(
        f"{size:>7} {kind:<10} {encoding or '-':<5} {url}" for url, (kind, size, encoding) in received.items()
    )
    assert total <= HOME_BUDGET_BYTES, f"{total} bytes over the budget of {HOME_BUDGET_BYTES}:\n{report}"
    kinds = {kind for kind, _size, _encoding in received.values()}
    assert {"document", "stylesheet", "script", "image"} <= kinds, report
    assert not [url for url in received if "jquery" in url or "bootstrap" in url]
    assert all(
        encoding == "gzip" for kind, _size, encoding in received.values() if kind in ("stylesheet", "script")
    )
    assert all(
        url.endswith(".webp")
        for url, (kind, _size, _e) in received.items()
        if kind == "image" and "/media/" in url
    )


@pytest.mark.parametrize("viewport", VIEWPORTS.values(), ids=VIEWPORTS.keys())
def test_the_contact_form_reaches_the_staffs_inbox(stack, browser, viewport):
    sender = f"reader-{viewport['width']}@example.com"
    context, page = open_page(browser, viewport)
    try:
        page.goto(stack.url + "/")
        page.get_by_role("link", name="Contact us").click()
        page.get_by_label("Your name").fill("Dana Reader")
        page.get_by_label("Your email address").fill(sender)
        page.get_by_label("Subject").fill(f"Kobo question {viewport['width']}")
        page.get_by_label("Message").fill("How do I copy the EPUB to my Kobo?")
        page.get_by_role("button", name="Send message").click()
        page.get_by_text("your message has reached us").wait_for()
    finally:
        context.close()

    message = stack.smtp.wait_for_message(f"Contact form: Kobo question {viewport['width']}")
    assert message["Reply-To"] == sender
    assert message["To"] == "shop@example.com"
    assert "How do I copy the EPUB to my Kobo?" in message.get_body(("plain",)).get_content()
