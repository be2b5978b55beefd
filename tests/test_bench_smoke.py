"""The benchmark's data builder at a tiny size, and its SQL-count middleware staying off.

The benchmark itself (``make bench``) is not part of CI; this keeps its builder honest: the
counts it promises and the model's constraints (one holder per deployed asset and one open
assignment, no holder otherwise, one long history).
"""

import importlib

import pytest
from django.db.models import Count, Q
from django.test import Client, override_settings

from assets.models import Asset, Assignment, Location
from audits.models import AuditSession
from bench.build import Sizes, build
from maintenance.models import LicenseSeat, SoftwareLicense

TINY = Sizes(assets=60, history=600, people=30, licenses=20, long_history=100, audits=2)


@pytest.mark.django_db(transaction=True)
def test_tiny_build_counts_and_constraints():
    built = build(TINY, log=lambda message: None)

    assert Asset.objects.count() == 60
    assert Asset.history.model.objects.count() == 600
    long = Asset.objects.get(tag=built.long_tag)
    assert long.history.count() == 100
    assert long.history.filter(history_type="+").count() == 1
    # Every asset has its creation row and at least one more.
    per_asset = Asset.history.model.objects.values("id").annotate(n=Count("history_id"))
    assert len(per_asset) == 60 and min(row["n"] for row in per_asset) >= 2

    deployed = Asset.objects.filter(status="deployed")
    assert deployed.exists()
    assert not deployed.filter(assigned_user__isnull=True).exists()
    assert (
        not Asset.objects.exclude(status="deployed")
        .filter(
            Q(assigned_user__isnull=False)
            | Q(assigned_location__isnull=False)
            | Q(assigned_department__isnull=False)
        )
        .exists()
    )
    open_assignments = Assignment.objects.filter(ended_at__isnull=True)
    assert open_assignments.count() == deployed.count()
    assert set(open_assignments.values_list("asset_id", flat=True)) == set(
        deployed.values_list("pk", flat=True)
    )
    assert not Asset.objects.filter(
        status__in=["retired", "disposed"], retired_at__isnull=True
    ).exists()

    assert SoftwareLicense.objects.count() == 20
    for license in SoftwareLicense.objects.annotate(used=Count("seat_assignments")):
        assert 1 <= license.used <= license.seats
    assert not LicenseSeat.objects.filter(user__isnull=True).exists()

    assert Location.objects.filter(kind="room", parent__parent__parent__kind="site").exists()
    assert AuditSession.objects.filter(status="open").count() == 2 == len(built.audit_ids)


def test_the_sql_counter_is_off_unless_asked_for(client: Client, settings, monkeypatch):
    assert "bench.middleware.SQLCountMiddleware" not in settings.MIDDLEWARE
    response = client.get("/accounts/login/")
    assert "X-Bench-Queries" not in response.headers

    # With ITAM_BENCH_SQL=1 the settings install it.
    import itam.settings as itam_settings

    monkeypatch.setenv("ITAM_BENCH_SQL", "1")
    try:
        reloaded = importlib.reload(itam_settings)
        middleware = list(reloaded.MIDDLEWARE)
    finally:
        monkeypatch.delenv("ITAM_BENCH_SQL")
        importlib.reload(itam_settings)
    assert middleware[0] == "bench.middleware.SQLCountMiddleware"
    assert "bench.middleware.SQLCountMiddleware" not in itam_settings.MIDDLEWARE


@pytest.mark.django_db
def test_the_sql_counter_reports_queries_and_time(client: Client, settings):
    with override_settings(
        MIDDLEWARE=["bench.middleware.SQLCountMiddleware", *settings.MIDDLEWARE]
    ):
        response = client.get("/accounts/login/")
    assert int(response.headers["X-Bench-Queries"]) >= 0
    assert float(response.headers["X-Bench-SQL-ms"]) >= 0


@pytest.mark.django_db
def test_register_status_filter_needs_no_distinct(client: Client):
    """SELECT DISTINCT over every column sorted all matching rows: 300 ms at 100,000 assets."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import make_user

    client.force_login(make_user("it"))
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/assets/?status=deployed&status=in_stock&ordering=-purchase_date")
    assert response.status_code == 200
    register = [q["sql"] for q in queries.captured_queries if 'FROM "assets_asset"' in q["sql"]]
    assert register and not any("DISTINCT" in sql for sql in register)
