"""The help and policy pages (issue 35): linked from every page's footer,
axe-clean at desktop and phone width, and the contact form sent from the
browser (the stack test follows it to the SMTP sink)."""

import pytest
from django.core import mail
from playwright.sync_api import expect

from tests.functional.browser.conftest import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = [
    ("Contact us", "/contact/", "Contact us"),
    ("Questions", "/help/", "Help and questions"),
    ("Refunds", "/refunds/", "Ebook refund policy"),
    ("Privacy", "/privacy/", "Privacy"),
    ("Terms of sale", "/terms/", "Terms of sale"),
]


def test_the_footer_leads_to_each_page_and_each_passes_axe(live_server, demo, page, check_a11y, shoot):
    for link, path, heading in PAGES:
        page.goto(live_server.url + "/books/")
        page.get_by_role("contentinfo").get_by_role("link", name=link, exact=True).click()
        expect(page).to_have_url(live_server.url + path)
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        check_a11y(page)
    page.goto(live_server.url + "/help/")
    shoot(page, "help")


def test_lost_links_is_in_the_footer_and_its_page_leads_to_contact(live_server, demo, page):
    page.goto(live_server.url + "/")
    page.get_by_role("contentinfo").get_by_role("link", name="Lost your download links?").click()
    page.get_by_label("The email address you ordered with").fill("dana@example.com")
    page.get_by_role("button", name="Email me my links").click()
    page.get_by_role("main").get_by_role("link", name="contact us", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Contact us")


@pytest.mark.parametrize("width", [1280, PHONE["width"]])
def test_a_message_sent_from_the_contact_page(live_server, demo, page, check_a11y, shoot, width):
    page.set_viewport_size({"width": width, "height": 844})
    page.goto(live_server.url + "/contact/")
    if width == 1280:
        shoot(page, "contact")
    page.get_by_role("button", name="Send message").click()
    expect(page.locator(".error-summary")).to_be_focused()
    check_a11y(page)
    page.get_by_label("Your name").fill("Dana Reader")
    page.get_by_label("Your email address").fill("dana@example.com")
    page.get_by_label("Subject").fill("A question")
    page.get_by_label("Message").fill("Which e-readers open your EPUB files?")
    page.get_by_role("button", name="Send message").click()

    expect(page.get_by_role("status")).to_contain_text("your message has reached us")
    (message,) = mail.outbox
    assert "Which e-readers open your EPUB files?" in message.body
    check_a11y(page)
