"""The production stack on one machine, for tests/stack.

One session-wide deployment: a fresh PostgreSQL database, gunicorn with the
production settings, nginx with deploy/nginx.conf rendered for temporary
directories, and an SMTP sink (aiosmtpd, in this process). Everything listens
on 127.0.0.1 on ports chosen at run time; every process started here is
stopped here, by its PID, whatever happens.

nginx must be installed (Debian: apt-get install nginx-light; .ci/run does
it). Without it these tests fail with that message: they never skip.
"""
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from email import message_from_bytes, policy
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(BASE_DIR / "deploy"))
from render import render  # noqa: E402

PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
# A server database to create the run's own database from (never used itself).
ADMIN_DB_URL = os.environ.get("STACK_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
NGINX = shutil.which("nginx") or next(
    (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
)
# Readiness waits only (never an assertion about speed).
START_TIMEOUT = 60
# Figures the stack tests report at the end of the run (e.g. worker memory).
MEASUREMENTS = []


def pytest_terminal_summary(terminalreporter):
    if MEASUREMENTS:
        terminalreporter.section("stack measurements")
        for line in MEASUREMENTS:
            terminalreporter.write_line(line)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, process, log_path):
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited ({process.returncode}):\n{read_tail(log_path)}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{process.args[0]} not listening on {port}:\n{read_tail(log_path)}")


def read_tail(path, chars=4000):
    try:
        return Path(path).read_text(errors="replace")[-chars:]
    except OSError:
        return "(no log)"


def stop(process):
    """SIGTERM, then SIGKILL, by PID; always reaped."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class SmtpSink:
    """An SMTP server in a thread that keeps every message."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.messages = []
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def wait_for_message(self, subject_start):
        """The first message whose subject starts with ``subject_start``."""
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            for message in list(self.messages):
                if message["Subject"].startswith(subject_start):
                    return message
            time.sleep(0.1)
        subjects = [m["Subject"] for m in self.messages]
        raise AssertionError(f"no email {subject_start!r} arrived at the SMTP sink; got {subjects}")


def nginx_main_conf(tmp, site_conf):
    """A whole nginx.conf around the rendered site, writing only below tmp."""
    user = "user root root;\n" if os.geteuid() == 0 else ""
    temp = "\n".join(
        f"    {kind}_temp_path {tmp / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""{user}worker_processes 1;
error_log {tmp / 'error.log'};
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {tmp / 'access.log'};
{temp}
    sendfile on;
    include {site_conf};
}}
"""


def without_internal_location(conf):
    """deploy/nginx.conf with its `location /protected/ {...}` block removed."""
    start = conf.index("    location ^~ /protected/ {")
    end = conf.index("\n    }\n", start) + len("\n    }\n")
    return conf[:start] + conf[end:]


class Nginx:
    """nginx with a site config (whose listen is __LISTEN__) below ``tmp``."""

    def __init__(self, tmp, site_text, port=None):
        tmp.mkdir(parents=True)
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        site = tmp / "site.conf"
        site.write_text(site_text.replace("__LISTEN__", f"127.0.0.1:{self.port}"))
        self.conf = tmp / "nginx.conf"
        self.conf.write_text(nginx_main_conf(tmp, site))
        self.error_log = tmp / "error.log"
        self.process = subprocess.Popen(
            [NGINX, "-p", str(tmp), "-c", str(self.conf), "-e", str(self.error_log),
             "-g", f"daemon off; master_process on; pid {tmp / 'nginx.pid'};"],
            stdout=open(tmp / "stdout.log", "wb"), stderr=subprocess.STDOUT,
        )
        try:
            wait_for_port(self.port, self.process, self.error_log)
        except BaseException:
            stop(self.process)
            raise


class Stack:
    """Paths, environment and helpers of the running deployment."""

    def __init__(self, tmp):
        self.tmp = tmp
        self.static_root = tmp / "static"
        self.media_root = tmp / "media"
        self.private_root = tmp / "private"
        for d in (self.static_root, self.media_root, self.private_root):
            d.mkdir()
        self.db_name = f"shop_stack_{os.getpid()}_{secrets.token_hex(3)}"
        parts = urlsplit(ADMIN_DB_URL)
        self.db_url = urlunsplit(parts._replace(path=f"/{self.db_name}"))
        self.smtp = None
        self.gunicorn = None
        self.nginx = None
        self.extra_nginx = []

    def environ(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SHOP_", "GUNICORN_"))}
        env.update(
            DJANGO_SETTINGS_MODULE="project.settings.production",
            SECRET_KEY=secrets.token_urlsafe(64),
            ALLOWED_HOSTS="127.0.0.1",
            DATABASE_URL=self.db_url,
            EMAIL_URL=f"smtp://127.0.0.1:{self.smtp.port}",
            DEFAULT_FROM_EMAIL="shop@example.com",
            SHOP_PRIVATE_ROOT=str(self.private_root),
            STATIC_ROOT=str(self.static_root),
            MEDIA_ROOT=str(self.media_root),
            SECURE_SSL_REDIRECT="false",
            SECURE_HSTS_SECONDS="0",
            SHOP_SITE_URL=f"http://127.0.0.1:{self.nginx_port}",
            SHOP_TRUSTED_PROXIES="127.0.0.1",
            SHOP_VAR_DIR=str(self.tmp / "var"),
            GUNICORN_BIND=f"127.0.0.1:{self.gunicorn_port}",
            WEB_CONCURRENCY="1",
            GUNICORN_MAX_REQUESTS="0",
            GUNICORN_ACCESSLOG=str(self.tmp / "gunicorn-access.log"),
            PYTHONUNBUFFERED="1",
        )
        env.pop("DEBUG", None)
        return env

    def manage(self, *args, check=True):
        result = subprocess.run(
            [PYTHON, "manage.py", *args], cwd=BASE_DIR, env=self.env, capture_output=True, text=True,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result

    def django(self, code):
        """Run ``code`` in the deployment's Django; it prints one JSON value."""
        return json.loads(self.manage("shell", "-c", code).stdout.strip().splitlines()[-1])

    def sql(self, query, *params):
        import psycopg

        with psycopg.connect(self.db_url, autocommit=True) as conn:
            return conn.execute(query, params).fetchall()

    def site_conf(self, text=None):
        text = text if text is not None else (BASE_DIR / "deploy" / "nginx.conf").read_text()
        return render(text, {
            "listen": "__LISTEN__",
            "server_name": "127.0.0.1",
            "upstream": f"127.0.0.1:{self.gunicorn_port}",
            "static_root": self.static_root,
            "media_root": self.media_root,
            "private_root": self.private_root,
        })

    def start_nginx(self, name, site_text):
        """Another nginx in front of the same gunicorn; stopped with the stack."""
        server = Nginx(self.tmp / name, site_text)
        self.extra_nginx.append(server)
        return server

    @property
    def worker_pid(self):
        children = Path(f"/proc/{self.gunicorn.pid}/task/{self.gunicorn.pid}/children").read_text().split()
        assert len(children) == 1, children
        return int(children[0])


def create_database(name):
    import psycopg

    with psycopg.connect(ADMIN_DB_URL, autocommit=True) as conn:
        # template0 accepts no connections, so another session can't block the copy.
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'UTF8\'')


def drop_database(name):
    import psycopg

    with psycopg.connect(ADMIN_DB_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    if NGINX is None:
        pytest.fail(
            "nginx is not installed: the stack tests need it "
            "(apt-get install nginx-light; .ci/run installs it)", pytrace=False,
        )
    tmp = tmp_path_factory.mktemp("stack")
    # nginx workers (when run as root: as root) must read these.
    tmp.chmod(0o755)
    s = Stack(tmp)
    s.gunicorn_port = free_port()
    s.nginx_port = None
    database_created = False
    try:
        s.smtp = SmtpSink()
        s.smtp.controller.start()
        # nginx's port is needed for SHOP_SITE_URL before gunicorn starts.
        s.nginx_port = free_port()
        s.env = s.environ()
        create_database(s.db_name)
        database_created = True
        s.manage("migrate", "--noinput")
        s.manage("collectstatic", "--noinput", "-v0")
        s.manage("load_demo", "--force")
        gunicorn_log = tmp / "gunicorn.log"
        s.gunicorn = subprocess.Popen(
            [GUNICORN, "-c", str(BASE_DIR / "deploy" / "gunicorn.conf.py"), "project.wsgi"],
            cwd=BASE_DIR, env=s.env, stdout=open(gunicorn_log, "wb"), stderr=subprocess.STDOUT,
        )
        wait_for_port(s.gunicorn_port, s.gunicorn, gunicorn_log)
        s.gunicorn_url = f"http://127.0.0.1:{s.gunicorn_port}"
        s.nginx = Nginx(tmp / "nginx", s.site_conf(), port=s.nginx_port)
        s.url = s.nginx.url
        yield s
    finally:
        for server in s.extra_nginx:
            stop(server.process)
        if s.nginx is not None:
            stop(s.nginx.process)
        stop(s.gunicorn)
        if s.smtp is not None:
            s.smtp.controller.stop()
        if database_created:
            drop_database(s.db_name)
