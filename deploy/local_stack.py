"""The production stack on one machine: a throw-away PostgreSQL database,
two Redis servers (the broker's, which never evicts, and the shared
cache's, which evicts the least recently used keys), gunicorn with deploy/gunicorn.conf.py,
Celery workers, nginx with deploy/nginx.conf rendered for temporary
directories, and an SMTP sink -- for the stack tests (tests/functional/stack)
and the benchmarks (bench/).

Everything listens on 127.0.0.1 on ports chosen at run time. ``LocalStack``
is a context manager: every process it starts is stopped by its PID, the
database is dropped and its own temporary directory removed, whatever happens.
What the tests and the benchmarks set differently (settings module, nginx's
worker_connections and access log, gunicorn's access log format, extra
environment) are arguments.

Needs nginx and redis-server (Debian: apt-get install nginx-light
redis-server), gunicorn and celery next to this Python, and a PostgreSQL
server to create the database on (``admin_db_url``, only used to create and
drop the run's own database). A Redis of the caller's (``redis_url``) is used
instead of starting both (database 0 the broker, 1 the cache).
"""

import asyncio
import contextlib
import ctypes
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from email import message_from_bytes, policy
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from deploy.render import render

BASE_DIR = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
CELERY = str(Path(sys.executable).with_name("celery"))
REDIS_SERVER = shutil.which("redis-server") or next(
    (p for p in ("/usr/bin/redis-server", "/usr/local/bin/redis-server") if os.access(p, os.X_OK)), None
)
REDIS_MISSING = "redis-server is not installed (Debian: apt-get install redis-server)"
GUNICORN_CONF = BASE_DIR / "deploy" / "gunicorn.conf.py"
NGINX_SITE = BASE_DIR / "deploy" / "nginx.conf"
NGINX = shutil.which("nginx") or next(
    (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
)
NGINX_MISSING = "nginx is not installed (Debian: apt-get install nginx-light)"
# As deployed (docs/deploy.md): nginx's workers run as www-data, the app as
# another user (here: root, who runs the stack, without CAP_CHOWN: see
# as_app_user), with the unit's umask;
# the static, media and private roots are group www-data, mode 2750.
NGINX_USER = "www-data"
APP_UMASK = 0o027
SHARED_WITH_NGINX_MODE = 0o2750
# A server database to create the run's own database from (never used itself).
ADMIN_DB_URL = "postgres://postgres@127.0.0.1:5432/postgres"
# Readiness waits only (never an assertion about speed).
START_TIMEOUT = 60
# deploy/shop-worker.service: Restart=on-failure, RestartSec=5.
WORKER_RESTART_SECONDS = 5


# ------------------------------------------------------------ processes


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PortTaken(RuntimeError):
    """Another program listens on the port a server was started on."""


def listening_sockets(port):
    """The inodes of the sockets listening on ``port`` (this network namespace)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError), open(table) as rows:
            next(rows)  # the header
            for row in rows:
                fields = row.split()
                listening = fields[3] == "0A"
                if listening and int(fields[1].rpartition(":")[2], 16) == port:
                    inodes.add(f"socket:[{fields[9]}]")
    return inodes


def holds_socket(pid, inodes):
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):
            if os.readlink(fd) in inodes:
                return True
    return False


def answers(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


def wait_for_port(port, process, log_path):
    """Returns once ``process`` itself listens on ``port``. A free port can be
    taken between free_port() and the server's bind (by another stack run on
    this machine, say): the server then fails to bind while the other
    program answers, and this stack would talk to another run's Redis or
    app. That is PortTaken, never a silent start."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        answered = answers(port)
        if answered and holds_socket(process.pid, listening_sockets(port)):
            return
        if process.poll() is not None:
            if answered:
                raise PortTaken(f"port {port} answers, but not {process.args[0]}:\n{read_tail(log_path)}")
            raise RuntimeError(f"{process.args[0]} exited ({process.returncode}):\n{read_tail(log_path)}")
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


def start_server(argv, port, output, log, **popen):
    """``argv`` with its output in ``output``, once it listens on ``port``;
    stopped again (``log`` shown) if it does not come up."""
    process = subprocess.Popen(argv, stdout=open(output, "wb"), stderr=subprocess.STDOUT, **popen)
    try:
        wait_for_port(port, process, log)
    except BaseException:
        stop(process)
        raise
    return Server(process, port, log)


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


class Worker(Server):
    """A Celery worker started here (no port)."""

    def __init__(self, process, log):
        super().__init__(process, None, log)
        self.stopping = threading.Event()
        self.restarts = 0
        self.exit_reasons = []  # the log's last error line before each restart

    def kill(self):
        """SIGKILL to the worker and its pool at once, as a crash or the
        OOM killer would: no task it holds is finished or acknowledged."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


def _restart_on_failure(worker, spawn):
    """Start ``worker`` again (its log appended to) each time it exits with an
    error, until its stack stops it."""
    while worker.process.wait() != 0 and not worker.stopping.wait(WORKER_RESTART_SECONDS):
        errors = [line for line in read_tail(worker.log, 20_000).splitlines() if "Error" in line]
        worker.exit_reasons.append(errors[-1].strip() if errors else "(no error line in the log)")
        worker.process = spawn("ab")
        worker.restarts += 1


class SmtpSink:
    """An SMTP server in a thread of this process that keeps every message.

    ``hold`` set: each sender is kept waiting at RCPT (counted in ``held``)
    until it is cleared, e.g. to stop a worker in the middle of sending."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.messages = []
        self.hold = threading.Event()
        self.held = 0
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.hold.is_set():
            self.held += 1
            while self.hold.is_set():
                await asyncio.sleep(0.05)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def wait_for_message(self, subject_start="", to=None, timeout=START_TIMEOUT):
        """The first message whose subject starts with ``subject_start`` (and
        sent ``to`` that address, if given), within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in list(self.messages):
                if message["Subject"].startswith(subject_start) and to in (None, message["To"]):
                    return message
            time.sleep(0.1)
        subjects = [(m["Subject"], m["To"]) for m in self.messages]
        raise AssertionError(f"no email {subject_start!r} to {to} arrived at the SMTP sink; got {subjects}")


# ------------------------------------------------------------ redis


# As docs/deploy.md configures them: the broker's Redis refuses writes when
# full (a queued email is never dropped), the cache's evicts.
BROKER_REDIS_OPTIONS = ("--maxmemory-policy", "noeviction")
CACHE_REDIS_OPTIONS = ("--maxmemory", "64mb", "--maxmemory-policy", "allkeys-lru")


def start_redis(tmp, options=BROKER_REDIS_OPTIONS, name="redis", tries=3):
    """A Redis of this stack's own on a free port, keeping nothing on disk
    (on another free port if someone took the first: see wait_for_port)."""
    if REDIS_SERVER is None:
        raise SystemExit(REDIS_MISSING)
    port = free_port()
    argv = [REDIS_SERVER, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"]
    log = tmp / f"{name}.log"
    try:
        return start_server([*argv, *options], port, log, log, cwd=tmp)
    except PortTaken:
        if tries == 1:
            raise
        return start_redis(tmp, options, name, tries - 1)


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


# prctl(2) and capabilities(7) numbers.
PR_CAPBSET_DROP = 24
CAP_CHOWN = 0


def as_app_user():
    """For the app's processes (``preexec_fn``): as root, give up CAP_CHOWN
    for good. The deployed app user (outside group www-data) cannot give a
    file to group www-data; root could, and Django's FileSystemStorage
    silently tries, which would hide a file left in the app's group from
    nginx's workers. Root's other rights stand in for owning the roots."""
    if os.geteuid() == 0:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_CAPBSET_DROP, CAP_CHOWN, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP, CAP_CHOWN) failed")


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
    return f"""{user}worker_processes auto;
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
    argv = [
        NGINX,
        "-p",
        str(tmp),
        "-c",
        str(conf),
        "-e",
        str(error_log),
        "-g",
        f"daemon off; master_process on; pid {tmp / 'nginx.pid'};",
    ]
    return start_server(argv, port, tmp / "stdout.log", error_log)


# ------------------------------------------------------------ the stack


class LocalStack:
    """One database, its directories, the SMTP sink and the servers started on it.

    ``name`` prefixes the database (and the temporary directory, when ``tmp``
    is not given: then it is made here and removed on close). ``settings`` is
    the default DJANGO_SETTINGS_MODULE; ``extra_env`` is added to every
    environment; ``smtp`` False: no sink, email to dummy://; ``redis_url``
    a Redis to use (databases 0 and 1) instead of starting the broker's and
    the cache's;
    ``visibility_timeout``: seconds before Redis hands a task that a killed
    worker held to another worker.
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
        redis_url=None,
        visibility_timeout=3600,
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
        self.redis_url = redis_url.rstrip("/") if redis_url else None
        self.redis = None
        self.cache_redis = None
        self.broker_url = self.cache_url = None
        self.visibility_timeout = visibility_timeout
        # nginx's port, needed for SHOP_SITE_URL before gunicorn starts.
        self.site_port = free_port()
        self.url = f"http://127.0.0.1:{self.site_port}"

    def __enter__(self):
        try:
            if self.want_smtp:
                self.smtp = SmtpSink()
                self.smtp.controller.start()
            if self.redis_url is None:
                self.redis = start_redis(self.tmp)
                self.cache_redis = start_redis(self.tmp, CACHE_REDIS_OPTIONS, name="cache-redis")
                self.broker_url = f"redis://127.0.0.1:{self.redis.port}/0"
                self.cache_url = f"redis://127.0.0.1:{self.cache_redis.port}/0"
            else:
                self.broker_url, self.cache_url = f"{self.redis_url}/0", f"{self.redis_url}/1"
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
            if isinstance(server, Worker):
                server.stopping.set()
            stop(server.process)
        self.servers = []
        if self.smtp is not None:
            self.smtp.hold.clear()
            self.smtp.controller.stop()
            self.smtp = None
        for redis in (self.redis, self.cache_redis):
            if redis is not None:
                stop(redis.process)
        self.redis = self.cache_redis = None
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
            CELERY_BROKER_URL=self.broker_url,
            CACHE_URL=self.cache_url,
            CELERY_VISIBILITY_TIMEOUT=str(self.visibility_timeout),
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
            preexec_fn=as_app_user,
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

    def start_gunicorn(
        self,
        settings=None,
        workers=1,
        name="gunicorn",
        access_log_format=None,
        app="project.wsgi",
        **extra_env,
    ):
        """gunicorn with deploy/gunicorn.conf.py on a free port, serving the
        WSGI module ``app``; logs in <tmp>/<name>.log and <tmp>/<name>-access.log."""
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
            [*args, app],
            cwd=BASE_DIR,
            env=env,
            stdout=open(log, "wb"),
            stderr=subprocess.STDOUT,
            umask=APP_UMASK,
            preexec_fn=as_app_user,
        )
        server = Server(process, port, log, access_log)
        self.servers.append(server)
        wait_for_port(port, process, log)
        return server

    def start_worker(self, name="worker", concurrency=1, restart_on_failure=False, **extra_env):
        """A Celery worker (as deploy/shop-worker.service runs it); returns
        once it is ready to take tasks. Its log: <tmp>/<name>.log.
        ``restart_on_failure``: started again, as systemd does, when it
        exits with an error (Celery gives up on some broker connection
        losses: "Unrecoverable error"); tests that kill it on purpose leave it off."""
        log = self.tmp / f"{name}.log"

        def spawn(mode):
            return self._spawn_worker(name, concurrency, extra_env, open(log, mode))

        worker = Worker(spawn("wb"), log)
        self.servers.append(worker)
        deadline = time.monotonic() + START_TIMEOUT
        while " ready." not in read_tail(log, 100_000):
            if worker.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"celery worker did not start:\n{read_tail(log)}")
            time.sleep(0.1)
        if restart_on_failure:
            threading.Thread(target=_restart_on_failure, args=(worker, spawn), daemon=True).start()
        return worker

    def _spawn_worker(self, name, concurrency, extra_env, output):
        return subprocess.Popen(
            [
                CELERY,
                "-A",
                "project",
                "worker",
                "--loglevel",
                "INFO",
                "--concurrency",
                str(concurrency),
                "--hostname",
                f"{name}-{secrets.token_hex(3)}@127.0.0.1",
                "--without-mingle",
                "--without-gossip",
            ],
            cwd=BASE_DIR,
            env=self.environ(**extra_env),
            stdout=output,
            stderr=subprocess.STDOUT,
            umask=APP_UMASK,
            preexec_fn=as_app_user,
            start_new_session=True,  # its own process group: kill() takes the pool with it
        )

    def site_conf(self, upstream, port, template=None, access_log="/dev/null"):
        """``template`` (default deploy/nginx.conf) rendered for this stack;
        ``upstream``: one app server, or a list of them to balance."""
        servers = upstream if isinstance(upstream, list) else [upstream]
        return render(
            template if template is not None else NGINX_SITE.read_text(),
            {
                "listen": f"127.0.0.1:{port}",
                "server_name": "127.0.0.1",
                "upstream": ";\n    server ".join(f"127.0.0.1:{s.port}" for s in servers),
                "static_root": self.static_root,
                "media_root": self.media_root,
                "private_root": self.private_root,
                "access_log": access_log,
                "page_cache_root": self.tmp / f"page-cache-{port}",
                # The test S3 server is on 127.0.0.1: no name to resolve.
                "resolver": "127.0.0.1",
            },
        )

    def start_nginx(self, upstream, template=None, name="nginx", port=None):
        """nginx in front of the gunicorn ``upstream``, on ``site_port`` (the
        one SHOP_SITE_URL names) unless ``port`` is given."""
        port = port or self.site_port
        access_log = self.tmp / name / "access.log" if self.nginx_access_log else "/dev/null"
        server = start_nginx(
            self.tmp / name,
            self.site_conf(upstream, port, template, access_log),
            port,
            self.nginx_worker_connections,
            self.nginx_access_log,
        )
        self.servers.append(server)
        return server
