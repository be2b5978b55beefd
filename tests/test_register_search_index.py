"""The register's search is served by the trigram indexes of migration assets.0011 (PostgreSQL)."""

import pytest
from django.db import connection
from django.test import RequestFactory

from assets.filters import AssetFilterSet
from assets.models import Asset
from tests.factories import make_asset, make_user

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's pg_trgm"),
]


def test_a_search_for_part_of_a_serial_number_reads_the_trigram_indexes():
    make_asset(serial_number="SN900054321", name="ThinkPad")
    make_asset(serial_number="SN111", name="Dock")
    request = RequestFactory().get("/assets/", {"q": "0054"})
    request.user = make_user("it")
    found = AssetFilterSet(request.GET, queryset=Asset.objects.all(), request=request).qs
    assert [a.serial_number for a in found] == ["SN900054321"]

    sql, params = found.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a table this small is read whole
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    for column in ("tag", "name", "serial_number"):
        assert f"asset_{column}_trigrams" in plan, plan
