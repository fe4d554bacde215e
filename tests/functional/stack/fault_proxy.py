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

Four proxies share the test's process, so a socket is closed only once no
thread can still use it: a fault shuts sockets down (which wakes their pump
threads), and the last pump of a connection closes both of its sockets. A
descriptor closed under a thread still reading it can be reused at once by
another proxy's new connection, and bytes meant for PostgreSQL would then
reach the broker.
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
        self.live = set()  # sockets of forwarded connections: their pumps close them
        self.held = set()  # connections accepted while stalled: no thread uses them
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self._serve_in_background()

    def url(self, scheme, rest=""):
        return f"{scheme}://127.0.0.1:{self.port}{rest}"

    # ----------------------------------------------------------- faults

    def cut(self):
        # Under the lock: a pump closes its sockets under it too, so a
        # shutdown never lands on a descriptor closed and reused meanwhile.
        with self.lock:
            for sock in self.live:
                _shutdown(sock)
            for sock in self.held:
                _shutdown(sock)
                sock.close()
            self.held = set()

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
                _shutdown(client)
                client.close()
                continue
            if self.mode == STALL:
                with self.lock:
                    self.held.add(client)  # silent until restore() or cut()
                continue
            with self.lock:
                self.live.add(client)  # a cut while connecting upstream cuts it too
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                with self.lock:
                    self.live.discard(client)
                    client.close()
                continue
            upstream.settimeout(None)
            with self.lock:
                self.live.add(upstream)
            finished = []
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink, finished), daemon=True).start()

    def _pump(self, source, sink, finished):
        """Forward one direction; the connection's last pump closes it."""
        try:
            while data := source.recv(65536):
                self.flowing.wait()
                sink.sendall(data)
        except OSError:
            pass
        with self.lock:
            _shutdown(source)  # wakes the other direction's pump
            _shutdown(sink)
            finished.append(source)
            if len(finished) == 2:
                self.live.difference_update((source, sink))
                source.close()
                sink.close()


def _shutdown(sock):
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
