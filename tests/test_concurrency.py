"""Races on PostgreSQL, in real threads with their own connections: one winner, no shared tags."""

import threading

import pytest
from django.db import connection, connections

from assets import lifecycle
from assets.choices import AssetStatus
from assets.lifecycle import TransitionRefused
from assets.models import Asset
from tests.factories import CategoryFactory, it_robot, make_asset, make_user

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks need PostgreSQL (CI always has it)"
    ),
]


def race(workers: list) -> list:
    """Start every worker at the same instant, each in its own thread and DB connection."""
    barrier = threading.Barrier(len(workers))
    results: list = [None] * len(workers)

    def run(index, work):
        try:
            barrier.wait(timeout=10)
            results[index] = work()
        except Exception as error:  # the loser's refusal is a result too
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, w)) for i, w in enumerate(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_two_concurrent_deploys_of_one_asset_have_exactly_one_winner():
    # Given one laptop in stock and two people who each want it
    actor = it_robot()
    asset = make_asset("in_stock")
    alice, bob = make_user("employee", username="alice"), make_user("employee", username="bob")

    # When two IT staff deploy it at the same moment
    results = race(
        [
            lambda: lifecycle.deploy(Asset.objects.get(pk=asset.pk), to=alice, actor=actor),
            lambda: lifecycle.deploy(Asset.objects.get(pk=asset.pk), to=bob, actor=actor),
        ]
    )

    # Then exactly one wins, the other is refused because it is already deployed
    winners = [r for r in results if isinstance(r, Asset)]
    refusals = [r for r in results if isinstance(r, TransitionRefused)]
    assert len(winners) == 1, results
    assert len(refusals) == 1, results
    assert refusals[0].current_status == AssetStatus.DEPLOYED
    asset.refresh_from_db()
    assert asset.assigned_user == winners[0].assigned_user
    assert asset.history.filter(history_action="deploy").count() == 1


def test_concurrent_registrations_never_share_a_tag():
    actor = it_robot()
    category = CategoryFactory()
    per_worker = 5

    def register_batch():
        return [
            lifecycle.register(actor=actor, name="Phone", category=category).tag
            for _ in range(per_worker)
        ]

    results = race([register_batch for _ in range(4)])
    tags = [tag for batch in results for tag in batch]
    assert len(tags) == 4 * per_worker
    assert len(set(tags)) == len(tags)
    assert Asset.objects.count() == len(tags)
