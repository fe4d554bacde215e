"""A guest's private link through the deployment: nginx in front of
gunicorn, the worker sending the email to the SMTP sink. The link opens the
page and the file with no cookie, and its token reaches no log."""

import time

import pytest
import requests

from tests.functional.stack.test_queue_stack import make_order
from tests.shopper import private_link

pytestmark = pytest.mark.stack


def test_a_guest_opens_the_emailed_link_and_no_log_holds_its_token(stack):
    order_id = make_order(stack, "guest-link@example.com", paid=True)
    message = stack.smtp.wait_for_message("Your files from", to="guest-link@example.com")
    body = message.get_body(("plain",)).get_content()
    link = private_link(body, order_id)
    token = link.split("/")[3]

    page = requests.get(stack.url + link, timeout=30)
    assert page.status_code == 200
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "download attempts left" in page.text
    file_link = next(line.split(": ")[-1] for line in body.splitlines() if f"{link}files/" in line)
    download = requests.get(file_link, timeout=30)
    assert download.status_code == 200
    assert download.content.startswith(b"PK")  # the EPUB, sent by nginx
    assert download.headers["Referrer-Policy"] == "no-referrer"
    tampered = link.replace(token, token[::-1])
    assert requests.get(stack.url + tampered, timeout=30).status_code == 404
    assert requests.get(stack.url + link.replace(token, token.upper()), timeout=30).status_code == 404
    # A return link from Stripe (paying again) is hidden as well, even a forged one.
    return_token = "1wXyZq:" + "R" * 43
    returned = requests.get(f"{stack.url}/shop/payment/{order_id}/return/{return_token}/", timeout=30)
    assert returned.status_code == 404

    logs = {
        "nginx access log": stack.tmp / "nginx" / "access.log",
        "gunicorn access log": stack.gunicorn.access_log,
        "gunicorn and Django log": stack.gunicorn.log,
        "worker log": stack.worker.log,
    }
    for name, path in logs.items():
        text = path.read_text()
        assert token not in text.lower(), name
        assert token[::-1] not in text.lower(), name
        assert return_token.lower() not in text.lower(), name
    assert f"/orders/{order_id}/[private]/" in logs["nginx access log"].read_text()
    assert f"/orders/{order_id}/[private]/" in logs["gunicorn access log"].read_text()


def logged(path, text):
    """Wait for ``text`` in the log at ``path`` (servers write a request's line after answering it)."""
    for _ in range(100):
        if text in path.read_text():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.parametrize("kind", ["password/verify", "verify"])
def test_no_log_holds_the_token_of_an_account_link(stack, kind):
    """Mezzanine's password-reset and sign-up check links sign an account
    in: their tokens are hidden by nginx's and gunicorn's access logs too."""
    token = "cbj4sz-9f8e7d6c5b4a39281706"
    response = requests.get(f"{stack.url}/accounts/{kind}/3f/{token}/", timeout=30, allow_redirects=False)
    assert response.status_code == 302  # not a valid link: back to the home page
    access_logs = (stack.tmp / "nginx" / "access.log", stack.gunicorn.access_log)
    for path in access_logs:
        assert logged(path, f"/accounts/{kind}/3f/[private]/"), path
    for path in (*access_logs, stack.gunicorn.log):
        assert token not in path.read_text(), path
