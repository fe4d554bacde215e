"""The physical limit of an app-served download on this machine, for
bench/delivery.py: a bare WSGI callable (no Django) run by the same gunicorn
(deploy/gunicorn.conf.py, as many sync workers) behind the same nginx, that
answers every request at once with an X-Accel-Redirect to the file its path
names below /protected/, with the headers our download view sends. Whatever
separates it from nginx static is the gunicorn worker and the proxy hop that
any app-served download pays; whatever separates our view from it is ours.

/floor/<path> -> X-Accel-Redirect /protected/<path>. Any other path (the
bench's boot check asks /csrf/) gets an empty 204. Every response names the
answering worker in X-Bench-Worker, as bench/worker_pid.py does for Django.
"""

import os

PREFIX = "/floor/"


def application(environ, start_response):
    # The pid of the worker, not of the master that imported this module.
    headers = [("X-Bench-Worker", str(os.getpid()))]
    path = environ.get("PATH_INFO", "")
    if not path.startswith(PREFIX):
        start_response("204 No Content", headers)
        return []
    name = path.removeprefix(PREFIX)
    headers += [
        ("Content-Type", "application/octet-stream"),
        ("Cache-Control", "private, no-store"),
        ("X-Accel-Redirect", f"/protected/{name}"),
        ("X-Download-Disposition", f'attachment; filename="{os.path.basename(name)}"'),
    ]
    start_response("200 OK", headers)
    return []
