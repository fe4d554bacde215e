"""Middleware for the benchmarks only: counts the SQL queries of a request
(every query the connection runs, from the first middleware to the last byte
of the rendered response) and returns the count in ``X-Bench-Queries``.
Works with DEBUG off (connection.execute_wrapper, not connection.queries)."""

from django.db import connection


class QueryCountMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        count = [0]

        def counter(execute, sql, params, many, context):
            count[0] += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counter):
            response = self.get_response(request)
            if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response.render()
        response["X-Bench-Queries"] = str(count[0])
        return response
