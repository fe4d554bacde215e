"""Our shop as deployed (project.settings.production) plus bench-only
middleware: a query counter (bench/querycount.py: X-Bench-Queries on every
response) and the answering worker's pid (bench/worker_pid.py:
X-Bench-Worker). Never used outside bench/."""

from project.settings.production import *  # noqa: F401,F403
from project.settings.production import MIDDLEWARE

MIDDLEWARE = ["bench.worker_pid.WorkerPidMiddleware", "bench.querycount.QueryCountMiddleware", *MIDDLEWARE]
