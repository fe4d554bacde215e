"""Profile one page in-process (bench.task helper): where the time and the queries go.

python -m bench.task bench.profile_page:run '{"url": "/all-titles/"}'
"""

import cProfile
import io
import pstats
import time

from django.db import connection
from django.test import Client


def run(url, top=25, repeat=5):
    client = Client(HTTP_HOST="127.0.0.1")
    client.get(url)
    queries = []

    def log(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(log):
        response = client.get(url)
    times = []
    profile = cProfile.Profile()
    for _ in range(repeat):
        start = time.perf_counter()
        profile.enable()
        client.get(url)
        profile.disable()
        times.append((time.perf_counter() - start) * 1000)
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(top)
    print(out.getvalue())
    for sql in queries:
        print(sql[:200])
    return {"status": response.status_code, "queries": len(queries), "ms": times}
