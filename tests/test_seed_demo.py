"""``seed_demo``: a demo organisation with every state, every role and a believable history."""

from __future__ import annotations

import datetime
import itertools
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone

from assets.choices import AssetStatus
from assets.models import Asset, Department, WipeRecord

User = get_user_model()
History = Asset.history.model
ROLE_GROUPS = ["Employees", "Managers", "IT staff", "Auditors"]

pytestmark = pytest.mark.django_db


def seed(assets: int = 24) -> str:
    out = StringIO()
    call_command("seed_demo", assets=assets, stdout=out)
    return out.getvalue()


def test_every_status_is_represented() -> None:
    seed()
    statuses = set(Asset.objects.values_list("status", flat=True))
    assert statuses == set(AssetStatus.values)
    assert Asset.objects.count() == 24


def test_people_in_every_role_and_every_department_has_a_manager() -> None:
    output = seed()
    for group in ROLE_GROUPS:
        assert User.objects.filter(groups__name=group).exists(), group
    assert User.objects.filter(is_superuser=True, username="admin").exists()
    assert User.objects.filter(groups__name="IT staff").count() == 2
    for department in Department.objects.all():
        assert department.manager is not None, department
        assert department.manager.profile.department == department
    # the logins are printed for the person who ran it
    for username in ["admin", "priya.shah", "olivia.reed", "maria.garcia", "sam.taylor"]:
        assert username in output
    assert "itam-demo" in output


def test_demo_logins_work() -> None:
    seed()
    assert User.objects.get(username="sam.taylor").check_password("itam-demo")


def test_history_has_users_reasons_and_past_timestamps() -> None:
    # given a demo made today
    before = timezone.now()
    seed()
    rows = History.objects.all()
    # then every history row says who, why and which move, and happened in the past two years
    assert rows.count() > Asset.objects.count()
    assert not rows.filter(history_user__isnull=True).exists()
    assert not rows.filter(history_change_reason="").exists()
    assert not rows.filter(history_action="").exists()
    assert not rows.filter(history_date__gt=before).exists()
    oldest = rows.order_by("history_date").first().history_date
    assert oldest < before - datetime.timedelta(days=180)
    assert oldest > before - datetime.timedelta(days=800)


def test_each_history_replays_as_a_chain_of_moves() -> None:
    seed()
    for asset in Asset.objects.all():
        rows = list(asset.history.order_by("history_date", "history_id"))
        assert rows[0].history_action == "register"
        assert rows[-1].status == asset.status
        for previous, row in itertools.pairwise(rows):
            assert row.history_date > previous.history_date
            assert row.history_from_status == previous.status, (asset.tag, row.history_action)
        assert asset.created_at <= rows[0].history_date


def test_disposed_data_holding_assets_were_wiped_and_verified_first() -> None:
    seed(assets=60)
    disposed = Asset.objects.filter(status=AssetStatus.DISPOSED, category__holds_data=True)
    assert disposed.exists()
    for asset in disposed:
        wipe = WipeRecord.objects.filter(asset=asset, verified_by__isnull=False).get()
        assert wipe.verified_by != wipe.performed_by
        assert wipe.performed_on <= asset.disposal.disposed_on


def test_a_second_run_creates_nothing() -> None:
    seed()
    counts = (Asset.objects.count(), History.objects.count(), User.objects.count())
    output = seed()
    assert "already seeded" in output
    assert (Asset.objects.count(), History.objects.count(), User.objects.count()) == counts


def test_refuses_a_database_that_holds_someone_elses_data() -> None:
    User.objects.create_user("admin", password="x")
    with pytest.raises(CommandError, match="empty database"):
        seed()
    assert not Asset.objects.exists()


class _Undo(Exception):
    """Raised to roll a first seeding back, so the same database can be seeded again."""


def test_is_deterministic() -> None:
    # given a demo seeded and then rolled back
    try:
        with transaction.atomic():
            seed()
            first = list(Asset.objects.order_by("tag").values_list("tag", "name", "status"))
            raise _Undo
    except _Undo:
        pass
    assert not Asset.objects.exists()
    # when it is seeded again, then it is the same demo
    seed()
    assert list(Asset.objects.order_by("tag").values_list("tag", "name", "status")) == first
