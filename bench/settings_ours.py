"""Our shop as deployed (project.settings.production) plus two bench-only
additions: a query counter (bench/querycount.py) and the URL of a view that
streams a file from Django itself (bench/urls_ours.py), the delivery baseline.
Never used outside bench/."""

from project.settings.production import *  # noqa: F401,F403
from project.settings.production import MIDDLEWARE

MIDDLEWARE = ["bench.querycount.QueryCountMiddleware", *MIDDLEWARE]
ROOT_URLCONF = "bench.urls_ours"
