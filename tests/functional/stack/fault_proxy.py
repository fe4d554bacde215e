"""A TCP proxy that injects faults between the app and a server it needs
(PostgreSQL, Redis, SMTP): standard library only, one thread per direction.

- ``cut()``: close every live connection (a restart, a failover, a cable).
- ``refuse()``: stop listening, so new connections are refused; live ones are cut.
- ``hang_up()``: accept new connections and close them at once (counted, so
  a test can see how often the app tries); live ones are cut.
- ``stall()``: accept new connections and forward nothing on any connection
  (a server or network gone silent).
- ``restore()``: forward again; connections accepted while stalled are closed.

``accepted`` counts every connection the proxy took.
"""

import contextlib
import socket
import threading

PASS, REFUSE, HANG_UP, STALL = "pass", "refuse", "hang up", "stall"


class FaultProxy:
    def __init__(self, target_port, target_host="127.0.0.1"):
        self.target = (target_host, target_port)
        self.mode = PASS
        self.accepted = 0
        self.lock = threading.Lock()
        self.flowing = threading.Event()
        self.flowing.set()
        self.live = set()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self._serve_in_background()

    def url(self, scheme, rest=""):
        return f"{scheme}://127.0.0.1:{self.port}{rest}"

    # ----------------------------------------------------------- faults

    def cut(self):
        with self.lock:
            live, self.live = self.live, set()
        for sock in live:
            _close(sock)

    def refuse(self):
        self.mode = REFUSE
        self._stop_listening()
        self.cut()

    def hang_up(self):
        self.mode = HANG_UP
        self.cut()

    def stall(self):
        self.mode = STALL
        self.flowing.clear()

    def restore(self):
        if self.mode == REFUSE:
            self.listener = socket.create_server(("127.0.0.1", self.port))
            self._serve_in_background()
        if self.mode == STALL:
            self.cut()
        self.mode = PASS
        self.flowing.set()

    def close(self):
        self.mode = REFUSE
        self._stop_listening()
        self.flowing.set()
        self.cut()

    # ----------------------------------------------------------- plumbing

    def _stop_listening(self):
        # shutdown() first: close() alone leaves the thread blocked in
        # accept() on a socket that still takes connections.
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()

    def _serve_in_background(self):
        threading.Thread(target=self._serve, args=(self.listener,), daemon=True).start()

    def _serve(self, listener):
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # the listener was closed (refuse, close)
            with self.lock:
                self.accepted += 1
            if self.mode == HANG_UP:
                _close(client)
                continue
            with self.lock:
                self.live.add(client)
            if self.mode == STALL:
                continue  # held, silent, until restore() or cut()
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                self._forget(client)
                continue
            upstream.settimeout(None)
            with self.lock:
                self.live.add(upstream)
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source, sink):
        try:
            while data := source.recv(65536):
                self.flowing.wait()
                sink.sendall(data)
        except OSError:
            pass
        self._forget(source, sink)

    def _forget(self, *socks):
        with self.lock:
            self.live.difference_update(socks)
        for sock in socks:
            _close(sock)


def _close(sock):
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
