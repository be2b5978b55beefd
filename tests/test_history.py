"""History as the forensic record: the timeline of one asset, and the register as of a moment."""

import pytest
from django.utils import timezone

from assets import lifecycle
from assets.choices import AssetStatus
from assets.history import register_as_of, timeline
from assets.views.detail import HISTORY_SHOWN
from tests.factories import LocationFactory, it_robot, make_asset, make_user

pytestmark = pytest.mark.django_db


def test_timeline_says_who_when_what_and_why_newest_first():
    actor = it_robot()
    holder = make_user("employee", first_name="Grace", last_name="Hopper")
    asset = make_asset("in_stock", name="ThinkPad")
    lifecycle.deploy(asset, to=holder, actor=actor, reason="New starter")
    lifecycle.update_details(asset, actor=actor, reason="Clarify", notes="Has a dock")

    entries = timeline(asset)

    assert [e.action for e in entries] == ["edit", "deploy", "register"]
    deploy = entries[1]
    assert (deploy.user, deploy.reason, deploy.from_status, deploy.to_status) == (
        actor.username,
        "New starter",
        "in_stock",
        "deployed",
    )
    changed = {c.label: (c.old, c.new) for c in deploy.changes}
    assert changed["Status"] == ("In stock", "Deployed")
    assert changed["Held by (person)"] == ("", "Grace Hopper")
    assert {c.field: c.new for c in entries[0].changes} == {"notes": "Has a dock"}


def test_register_as_of_a_past_moment_matches_what_was_true_then():
    # Given laptop A registered, then a moment, then A deployed and laptop B registered
    actor = it_robot()
    store = LocationFactory(name="Store")
    a = make_asset("in_stock", name="Laptop A", location=store)
    then = timezone.now()
    lifecycle.deploy(a, to=make_user("employee"), actor=actor)
    b = make_asset("in_stock", name="Laptop B")
    lifecycle.retire(b, actor=actor, reason="Dead on arrival")

    # When the register is rebuilt as it stood at that moment
    past = {row.tag: row for row in register_as_of(then)}
    now = {row.tag: row for row in register_as_of(timezone.now())}

    # Then A was in stock at the store and B did not exist yet
    assert set(past) == {a.tag}
    assert past[a.tag].status == AssetStatus.IN_STOCK
    assert past[a.tag].location_id == store.pk
    assert past[a.tag].assigned_user_id is None
    # And today's register has A deployed and B retired
    assert now[a.tag].status == AssetStatus.DEPLOYED
    assert now[b.tag].status == AssetStatus.RETIRED


def test_register_as_of_can_be_filtered_like_the_live_register():
    a = make_asset("in_stock")
    make_asset("missing")
    rows = register_as_of(timezone.now()).filter(status=AssetStatus.IN_STOCK)
    assert [r.tag for r in rows] == [a.tag]


def test_newest_entries_still_say_what_the_oldest_shown_one_changed():
    actor = it_robot()
    asset = make_asset("in_stock", name="v0")
    for n in range(1, 6):
        lifecycle.update_details(asset, actor=actor, reason=f"rename {n}", name=f"v{n}")
    newest = timeline(asset, limit=3)
    assert [e.reason for e in newest] == ["rename 5", "rename 4", "rename 3"]
    assert {c.field: (c.old, c.new) for c in newest[-1].changes} == {"name": ("v2", "v3")}
    assert [e.reason for e in timeline(asset, limit=10)] == [e.reason for e in timeline(asset)]


def test_asset_page_shows_the_newest_fifty_and_offers_all(client):
    actor = it_robot()
    asset = make_asset("in_stock", name="v0")
    for n in range(1, HISTORY_SHOWN + 10):
        lifecycle.update_details(asset, actor=actor, reason=f"rename {n}", name=f"v{n}")
    client.force_login(make_user("it"))
    page = client.get(asset.get_absolute_url()).content.decode()
    assert page.count('class="timeline__item"') == HISTORY_SHOWN
    assert f"Show all {HISTORY_SHOWN + 10} entries" in page
    assert "rename 59" in page and "rename 9<" not in page
    everything = client.get(asset.get_absolute_url(), {"history": "all"}).content.decode()
    assert everything.count('class="timeline__item"') == HISTORY_SHOWN + 10
    assert "Show all" not in everything
