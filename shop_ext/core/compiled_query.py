"""A query compiled once per process and run again with other values.

Building a queryset and compiling its SQL (joins, select_related, subquery
annotations) costs milliseconds of CPU per request, the same every time
for a hot path whose query differs only in a few values. ``CompiledQuery``
builds it once with marker values, keeps the compiler and its SQL, and
for each call puts the real values where the markers were; the rows
become model instances through the ORM's own iterable, so select_related
objects and annotations are there as usual. Relies on Django's compiler
contract (``Query.get_compiler``, ``SQLCompiler.as_sql`` called by
``execute_sql``), pinned by tests/integration/core/test_compiled_query.py
on both databases.
"""

import copy

from django.db import connections
from django.db.models import QuerySet

# Values no primary key takes: where they land in the compiled parameters,
# a call's values go.
MARKERS = (-730_000_001, -730_000_002, -730_000_003)


class CompiledQuery:
    def __init__(self, build):
        """``build(*values)``: the queryset for these values (each used once
        as a parameter of the query)."""
        self.build = build
        self.compiled = {}  # database vendor: (queryset, compiler, sql, params, positions)

    def _compile(self, arity):
        queryset = self.build(*MARKERS[:arity])
        compiler = queryset.query.get_compiler(queryset.db)
        sql, params = compiler.as_sql()
        positions = []
        for marker in MARKERS[:arity]:
            if list(params).count(marker) != 1:
                raise ValueError(f"each value must be one parameter of the query: {sql}")
            positions.append(list(params).index(marker))
        return queryset, compiler, sql, tuple(params), positions

    def first(self, *values):
        """The first row for these values, or None."""
        connection = connections["default"]
        if connection.vendor not in self.compiled:
            self.compiled[connection.vendor] = self._compile(len(values))
        queryset, compiler, sql, params, positions = self.compiled[connection.vendor]
        params = list(params)
        for position, value in zip(positions, values, strict=True):
            params[position] = value
        run = copy.copy(compiler)
        run.connection = connection  # this thread's, not the compiling one's
        run.as_sql = lambda *args, **kwargs: (sql, tuple(params))
        query = copy.copy(queryset.query)
        query.get_compiler = lambda *args, **kwargs: run
        rows = list(QuerySet(model=queryset.model, query=query, using=queryset.db))
        return rows[0] if rows else None
