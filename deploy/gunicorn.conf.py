"""gunicorn settings for the shop: `gunicorn -c deploy/gunicorn.conf.py project.wsgi`.

Values come from the environment so the same file serves the systemd unit
(deploy/shop.service), the stack tests and the benchmarks (deploy/local_stack.py):

    GUNICORN_BIND      where to listen (default 127.0.0.1:8001; nginx proxies to it)
    WEB_CONCURRENCY    worker processes (default 2 x CPUs + 1)
    GUNICORN_TIMEOUT   seconds a request may take (default 60; a first zip of large files)
    GUNICORN_MAX_REQUESTS  recycle a worker after this many requests (default 2000, 0 = never)

Workers are synchronous: Django only decides, nginx sends the files
(X-Accel-Redirect), so no request holds a worker for the length of a download.
"""

import multiprocessing
import os

# Web requests get the short database statement timeout (project/settings/base.py).
os.environ["SHOP_PROCESS"] = "web"

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8001")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10
# Staff uploads are spooled to disk by Django (FILE_UPLOAD_MAX_MEMORY_SIZE),
# so a 500 MB ebook does not sit in a worker's memory.
limit_request_line = 8190
# Believe X-Forwarded-* only from the local nginx.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-")
# Private order links (their tokens) never reach the access log.
logger_class = "shop_ext.core.logging.GunicornAccessLogger"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
proc_name = "shop"
# gunicorn 25+ opens a control socket in $HOME/.gunicorn by default; the
# systemd unit keeps the app user's home read-only, and nothing here uses it.
control_socket_disable = True
