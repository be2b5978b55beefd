"""Registering many assets at once (the importer's path): same records as register + deploy."""

import datetime
from decimal import Decimal

import pytest

from assets.choices import AssetStatus as S
from assets.lifecycle import MoveNotPermitted
from assets.lifecycle.intake import IntakeRefused, NewAsset, register_many, update_many
from assets.models import Asset, Assignment, ChecklistItem
from tests.factories import CategoryFactory, LocationFactory, make_asset, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def it():
    return make_user("it")


@pytest.fixture
def laptops():
    return CategoryFactory(name="Laptops", audit_interval_days=180)


def test_registers_and_deploys_with_the_history_of_the_one_by_one_moves(it, laptops):
    step = ChecklistItem.objects.create(category=laptops, text="Install VPN client")
    ann = make_user("employee", first_name="Ann", last_name="Lee")
    items = [
        NewAsset(fields={"name": "Spare", "category": laptops, "purchase_cost": Decimal("9")}),
        NewAsset(fields={"name": "Ann's", "category": laptops}, tag="OLD-7", holder=ann),
    ]
    spare, anns = register_many(items, actor=it, reason="Imported from CSV")

    assert spare.status == S.IN_STOCK and spare.tag.startswith("IT-")
    assert spare.next_audit_date == datetime.date.today() + datetime.timedelta(days=180)
    stored = Asset.objects.get(tag="OLD-7")
    assert stored.status == S.DEPLOYED and stored.assigned_user == ann
    assert stored.assigned_at is not None

    history = list(stored.history.order_by("history_id"))
    assert [(h.history_action, h.history_from_status, h.status) for h in history] == [
        ("register", "", S.IN_STOCK),
        ("deploy", S.IN_STOCK, S.DEPLOYED),
    ]
    assert history[0].assigned_user_id is None and history[1].assigned_user_id == ann.pk
    assert {h.history_user_id for h in history} == {it.pk}
    assert history[0].history_change_reason == "Imported from CSV"
    assert spare.history.get().history_type == "+"

    assignment = Assignment.objects.get(asset=stored)
    assert assignment.assigned_user == ann and assignment.ended_at is None
    assert assignment.checklist == [
        {"item": step.pk, "text": "Install VPN client", "required": True, "done": True}
    ]
    assert anns.pk == stored.pk


def test_sequence_tags_step_over_imported_ones_and_never_repeat(it, laptops):
    first = register_many(
        [NewAsset(fields={"name": "a", "category": laptops})], actor=it, reason=""
    )
    second = register_many(
        [NewAsset(fields={"name": f"b{i}", "category": laptops}) for i in range(3)],
        actor=it,
        reason="",
    )
    tags = [a.tag for a in first + second]
    assert len(set(tags)) == 4 and tags == sorted(tags)


def test_every_bad_item_is_named_and_nothing_is_written(it, laptops):
    gone = make_user("employee", username="gone", is_active=False)
    make_asset(category=laptops, tag="USED-1")
    items = [
        NewAsset(fields={"name": "ok", "category": laptops}),
        NewAsset(fields={"name": "x", "category": laptops, "purchase_cost": Decimal("-1")}),
        NewAsset(fields={"name": "y", "category": laptops}, holder=gone),
        NewAsset(fields={"name": "z", "category": laptops}, tag="used-1"),
        NewAsset(fields={"name": "w", "category": laptops}, tag="NEW 1"),
        NewAsset(fields={"name": "v", "category": laptops}, tag="DUP-1"),
        NewAsset(fields={"name": "u", "category": laptops}, tag="dup-1"),
    ]
    before = Asset.objects.count()
    with pytest.raises(IntakeRefused) as refused:
        register_many(items, actor=it, reason="")
    problems = refused.value.problems
    assert sorted(problems) == [1, 2, 3, 4, 6]
    assert "purchase_cost" in problems[1].message_dict
    assert "inactive" in problems[2].messages[0]
    assert "never reused" in problems[3].messages[0]
    assert "letters, digits" in problems[4].messages[0]
    assert "twice" in problems[6].messages[0]
    assert Asset.objects.count() == before


def test_a_tag_only_in_the_history_is_refused(it, laptops):
    """A deleted (withdrawn) asset's tag stays taken: labels must never point at two things."""
    asset = make_asset(category=laptops, tag="GONE-1")
    asset.delete()
    with pytest.raises(IntakeRefused):
        register_many(
            [NewAsset(fields={"name": "n", "category": laptops}, tag="GONE-1")], actor=it, reason=""
        )


@pytest.mark.parametrize("role", ["employee", "manager", "auditor"])
def test_only_those_who_register_assets_may(role, laptops):
    with pytest.raises(MoveNotPermitted):
        register_many(
            [NewAsset(fields={"name": "n", "category": laptops})],
            actor=make_user(role),
            reason="",
        )
    assert not Asset.objects.exists()


def test_fixed_number_of_queries_whatever_the_batch(it, laptops, django_assert_max_num_queries):
    people = [make_user("employee") for _ in range(5)]
    items = [
        NewAsset(fields={"name": f"n{i}", "category": laptops}, holder=people[i % 5])
        for i in range(200)
    ]
    with django_assert_max_num_queries(20):
        register_many(items, actor=it, reason="")
    assert Asset.objects.filter(status=S.DEPLOYED).count() == 200


def test_update_many_edits_changed_assets_and_refuses_what_update_details_refuses(it, laptops):
    same = make_asset(category=laptops, name="Same")
    renamed = make_asset(category=laptops, name="Old")
    lost = make_asset("missing", category=laptops, name="Lost")
    annex = LocationFactory(name="Annex")
    with pytest.raises(IntakeRefused) as refused:
        update_many(
            [(same, {"name": "Same"}), (renamed, {"name": "New"}), (lost, {"location": annex})],
            actor=it,
            reason="Imported from CSV",
        )
    assert list(refused.value.problems) == [2]
    assert "cannot be moved" in refused.value.problems[2].messages[0]
    renamed.refresh_from_db()
    assert renamed.name == "Old"

    changed = update_many(
        [(same, {"name": "Same"}), (renamed, {"name": "New"})], actor=it, reason="Imported"
    )
    assert [a.pk for a in changed] == [renamed.pk]
    renamed.refresh_from_db()
    assert renamed.name == "New" and renamed.status == S.IN_STOCK
    assert same.history.count() == 1  # only its registration
    assert renamed.history.order_by("-history_id").first().history_action == "edit"


def test_update_many_needs_the_right_to_edit(laptops):
    asset = make_asset(category=laptops, name="Old")
    with pytest.raises(MoveNotPermitted):
        update_many([(asset, {"name": "New"})], actor=make_user("auditor"), reason="")
    asset.refresh_from_db()
    assert asset.name == "Old"
