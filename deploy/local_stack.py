"""The production stack on one machine: a throw-away PostgreSQL database,
gunicorn with deploy/gunicorn.conf.py, nginx with deploy/nginx.conf rendered
for temporary directories, and an SMTP sink -- for the stack tests
(tests/functional/stack) and the benchmarks (bench/).

Everything listens on 127.0.0.1 on ports chosen at run time. ``LocalStack``
is a context manager: every process it starts is stopped by its PID, the
database is dropped and its own temporary directory removed, whatever happens.
What the tests and the benchmarks set differently (settings module, nginx's
worker_connections and access log, gunicorn's access log format, extra
environment) are arguments.

Needs nginx (Debian: apt-get install nginx-light), gunicorn next to this
Python, and a PostgreSQL server to create the database on (``admin_db_url``,
only used to create and drop the run's own database).
"""

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from email import message_from_bytes, policy
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from deploy.render import render

BASE_DIR = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
GUNICORN_CONF = BASE_DIR / "deploy" / "gunicorn.conf.py"
NGINX_SITE = BASE_DIR / "deploy" / "nginx.conf"
NGINX = shutil.which("nginx") or next(
    (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
)
NGINX_MISSING = "nginx is not installed (Debian: apt-get install nginx-light)"
# As deployed (docs/deploy.md): nginx's workers run as www-data, the app as
# another user (here: root, who runs the stack), with the unit's umask;
# the static, media and private roots are group www-data, mode 2750.
NGINX_USER = "www-data"
APP_UMASK = 0o027
SHARED_WITH_NGINX_MODE = 0o2750
# A server database to create the run's own database from (never used itself).
ADMIN_DB_URL = "postgres://postgres@127.0.0.1:5432/postgres"
# Readiness waits only (never an assertion about speed).
START_TIMEOUT = 60


# ------------------------------------------------------------ processes


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


def child_pids(pid):
    return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


class Server:
    """A process started here, listening on ``port``."""

    def __init__(self, process, port, log, access_log=None):
        self.process, self.port, self.log, self.access_log = process, port, log, access_log
        self.url = f"http://127.0.0.1:{port}"

    @property
    def worker_pids(self):
        return child_pids(self.process.pid)


class SmtpSink:
    """An SMTP server in a thread of this process that keeps every message."""

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


# ------------------------------------------------------------ database


def create_database(admin_db_url, name):
    import psycopg

    with psycopg.connect(admin_db_url, autocommit=True) as conn:
        # template0 accepts no connections, so another session can't block the copy.
        conn.execute(f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8'")


def drop_database(admin_db_url, name):
    import psycopg

    with psycopg.connect(admin_db_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# ------------------------------------------------------------ nginx


def share_with_nginx(directory):
    """The app's directory that nginx's workers read: group www-data, mode
    2750 (new files and directories inherit the group). As root only: the
    caller is nginx's worker user otherwise."""
    if os.geteuid() == 0:
        shutil.chown(directory, group=NGINX_USER)
        directory.chmod(SHARED_WITH_NGINX_MODE)


def nginx_main_conf(tmp, site_conf, worker_connections=256, access_log=True):
    """A whole nginx.conf around the rendered site, writing only below tmp
    (``access_log`` False: none)."""
    # Not root: nginx can't switch users, so its workers run as the caller.
    user = f"user {NGINX_USER} {NGINX_USER};\n" if os.geteuid() == 0 else ""
    temp = "\n".join(
        f"    {kind}_temp_path {tmp / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""{user}worker_processes 1;
error_log {tmp / "error.log"};
events {{ worker_connections {worker_connections}; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {tmp / "access.log" if access_log else "off"};
{temp}
    sendfile on;
    include {site_conf};
}}
"""


def start_nginx(tmp, site_text, port, worker_connections=256, access_log=True):
    """nginx with ``site_text`` (a rendered site) and its files below ``tmp``;
    stopped again if it does not come up."""
    if NGINX is None:
        raise SystemExit(NGINX_MISSING)
    tmp.mkdir(parents=True)
    site = tmp / "site.conf"
    site.write_text(site_text)
    conf = tmp / "nginx.conf"
    conf.write_text(nginx_main_conf(tmp, site, worker_connections, access_log))
    error_log = tmp / "error.log"
    process = subprocess.Popen(
        [
            NGINX,
            "-p",
            str(tmp),
            "-c",
            str(conf),
            "-e",
            str(error_log),
            "-g",
            f"daemon off; master_process on; pid {tmp / 'nginx.pid'};",
        ],
        stdout=open(tmp / "stdout.log", "wb"),
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for_port(port, process, error_log)
    except BaseException:
        stop(process)
        raise
    return Server(process, port, error_log)


# ------------------------------------------------------------ the stack


class LocalStack:
    """One database, its directories, the SMTP sink and the servers started on it.

    ``name`` prefixes the database (and the temporary directory, when ``tmp``
    is not given: then it is made here and removed on close). ``settings`` is
    the default DJANGO_SETTINGS_MODULE; ``extra_env`` is added to every
    environment; ``smtp`` False: no sink, email to dummy://.
    """

    def __init__(
        self,
        name="shop_stack",
        tmp=None,
        settings="project.settings.production",
        admin_db_url=ADMIN_DB_URL,
        smtp=True,
        extra_env=None,
        nginx_worker_connections=256,
        nginx_access_log=True,
    ):
        self.own_tmp = tmp is None
        self.tmp = Path(tempfile.mkdtemp(prefix=f"{name}-")) if tmp is None else Path(tmp)
        self.tmp.chmod(0o755)  # nginx's workers must traverse it (so must its parents)
        self.static_root = self.tmp / "static"
        self.media_root = self.tmp / "media"
        self.private_root = self.tmp / "private"
        for d in (self.static_root, self.media_root, self.private_root):
            d.mkdir()
            share_with_nginx(d)
        self.settings = settings
        self.admin_db_url = admin_db_url
        self.db_name = f"{name}_{os.getpid()}_{secrets.token_hex(3)}"
        self.db_url = urlunsplit(urlsplit(admin_db_url)._replace(path=f"/{self.db_name}"))
        self.db_created = False
        self.secret_key = secrets.token_urlsafe(64)
        self.extra_env = dict(extra_env or {})
        self.want_smtp = smtp
        self.smtp = None
        self.nginx_worker_connections = nginx_worker_connections
        self.nginx_access_log = nginx_access_log
        self.servers = []
        # nginx's port, needed for SHOP_SITE_URL before gunicorn starts.
        self.site_port = free_port()
        self.url = f"http://127.0.0.1:{self.site_port}"

    def __enter__(self):
        try:
            if self.want_smtp:
                self.smtp = SmtpSink()
                self.smtp.controller.start()
            create_database(self.admin_db_url, self.db_name)
            self.db_created = True
            self.manage("migrate", "--noinput", "-v0")
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        for server in reversed(self.servers):
            stop(server.process)
        self.servers = []
        if self.smtp is not None:
            self.smtp.controller.stop()
            self.smtp = None
        if self.db_created:
            drop_database(self.admin_db_url, self.db_name)
            self.db_created = False
        if self.own_tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def environ(self, settings=None, **extra):
        """The production environment for this stack (plus ``extra``)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SHOP_", "GUNICORN_"))}
        env.pop("DEBUG", None)
        env.update(
            DJANGO_SETTINGS_MODULE=settings or self.settings,
            SECRET_KEY=self.secret_key,
            ALLOWED_HOSTS="127.0.0.1",
            DATABASE_URL=self.db_url,
            EMAIL_URL=f"smtp://127.0.0.1:{self.smtp.port}" if self.smtp else "dummy://",
            DEFAULT_FROM_EMAIL="shop@example.com",
            SHOP_PRIVATE_ROOT=str(self.private_root),
            STATIC_ROOT=str(self.static_root),
            MEDIA_ROOT=str(self.media_root),
            SECURE_SSL_REDIRECT="false",
            SHOP_SITE_URL=self.url,
            SHOP_TRUSTED_PROXIES="127.0.0.1",
            SHOP_VAR_DIR=str(self.tmp / "var"),
            PYTHONUNBUFFERED="1",
        )
        env.update({k: str(v) for k, v in {**self.extra_env, **extra}.items()})
        return env

    def manage(self, *args, settings=None, env=None, check=True):
        """``manage.py *args`` in this stack's environment (a CompletedProcess)."""
        result = subprocess.run(
            [PYTHON, "manage.py", *args],
            cwd=BASE_DIR,
            env=env or self.environ(settings),
            capture_output=True,
            text=True,
            umask=APP_UMASK,
        )
        if check and result.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result

    def sql(self, query, *params):
        """Rows (or, for a statement without any, the row count) from this stack's database."""
        import psycopg

        with psycopg.connect(self.db_url, autocommit=True) as conn:
            cur = conn.execute(query, params)
            return cur.fetchall() if cur.description else cur.rowcount

    def start_gunicorn(self, settings=None, workers=1, name="gunicorn", access_log_format=None, **extra_env):
        """gunicorn with deploy/gunicorn.conf.py on a free port; logs in
        <tmp>/<name>.log and <tmp>/<name>-access.log."""
        port = free_port()
        log = self.tmp / f"{name}.log"
        access_log = self.tmp / f"{name}-access.log"
        env = self.environ(
            settings,
            GUNICORN_BIND=f"127.0.0.1:{port}",
            WEB_CONCURRENCY=workers,
            GUNICORN_MAX_REQUESTS=0,
            GUNICORN_ACCESSLOG=access_log,
            **extra_env,
        )
        args = [GUNICORN, "-c", str(GUNICORN_CONF)]
        if access_log_format:
            args += ["--access-logformat", access_log_format]
        process = subprocess.Popen(
            [*args, "project.wsgi"],
            cwd=BASE_DIR,
            env=env,
            stdout=open(log, "wb"),
            stderr=subprocess.STDOUT,
            umask=APP_UMASK,
        )
        server = Server(process, port, log, access_log)
        self.servers.append(server)
        wait_for_port(port, process, log)
        return server

    def site_conf(self, upstream, port, template=None):
        """``template`` (default deploy/nginx.conf) rendered for this stack."""
        return render(
            template if template is not None else NGINX_SITE.read_text(),
            {
                "listen": f"127.0.0.1:{port}",
                "server_name": "127.0.0.1",
                "upstream": f"127.0.0.1:{upstream.port}",
                "static_root": self.static_root,
                "media_root": self.media_root,
                "private_root": self.private_root,
            },
        )

    def start_nginx(self, upstream, template=None, name="nginx", port=None):
        """nginx in front of the gunicorn ``upstream``, on ``site_port`` (the
        one SHOP_SITE_URL names) unless ``port`` is given."""
        port = port or self.site_port
        server = start_nginx(
            self.tmp / name,
            self.site_conf(upstream, port, template),
            port,
            self.nginx_worker_connections,
            self.nginx_access_log,
        )
        self.servers.append(server)
        return server
