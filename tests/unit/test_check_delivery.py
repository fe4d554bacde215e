"""manage.py check_delivery without a server to talk to: one line that says
what to check, not a traceback (found by following docs/deploy.md)."""

import socket

import pytest
from django.core.management import CommandError, call_command


def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_unreachable_site_is_one_clear_error():
    url = f"http://127.0.0.1:{closed_port()}"
    with pytest.raises(
        CommandError, match=r"Cannot reach http://127\.0\.0\.1:\d+/accounts/login/: .*nginx listens"
    ):
        call_command("check_delivery", "--site-url", url, "--username", "x", "--password", "y")


def test_a_site_url_that_is_not_http_is_refused():
    with pytest.raises(CommandError, match="--site-url must start with https:// or http://"):
        call_command(
            "check_delivery", "--site-url", "file:///etc/passwd", "--username", "x", "--password", "y"
        )
