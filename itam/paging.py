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
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from django.core.paginator import Page, Paginator
from django.db import connections, transaction
from django.db.models import QuerySet
from django.db.models.query import ModelIterable


@contextmanager
def joins_in_written_order(using: str = "default") -> Iterator[None]:
    """Within the block, PostgreSQL joins in the order the SQL names the tables.

    Only for queries whose driving table is already narrowed to a handful of rows by primary key;
    the previous setting comes back afterwards, even inside an outer transaction.
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('join_collapse_limit'), "
            "set_config('join_collapse_limit', '1', true)"
        )
        previous = cursor.fetchone()[0]
        yield
        # On an error the savepoint's rollback undoes the setting by itself.
        cursor.execute("SELECT set_config('join_collapse_limit', %s, true)", [previous])


def rows_for_ids(queryset: QuerySet, ids: Sequence) -> list:
    """The rows of ``queryset`` whose primary keys are ``ids``, in the order of ``ids``."""
    if not ids:
        return []
    with joins_in_written_order(queryset.db):
        rows = list(queryset.order_by().filter(pk__in=ids))
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

    def page(self, number) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        queryset = self.object_list
        if not _plain_rows(queryset):
            return self._get_page(queryset[bottom:top], number, self)
        ids = list(queryset.values_list("pk", flat=True)[bottom:top])
        return self._get_page(rows_for_ids(queryset, ids), number, self)


def _plain_rows(queryset: object) -> bool:
    if not isinstance(queryset, QuerySet) or queryset._iterable_class is not ModelIterable:
        return False
    query = queryset.query
    return not (query.is_sliced or query.combinator or query.distinct)
