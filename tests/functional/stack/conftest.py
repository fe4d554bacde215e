"""The production stack on one machine, for the stack tests.

One session-wide deployment (deploy/local_stack.py): a fresh PostgreSQL
database with the demo data, Redis (two of Debian's redis-server of its own,
the broker's and the cache's, each on a free port, so that stack runs at once
on one machine never share a queue; STACK_REDIS_URL names one to use instead,
its databases 0 and 1, for one run at a time), gunicorn with the production settings, a
Celery worker, nginx with deploy/nginx.conf rendered for temporary
directories, and an SMTP sink (aiosmtpd, in this process). Run as root (as CI does), nginx's workers are
www-data and the app root without CAP_CHOWN (deploy/local_stack.py's
as_app_user), so the app's files reach nginx only through the
group and modes a real deployment has (docs/deploy.md). Everything listens on 127.0.0.1 on ports chosen
at run time; every process started here is stopped here, by its PID,
whatever happens.

nginx and redis-server must be installed (Debian: apt-get install
nginx-light redis-server; make test does it). Without them these tests fail
with that message: they never skip.
"""

import json
import os

import pytest

from deploy.local_stack import ADMIN_DB_URL, BASE_DIR, NGINX, REDIS_MISSING, REDIS_SERVER, LocalStack

__all__ = ["BASE_DIR", "MEASUREMENTS", "without_internal_location"]

# Short, for the test of a killed worker; shorter than a retry's delay (30 s),
# so a test that made a task retry would see it delivered twice.
VISIBILITY_TIMEOUT = 10
# Figures the stack tests report at the end of the run (e.g. worker memory).
MEASUREMENTS = []


def pytest_terminal_summary(terminalreporter):
    if MEASUREMENTS:
        terminalreporter.section("stack measurements")
        for line in MEASUREMENTS:
            terminalreporter.write_line(line)


def without_internal_location(conf):
    """deploy/nginx.conf with its `location /protected/ {...}` block removed."""
    start = conf.index("    location ^~ /protected/ {")
    end = conf.index("\n    }\n", start) + len("\n    }\n")
    return conf[:start] + conf[end:]


class Stack(LocalStack):
    """The running deployment, with the helpers the tests use."""

    gunicorn = nginx = worker = None

    def django(self, code):
        """Run ``code`` in the deployment's Django; it prints one JSON value."""
        return json.loads(self.manage("shell", "-c", code).stdout.strip().splitlines()[-1])

    def mark_paid(self, order_id):
        """Staff's "mark paid" on order ``order_id``, in the deployment's own Django."""
        return self.django(
            "import json; from cartridge.shop.models import Order; "
            "from shop_ext.orders.actions import mark_order_paid; "
            f"print(json.dumps(mark_order_paid(Order.objects.get(pk={order_id}))))"
        )

    @property
    def worker_pid(self):
        pids = self.gunicorn.worker_pids
        assert len(pids) == 1, pids
        return pids[0]


@pytest.fixture(scope="session")
def stack():
    if NGINX is None:
        pytest.fail(
            "nginx is not installed: the stack tests need it "
            "(apt-get install nginx-light; make test installs it)",
            pytrace=False,
        )
    redis_url = os.environ.get("STACK_REDIS_URL")
    if redis_url is None and REDIS_SERVER is None:
        pytest.fail(f"{REDIS_MISSING}; make test installs it", pytrace=False)
    admin_db_url = os.environ.get("STACK_POSTGRES_URL", ADMIN_DB_URL)
    # Its own directory below /tmp: nginx's workers (www-data) cannot
    # traverse pytest's (/tmp/pytest-of-root is 0700). A task held by a
    # killed worker goes to another after VISIBILITY_TIMEOUT seconds.
    with Stack(admin_db_url=admin_db_url, redis_url=redis_url, visibility_timeout=VISIBILITY_TIMEOUT) as s:
        s.manage("collectstatic", "--noinput", "-v0")
        s.manage("load_demo", "--force", env=s.environ(SHOP_DEMO="true"))
        s.worker = s.start_worker()
        s.gunicorn = s.start_gunicorn()
        s.nginx = s.start_nginx(s.gunicorn)
        yield s
