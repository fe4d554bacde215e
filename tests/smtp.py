"""A real SMTP server on 127.0.0.1 for tests: it keeps what it takes, or
answers every message with a refusal."""

import socket
from contextlib import contextmanager

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Sink


@contextmanager
def smtp_server(answer="250 OK"):
    """Yields (handler, port); ``handler.messages`` are the envelopes taken.
    Any ``answer`` but 250 refuses each message with it."""

    class Keep(Sink):
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            if answer.startswith("250"):
                self.messages.append(envelope)
            return answer

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = Keep()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()
