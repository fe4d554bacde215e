"""Our shop as deployed (project.settings.production) plus a bench-only
query counter (bench/querycount.py: X-Bench-Queries on every response).
Never used outside bench/."""

from project.settings.production import *  # noqa: F401,F403
from project.settings.production import MIDDLEWARE

MIDDLEWARE = ["bench.querycount.QueryCountMiddleware", *MIDDLEWARE]
