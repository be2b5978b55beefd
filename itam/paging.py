"""Paging long, joined lists cheaply on PostgreSQL: the register and the API's asset list.

Two costs grow with such a list, and both were measured on the benchmark's 100,000 assets:

- ``OFFSET``: ``ORDER BY tag LIMIT 50 OFFSET 24950`` over the row query joins every *skipped* row
  to its category, model, location, holder... (page 500: 25,000 joined rows, 100 ms). Asking for
  the page's ids first touches only the asset table and the columns that filter or sort it (an
  index scan), and the joins then run for the 50 rows shown.
- Planning: the row query joins 8 to 16 relations, and PostgreSQL's search over their join
  orders cost 15 ms (register) to 90 ms (API, whose locations carry their paths) per request,
  more than running the query. For 50 known primary keys the best order is plain (the assets,
  then each lookup), so the planner is told to keep the written order for that one query.
- Few matches: with ``ORDER BY tag LIMIT 50`` and a filter that matches a handful of rows (a
  search for part of a serial number), the planner walks the tag's index and tests every row.
  The count, asked first, says how many match; when few do, the page's ids are planned without
  index scans, so the filter's own indexes find the rows and they are sorted after.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db import connections, transaction
from django.db.models import QuerySet
from django.db.models.query import ModelIterable
from django.utils.functional import cached_property


class PlannerSettings:
    """PostgreSQL planner settings changed inside one transaction (``set_config(..., true)``).

    ``change`` records each setting's value before its first change; ``None`` as a value puts
    that one back. Ending the transaction undoes them all; inside an outer transaction (where
    our block is only a savepoint) they are put back explicitly when the block ends.
    """

    def __init__(self, cursor: Any) -> None:
        self.cursor = cursor
        self.before: dict[str, str] = {}

    def change(self, settings: dict[str, str | None]) -> None:
        names = [name for name in settings if settings[name] is not None or name in self.before]
        if not names:
            return
        parts = []
        params: list[str] = []
        for name in names:
            value = settings[name] if settings[name] is not None else self.before[name]
            parts.append("current_setting(%s), set_config(%s, %s, true)")
            params += [name, name, value]
        self.cursor.execute("SELECT " + ", ".join(parts), params)
        current = self.cursor.fetchone()[0::2]
        for name, value in zip(names, current, strict=True):
            self.before.setdefault(name, value)

    def put_back(self) -> None:
        self.change(dict.fromkeys(self.before))


@contextmanager
def planner_settings(using: str = "default") -> Iterator[PlannerSettings | None]:
    """A transaction whose planner settings may be changed; ``None`` off PostgreSQL.

    On an error the block's rollback undoes the settings by itself.
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        yield None
        return
    nested = connection.in_atomic_block
    with transaction.atomic(using=using), connection.cursor() as cursor:
        planner = PlannerSettings(cursor)
        yield planner
        if nested:
            planner.put_back()


# For 50 known primary keys the best join order is the written one (see above).
JOINS_AS_WRITTEN = {"join_collapse_limit": "1"}
# A page of few matches: find them by the filter's indexes (bitmap scans), then sort (see above).
FILTER_FIRST = {"enable_indexscan": "off", "enable_indexonlyscan": "off"}
FEW_ROWS = 500
# The tables a query reads, subqueries included (every FROM and JOIN names one).
_TABLES_READ = re.compile(r'(?:FROM|JOIN)\s+"([^"]+)"')


@contextmanager
def joins_in_written_order(using: str = "default") -> Iterator[None]:
    """Within the block, PostgreSQL joins in the order the SQL names the tables.

    Only for queries whose driving table is already narrowed to a handful of rows by primary key.
    """
    with planner_settings(using) as planner:
        if planner:
            planner.change(JOINS_AS_WRITTEN)
        yield


def _in_order(rows: list, ids: Sequence) -> list:
    position = {pk: index for index, pk in enumerate(ids)}
    rows.sort(key=lambda row: position[row.pk])
    return rows


class DeferredJoinPaginator(Paginator):
    """A ``Paginator`` that fetches a page's ids first, then joins only those rows (see above).

    The order must be total (end with a unique key) for pages not to overlap, as with any
    paginator. Filters must not join many-valued relations (a row repeated by a join would be
    counted twice but shown once). Anything but a plain queryset of model rows (a list, values,
    DISTINCT, a slice or a union) is paged the ordinary way.
    """

    def __init__(self, *args: Any, settled_for: int = 0, **kwargs: Any) -> None:
        """``settled_for``: seconds the count may be kept, for a list that cannot change any more
        (the register as it stood on a day that has ended); 0 counts on every page."""
        super().__init__(*args, **kwargs)
        self.settled_for = settled_for

    @cached_property
    def count(self) -> int:
        """As Django's, kept in the cache for a settled list: counting the register as of a past
        day reads every history row up to then (about 0.5 s at 1,000,000 rows), and people page
        through it. The key is the count's own SQL. Only a count that reads its own table alone
        is kept: one that joins or looks up another (a category's slug, a department's manager
        for a manager's view) could change with that table, so it is counted every time."""
        queryset = self.object_list
        if not self.settled_for or not isinstance(queryset, QuerySet):
            return super().count
        sql, params = queryset.order_by().select_related(None).query.sql_with_params()
        if set(_TABLES_READ.findall(sql)) != {queryset.model._meta.db_table}:
            return super().count
        digest = hashlib.sha256(repr((queryset.db, sql, params)).encode()).hexdigest()
        key = f"itam:settled-count:{digest}"
        count = cache.get(key)
        if count is None:
            count = queryset.count()
            cache.set(key, count, self.settled_for)
        return count

    def page(self, number) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        queryset = self.object_list
        if not _plain_rows(queryset):
            return self._get_page(queryset[bottom:top], number, self)
        if top <= bottom:
            return self._get_page([], number, self)
        # One transaction for both steps, so the settings cost one statement each.
        with planner_settings(queryset.db) as planner:
            few = self.count <= FEW_ROWS
            if planner and few:
                planner.change(FILTER_FIRST)
            ids = list(queryset.values_list("pk", flat=True)[bottom:top])
            if planner and ids:
                back = dict.fromkeys(FILTER_FIRST) if few else {}
                planner.change({**back, **JOINS_AS_WRITTEN})
            rows = list(queryset.order_by().filter(pk__in=ids)) if ids else []
        return self._get_page(_in_order(rows, ids), number, self)


def _plain_rows(queryset: object) -> bool:
    if not isinstance(queryset, QuerySet) or queryset._iterable_class is not ModelIterable:
        return False
    query = queryset.query
    return not (query.is_sliced or query.combinator or query.distinct)
