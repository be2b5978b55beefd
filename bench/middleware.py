"""Counts each request's SQL queries and their time, for the benchmark's client to read.

Only installed when the environment sets ``ITAM_BENCH_SQL=1`` (see ``itam/settings.py``); never on
in production. The answer carries ``X-Bench-Queries`` and ``X-Bench-SQL-ms``.
"""

import time
from collections.abc import Callable

from django.db import connection
from django.http import HttpRequest, HttpResponse


class _Counter:
    def __init__(self) -> None:
        self.queries = 0
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.queries += 1


class SQLCountMiddleware:
    """Wraps the request in ``connection.execute_wrapper`` and reports what it saw in headers."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        counter = _Counter()
        with connection.execute_wrapper(counter):
            response = self.get_response(request)
        response["X-Bench-Queries"] = str(counter.queries)
        response["X-Bench-SQL-ms"] = f"{counter.seconds * 1000:.2f}"
        return response
