"""The local stack (deploy/local_stack.py) starts a server only when that
server itself listens: a port another program took after free_port() (another
stack run on this machine, say) must not pass for it, or the stack would use
another run's Redis or app."""

import socket
import subprocess
import sys

import pytest

from deploy.local_stack import PortTaken, free_port, stop, wait_for_port


def python(code, log):
    return subprocess.Popen([sys.executable, "-c", code], stdout=open(log, "wb"), stderr=subprocess.STDOUT)


def test_a_port_another_program_answers_on_is_port_taken(tmp_path):
    with socket.create_server(("127.0.0.1", 0)) as other:
        port = other.getsockname()[1]
        # A server that cannot bind (the port is the other program's) and so never listens.
        process = python("import time; time.sleep(3)", tmp_path / "server.log")
        try:
            with pytest.raises(PortTaken, match=f"port {port} answers, but not"):
                wait_for_port(port, process, tmp_path / "server.log")
        finally:
            stop(process)


def test_a_server_listening_itself_is_started(tmp_path):
    port = free_port()
    process = python(
        f"import socket, time; s = socket.create_server(('127.0.0.1', {port})); time.sleep(60)",
        tmp_path / "server.log",
    )
    try:
        wait_for_port(port, process, tmp_path / "server.log")
        assert process.poll() is None
    finally:
        stop(process)
