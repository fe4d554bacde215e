"""The benchmarks' deployment and their report format.

``Deployment`` is deploy/local_stack.py's stack as the benchmarks use it: a
database per benchmark, gunicorn per settings module (so "ours" and the
baseline run side by side on the same data), gunicorn's access log with the
request time (%(D)s), more nginx connections and no nginx access log, and
``task`` to run a helper inside the deployment's Django, with Redis and a
Celery worker for "ours" as deployed (emails and zips go through the
queue). Every benchmark
takes ``--env KEY=VALUE`` (added to every process of the deployment) and
``--process COMMAND`` (started in the deployment's environment after its
database is migrated, stopped by PID at the end), so a component the
production settings need (a broker, a queue worker) can join a run without
editing the scripts. A gunicorn is handed over once every worker has booted;
its workers' memory then and at the end of the run goes into the results.
"""

import argparse
import json
import os
import platform
import re
import secrets
import shlex
import shutil
import statistics
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import requests

from deploy.local_stack import (
    ADMIN_DB_URL,
    APP_UMASK,
    BASE_DIR,
    NGINX,
    PYTHON,
    LocalStack,
    Server,
    read_tail,
)

RESULTS_DIR = BASE_DIR / "bench" / "results"
OURS = "bench.settings_ours"
STOCK = "bench.settings_stock"
# %(D)s: request time in microseconds, as gunicorn measured it (read_access_log).
ACCESS_LOG_FORMAT = "%(m)s %(U)s %(s)s %(D)s"
# gunicorn workers as deploy/gunicorn.conf.py starts them by default (2 x CPUs + 1).
DEPLOY_WORKERS = 2 * os.cpu_count() + 1
ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", ADMIN_DB_URL)
# The machine's load when the script started, reported next to the load at the end.
LOAD_AT_START = os.getloadavg()
# When the script started: the results give its length in seconds.
STARTED = time.monotonic()
# Readiness wait only: how long gunicorn's workers may take to boot.
WORKERS_BOOT_TIMEOUT = 120
# A --process that exits this soon after its start is reported as failed.
PROCESS_SETTLE_SECONDS = 2


# ------------------------------------------------------------ processes


class Deployment(LocalStack):
    """One database, its directories, and the servers started on it;
    ``args`` (from ``parser``) brings the run's --env and --process."""

    def __init__(self, name, args, smtp=True):
        super().__init__(
            f"bench_{name}",
            settings=OURS,
            smtp=smtp,
            admin_db_url=ADMIN_URL,
            extra_env={
                "ALLOWED_HOSTS": "127.0.0.1,localhost",
                "PYTHONPATH": str(BASE_DIR),
                **dict(args.env),
            },
            nginx_worker_connections=1024,
            nginx_access_log=False,
        )
        self.commands = args.process
        self.gunicorns = {}  # name: Server, for the memory table
        self.rss_ready = {}  # name: {worker pid: VmRSS kB} once its workers have booted
        self.memory = []  # the memory table's rows, once the deployment is closed

    def __enter__(self):
        super().__enter__()  # with a Redis of its own (broker and shared cache)
        try:
            # Both sides render pages with hashed static names (the manifest):
            # a fresh clone has none until this runs.
            self.manage("collectstatic", "--noinput", "-v0")
            # "ours" sends its emails and builds its zips here, as deployed.
            self.start_worker(concurrency=1)
            for n, command in enumerate(self.commands):
                self.start_process(command, name=f"process-{n}")
        except BaseException:
            self.close()
            raise
        return self

    def start_process(self, command, name):
        """``command`` (a program next to this Python, such as celery, or
        on PATH) in the deployment's environment; its output in <tmp>/<name>.log."""
        argv = shlex.split(command)
        beside_python = Path(PYTHON).with_name(argv[0])
        if beside_python.exists():
            argv[0] = str(beside_python)
        log = self.tmp / f"{name}.log"
        process = subprocess.Popen(
            argv,
            cwd=BASE_DIR,
            env=self.environ(),
            stdout=open(log, "wb"),
            stderr=subprocess.STDOUT,
            umask=APP_UMASK,
        )
        self.servers.append(Server(process, None, log))
        time.sleep(PROCESS_SETTLE_SECONDS)
        if process.poll() is not None:
            raise RuntimeError(f"{command!r} exited ({process.returncode}):\n{read_tail(log)}")
        print(f"started {command!r} (pid {process.pid})", flush=True)

    def task(self, function, settings=OURS, env=None, **kwargs):
        """Run ``bench.<module>:<function>(**kwargs)`` in this deployment's
        Django, in a subprocess; it returns a JSON value."""
        return run_json(
            [PYTHON, "-m", "bench.task", function, json.dumps(kwargs)], env or self.environ(settings)
        )

    def start_gunicorn(
        self, settings=OURS, workers=DEPLOY_WORKERS, name=None, app="project.wsgi", **extra_env
    ):
        name = name or settings.rsplit(".", 1)[-1].removeprefix("settings_")  # ours, stock
        server = super().start_gunicorn(
            settings,
            workers,
            name=f"gunicorn-{name}",
            access_log_format=ACCESS_LOG_FORMAT,
            app=app,
            GUNICORN_LOGLEVEL="warning",
            **extra_env,
        )
        wait_until_booted(server, workers)
        self.gunicorns[name] = server
        self.rss_ready[name] = workers_rss(server)
        return server

    def close(self):
        # The workers' RSS at the end of the run, before they are stopped.
        if self.gunicorns:
            self.memory = [
                memory_row(name, self.rss_ready[name], workers_rss(server))
                for name, server in self.gunicorns.items()
            ]
            self.gunicorns = {}
        super().close()


def wait_until_booted(server, workers):
    """Until each of gunicorn's ``workers`` has answered a request: a worker
    still importing the app accepts none, so a load started before would
    measure its boot (seconds on a busy machine), and its memory half a
    worker's. bench/worker_pid.py names the worker in every response."""
    answered = set()
    deadline = time.monotonic() + WORKERS_BOOT_TIMEOUT
    with ThreadPoolExecutor(2 * workers) as pool:
        while not (len(pids := set(server.worker_pids)) == workers and pids <= answered):
            if server.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn's workers did not all answer:\n{read_tail(server.log)}")
            answered.update(pool.map(lambda _: answering_worker(server.url), range(2 * workers)))


def answering_worker(url):
    """The pid of the worker that answers a request without database (None: gunicorn is gone)."""
    try:
        response = requests.get(f"{url}/csrf/", timeout=WORKERS_BOOT_TIMEOUT)
    except requests.ConnectionError:
        return None
    return int(response.headers["X-Bench-Worker"])


def vm_rss_kb(pid):
    """A process's resident memory (VmRSS in /proc/<pid>/status, kB); None once it has exited."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return None
    return next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))


def workers_rss(server):
    """{worker pid: VmRSS kB} of a gunicorn's workers (its master's children)."""
    sizes = {pid: vm_rss_kb(pid) for pid in server.worker_pids}
    return {pid: kb for pid, kb in sizes.items() if kb is not None}


def memory_row(name, ready, end):
    """One gunicorn's workers, MB per worker: the mean once booted, the mean
    and the largest at the end of the run, and the mean's growth (a worker
    replaced in between counts in the mean of the point it was seen at)."""

    def mean_mb(sizes):
        return statistics.mean(sizes.values()) / 1024 if sizes else None

    return {
        "gunicorn": name,
        "workers": len(end),
        "ready_mb": mean_mb(ready),
        "end_mb": mean_mb(end),
        "largest_end_mb": max(end.values()) / 1024 if end else None,
        "growth_mb": mean_mb(end) - mean_mb(ready) if ready and end else None,
        "ready_kb_by_pid": ready,
        "end_kb_by_pid": end,
    }


def run_json(argv, env):
    """Run ``argv`` in ``env`` from the project's directory: the JSON value
    on the last line of its output (its output shown if it fails)."""
    result = subprocess.run(argv, cwd=BASE_DIR, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{shlex.join(argv)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-6000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def offline_environ(var_dir, extra=()):
    """The environment of a subprocess that loads our settings (bench/settings_ours.py,
    with ``django.setup()``) to call the app's code directly, with no deployment
    (zip_build.py, stamping.py). The database file and the private, static and
    media roots are the defaults below ``var_dir``; production refuses to load
    without a broker and a cache, but nothing here connects to them.
    ``extra``: the run's --env pairs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SHOP_", "GUNICORN_"))}
    for key in ("DEBUG", "DATABASE_URL", "STATIC_ROOT", "MEDIA_ROOT"):
        env.pop(key, None)
    env.update(
        DJANGO_SETTINGS_MODULE=OURS,
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="127.0.0.1",
        SHOP_VAR_DIR=str(var_dir),
        SHOP_SITE_URL="http://127.0.0.1",
        SECURE_SSL_REDIRECT="false",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
        CACHE_URL="redis://127.0.0.1:6379/1",
    )
    env.update(extra)
    return env


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
    """What the numbers were taken on: CPUs, memory, OS and the servers' versions."""
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown",
    )
    mem_kb = proc_status_kb_meminfo()
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "ram_gb": round(mem_kb / 1024 / 1024, 1) if mem_kb else None,
        "os": os_name(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "nginx": command_version([NGINX, "-v"], r"nginx/(\S+)"),
        "wrk": command_version([shutil.which("wrk") or "wrk", "--version"], r"wrk (\S+)"),
        "postgresql": postgres_version(),
        "load_at_start": LOAD_AT_START,
        "load_at_end": os.getloadavg(),
    }


def os_name():
    for line in Path("/etc/os-release").read_text().splitlines():
        if line.startswith("PRETTY_NAME="):
            return line.split("=", 1)[1].strip('"')
    return platform.system()


def command_version(argv, pattern):
    try:
        result = subprocess.run(argv, capture_output=True, text=True)
    except (OSError, TypeError):
        return None
    match = re.search(pattern, result.stdout + result.stderr)
    return match.group(1) if match else None


def postgres_version():
    import psycopg

    with psycopg.connect(ADMIN_URL) as conn:
        return conn.execute("SHOW server_version").fetchone()[0]


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
    widths = [
        max(len(str(h)), *(len(r[i]) for r in cells)) if cells else len(str(h)) for i, h in enumerate(headers)
    ]
    lines = [
        "| " + " | ".join(str(h).ljust(w) for h, w in zip(headers, widths, strict=False)) + " |",
        "|" + "|".join("-" * (w + 2) for w in widths) + "|",
    ]
    lines += [
        "| " + " | ".join(c.rjust(w) for c, w in zip(row, widths, strict=False)) + " |" for row in cells
    ]
    return "\n".join(lines)


def memory_table(memory):
    """The rows of ``Deployment.memory`` as a Markdown table."""
    headers = ["gunicorn", "workers", "ready (mean)", "end (mean)", "end (largest)", "growth (mean)"]
    keys = ["gunicorn", "workers", "ready_mb", "end_mb", "largest_end_mb", "growth_mb"]
    return table(headers, [[row[key] for key in keys] for row in memory])


def write_results(name, args, tables, data, goals, memory=()):
    """Print the tables and goals (and the gunicorn workers' memory, the
    ``Deployment.memory`` of a benchmark that ran any); write
    bench/results/<name>.json."""
    if memory:
        title = "gunicorn workers' memory (VmRSS, MB per worker): booted and at the end of the run"
        tables = {**tables, title: memory_table(memory)}
    out = {
        "benchmark": name,
        "ran_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "mode": args.mode,
        "machine": machine(),
        "tables": tables,
        "goals": goals,
        "data": data,
        "memory": list(memory),
        "seconds": round(time.monotonic() - STARTED),
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
    print(f"\nwrote {path.relative_to(BASE_DIR)} ({out['seconds']} s since the script started)")
    return out


def parser(name, doc, quick, default, full):
    """--quick / (default) / --full, with what each mode runs in the help."""
    p = argparse.ArgumentParser(
        prog=f"bench/{name}.py",
        description=doc,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=f"modes:\n  --quick   {quick}\n  default   {default}\n  --full    {full}",
    )
    group = p.add_mutually_exclusive_group()
    group.add_argument(
        "--quick", dest="mode", action="store_const", const="quick", help="smallest run (smoke)"
    )
    group.add_argument("--full", dest="mode", action="store_const", const="full", help="largest run")
    p.add_argument(
        "--env",
        action="append",
        default=[],
        type=env_pair,
        metavar="KEY=VALUE",
        help="add to the environment of every process of the deployment (repeatable)",
    )
    p.add_argument(
        "--process",
        action="append",
        default=[],
        metavar="COMMAND",
        help="start COMMAND in the deployment's environment before the servers, "
        "e.g. 'celery -A project worker' (repeatable)",
    )
    p.set_defaults(mode="default")
    return p


def env_pair(text):
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key, value
