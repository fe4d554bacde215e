"""Middleware for the benchmarks only: the pid of the gunicorn worker that
answered, in ``X-Bench-Worker``, so a deployment can wait until every worker
has booted (bench/stack.py, wait_until_booted)."""

import os


class WorkerPidMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response["X-Bench-Worker"] = str(os.getpid())
        return response
