"""Start and stop the production shape for the benchmarks, and share their report format.

A throw-away PostgreSQL database, gunicorn (one server per settings module,
so "ours" and the baseline run side by side on the same data), nginx with
deploy/nginx.conf rendered for temporary directories, and an SMTP sink.
Everything listens on 127.0.0.1 on free ports; every process started here is
stopped here by its PID (``Deployment`` is a context manager), and the
database and temporary files are removed.

The ideas are those of tests/stack/conftest.py, written again here so the
benchmarks do not depend on the test suite.
"""
import argparse
import json
import os
import platform
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parents[1]
RESULTS_DIR = BASE_DIR / "bench" / "results"
PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
ADMIN_DB_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
NGINX = shutil.which("nginx") or next(
    (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
)
START_TIMEOUT = 60
OURS = "bench.settings_ours"
STOCK = "bench.settings_stock"

sys.path.insert(0, str(BASE_DIR / "deploy"))
from render import render  # noqa: E402


# ------------------------------------------------------------ processes


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, process, log_path):
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited ({process.returncode}):\n{tail(log_path)}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{process.args[0]} not listening on {port}:\n{tail(log_path)}")


def tail(path, chars=4000):
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


def children(pid):
    return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def proc_status_kb(pid, field):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return None


def reset_peak_rss(pid):
    """Reset VmHWM to the current RSS (Linux >= 4.0); False if not allowed."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
        return True
    except OSError:
        return False


class SmtpSink:
    """An SMTP server in a thread of this process that counts messages."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.count = 0
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        return "250 OK"


class Server:
    def __init__(self, process, port, log, access_log=None):
        self.process, self.port, self.log, self.access_log = process, port, log, access_log
        self.url = f"http://127.0.0.1:{port}"

    @property
    def worker_pids(self):
        return children(self.process.pid)


def nginx_main_conf(tmp, site_conf):
    user = "user root root;\n" if os.geteuid() == 0 else ""
    temp = "\n".join(
        f"    {kind}_temp_path {tmp / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""{user}worker_processes 1;
error_log {tmp / 'error.log'};
events {{ worker_connections 512; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
{temp}
    sendfile on;
    include {site_conf};
}}
"""


class Deployment:
    """One database, its directories, and the servers started on it."""

    def __init__(self, name, smtp=True):
        self.tmp = Path(tempfile.mkdtemp(prefix=f"bench-{name}-"))
        self.tmp.chmod(0o755)  # nginx workers must read below it
        self.static_root = self.tmp / "static"
        self.media_root = self.tmp / "media"
        self.private_root = self.tmp / "private"
        for d in (self.static_root, self.media_root, self.private_root):
            d.mkdir()
        self.db_name = f"bench_{name}_{os.getpid()}_{secrets.token_hex(3)}"
        self.db_url = urlunsplit(urlsplit(ADMIN_DB_URL)._replace(path=f"/{self.db_name}"))
        self.secret_key = secrets.token_urlsafe(64)
        self.want_smtp = smtp
        self.smtp = None
        self.servers = []
        self.db_created = False
        self.site_port = free_port()  # nginx's, used in SHOP_SITE_URL

    def __enter__(self):
        try:
            if self.want_smtp:
                self.smtp = SmtpSink()
                self.smtp.controller.start()
            import psycopg

            with psycopg.connect(ADMIN_DB_URL, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{self.db_name}" TEMPLATE template0 ENCODING \'UTF8\'')
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
            import psycopg

            with psycopg.connect(ADMIN_DB_URL, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
            self.db_created = False
        shutil.rmtree(self.tmp, ignore_errors=True)

    def environ(self, settings=OURS, **extra):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SHOP_", "GUNICORN_"))}
        env.pop("DEBUG", None)
        env.update(
            DJANGO_SETTINGS_MODULE=settings,
            SECRET_KEY=self.secret_key,
            ALLOWED_HOSTS="127.0.0.1,localhost",
            DATABASE_URL=self.db_url,
            EMAIL_URL=f"smtp://127.0.0.1:{self.smtp.port}" if self.smtp else "dummy://",
            DEFAULT_FROM_EMAIL="shop@example.com",
            SHOP_PRIVATE_ROOT=str(self.private_root),
            STATIC_ROOT=str(self.static_root),
            MEDIA_ROOT=str(self.media_root),
            SECURE_SSL_REDIRECT="false",
            SECURE_HSTS_SECONDS="0",
            SHOP_SITE_URL=f"http://127.0.0.1:{self.site_port}",
            SHOP_TRUSTED_PROXIES="127.0.0.1",
            SHOP_VAR_DIR=str(self.tmp / "var"),
            PYTHONUNBUFFERED="1",
            PYTHONPATH=str(BASE_DIR),
        )
        env.update({k: str(v) for k, v in extra.items()})
        return env

    def manage(self, *args, settings=OURS, env=None):
        result = subprocess.run(
            [PYTHON, "manage.py", *args], cwd=BASE_DIR, env=env or self.environ(settings),
            capture_output=True, text=True,
        )
        if result.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def task(self, function, settings=OURS, env=None, **kwargs):
        """Run ``bench.<module>:<function>(**kwargs)`` in this deployment's
        Django, in a subprocess; it returns a JSON value."""
        result = subprocess.run(
            [PYTHON, "-m", "bench.task", function, json.dumps(kwargs)], cwd=BASE_DIR,
            env=env or self.environ(settings), capture_output=True, text=True,
        )
        if result.returncode != 0:
            raise RuntimeError(f"{function} failed:\n{result.stdout[-3000:]}\n{result.stderr[-6000:]}")
        return json.loads(result.stdout.strip().splitlines()[-1])

    def sql(self, query, *params):
        import psycopg

        with psycopg.connect(self.db_url, autocommit=True) as conn:
            cur = conn.execute(query, params)
            return cur.fetchall() if cur.description else cur.rowcount

    def start_gunicorn(self, settings=OURS, workers=1, name=None, **extra_env):
        name = name or settings.rsplit(".", 1)[-1]
        port = free_port()
        log = self.tmp / f"gunicorn-{name}.log"
        access_log = self.tmp / f"gunicorn-{name}-access.log"
        env = self.environ(
            settings, GUNICORN_BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY=workers,
            GUNICORN_MAX_REQUESTS=0, GUNICORN_ACCESSLOG=access_log, GUNICORN_LOGLEVEL="warning",
            **extra_env,
        )
        process = subprocess.Popen(
            # %(D)s: request time in microseconds, as gunicorn measured it.
            [GUNICORN, "-c", str(BASE_DIR / "deploy" / "gunicorn.conf.py"),
             "--access-logformat", "%(m)s %(U)s %(s)s %(D)s", "project.wsgi"],
            cwd=BASE_DIR, env=env, stdout=open(log, "wb"), stderr=subprocess.STDOUT,
        )
        server = Server(process, port, log, access_log)
        self.servers.append(server)
        wait_for_port(port, process, log)
        return server

    def start_nginx(self, upstream, extra_locations=""):
        if NGINX is None:
            raise SystemExit("nginx is not installed (Debian: apt-get install nginx-light)")
        tmp = self.tmp / "nginx"
        tmp.mkdir()
        site = render((BASE_DIR / "deploy" / "nginx.conf").read_text(), {
            "listen": f"127.0.0.1:{self.site_port}",
            "server_name": "127.0.0.1",
            "upstream": f"127.0.0.1:{upstream.port}",
            "static_root": self.static_root,
            "media_root": self.media_root,
            "private_root": self.private_root,
        })
        (tmp / "site.conf").write_text(site)
        conf = tmp / "nginx.conf"
        conf.write_text(nginx_main_conf(tmp, tmp / "site.conf"))
        process = subprocess.Popen(
            [NGINX, "-p", str(tmp), "-c", str(conf), "-e", str(tmp / "error.log"),
             "-g", f"daemon off; master_process on; pid {tmp / 'nginx.pid'};"],
            stdout=open(tmp / "stdout.log", "wb"), stderr=subprocess.STDOUT,
        )
        server = Server(process, self.site_port, tmp / "error.log")
        self.servers.append(server)
        wait_for_port(self.site_port, process, tmp / "error.log")
        return server


def read_access_log(server):
    """[(method, path, status, microseconds)] from a gunicorn started here."""
    rows = []
    for line in Path(server.access_log).read_text().splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[3].isdigit():
            rows.append((parts[0], parts[1], int(parts[2]), int(parts[3])))
    return rows


# ------------------------------------------------------------ reporting


def median(values):
    return statistics.median(values) if values else None


def p95(values):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]


def ratio(ours, baseline):
    if ours is None or not baseline:
        return None
    return ours / baseline


def machine():
    model = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")), platform.processor() or "unknown",
    )
    mem_kb = proc_status_kb_meminfo()
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "ram_gb": round(mem_kb / 1024 / 1024, 1) if mem_kb else None,
        "python": platform.python_version(),
        "kernel": platform.release(),
    }


def proc_status_kb_meminfo():
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1])
    return None


def fmt(value, digits=2):
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def table(headers, rows):
    """A Markdown table (prints well in a terminal and pastes into docs)."""
    cells = [[fmt(c) for c in row] for row in rows]
    widths = [max(len(str(h)), *(len(r[i]) for r in cells)) if cells else len(str(h)) for i, h in enumerate(headers)]
    lines = [
        "| " + " | ".join(str(h).ljust(w) for h, w in zip(headers, widths)) + " |",
        "|" + "|".join("-" * (w + 2) for w in widths) + "|",
    ]
    lines += ["| " + " | ".join(c.rjust(w) for c, w in zip(row, widths)) + " |" for row in cells]
    return "\n".join(lines)


def write_results(name, args, tables, data, goals):
    """Print the tables and goals; write bench/results/<name>.json."""
    out = {
        "benchmark": name,
        "ran_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "mode": args.mode,
        "machine": machine(),
        "tables": tables,
        "goals": goals,
        "data": data,
    }
    for title, text in tables.items():
        print(f"\n### {title}\n\n{text}")
    if goals:
        print()
        for goal in goals:
            print(f"- {'MET' if goal['met'] else 'MISSED'}: {goal['goal']} ({goal['observed']})")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    path.write_text(json.dumps(out, indent=2, default=str))
    print(f"\nwrote {path.relative_to(BASE_DIR)}")
    return out


def parser(name, doc, quick, default, full):
    """--quick / (default) / --full, with what each mode runs in the help."""
    p = argparse.ArgumentParser(
        prog=f"bench/{name}.py", description=doc, formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=f"modes:\n  --quick   {quick}\n  default   {default}\n  --full    {full}",
    )
    group = p.add_mutually_exclusive_group()
    group.add_argument("--quick", dest="mode", action="store_const", const="quick", help="smallest run (smoke)")
    group.add_argument("--full", dest="mode", action="store_const", const="full", help="largest run")
    p.set_defaults(mode="default")
    return p
