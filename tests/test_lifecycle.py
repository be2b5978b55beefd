"""The lifecycle engine: every (state, move) pair, permissions per role, and the disposal rule."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from assets import lifecycle
from assets.choices import AssetStatus
from assets.lifecycle import MOVES, MoveNotPermitted, TransitionRefused
from assets.models import Asset, DisposalRecord, WipeRecord
from tests.factories import CategoryFactory, LocationFactory, it_robot, make_asset, make_user

pytestmark = pytest.mark.django_db

STATUSES = [s.value for s in AssetStatus]


def attempt(move: str, asset: Asset, actor) -> Asset:
    """Make ``move`` with valid input, so only the state table (or permission) can refuse it."""
    reason = f"Testing {move}"
    if move in ("deploy", "transfer"):
        return getattr(lifecycle, move)(
            asset, to=make_user("employee", username="new-holder"), actor=actor, reason=reason
        )
    if move == "found":
        return lifecycle.mark_found(asset, actor=actor, reason=reason)
    if move == "wipe":
        lifecycle.wipe(
            asset,
            actor=actor,
            method="purge",
            performed_by=actor,
            verified_by=make_user("it", username="verifier"),
            reason=reason,
        )
        return Asset.objects.get(pk=asset.pk)
    if move == "dispose":
        return lifecycle.dispose(asset, actor=actor, method="recycle", reason=reason)
    return getattr(lifecycle, move)(asset, actor=actor, reason=reason)


def expected_target(move: str, source: str) -> str:
    if move == "complete_maintenance":
        return AssetStatus.IN_STOCK  # the asset in this matrix went into maintenance from stock
    return MOVES[move].targets[0]


@pytest.mark.parametrize("source", STATUSES)
@pytest.mark.parametrize("move", list(MOVES))
def test_every_state_and_move_pair(source, move):
    # Given an asset in `source` (a category that holds no data, so disposal needs no wipe)
    actor = make_user("it", username="it-actor")
    asset = make_asset(source, category=CategoryFactory(holds_data=False))
    history_before = asset.history.count()

    if source in MOVES[move].sources:
        # When an IT staff member makes an allowed move
        moved = attempt(move, asset, actor)
        # Then the status follows the table and exactly one history row says who, why, from, to
        assert moved.status == expected_target(move, source)
        assert asset.history.count() == history_before + 1
        row = asset.history.latest()
        assert row.history_user == actor
        # (maintenance moves also name their maintenance record before the reason)
        assert row.history_change_reason.endswith(f"Testing {move}")
        if "maintenance" not in move:
            assert row.history_change_reason == f"Testing {move}"
        assert row.history_action == move
        assert row.history_from_status == source
        assert row.status == moved.status
    else:
        # When the move is not in the table, it is refused, naming the state and allowed moves
        with pytest.raises(TransitionRefused) as refused:
            attempt(move, asset, actor)
        assert refused.value.current_status == source
        assert AssetStatus(source).label.lower() in refused.value.message
        assert refused.value.allowed_moves == [
            m.name for m in MOVES.values() if source in m.sources
        ]
        # And nothing changed
        asset.refresh_from_db()
        assert asset.status == source
        assert asset.history.count() == history_before
        assert not WipeRecord.objects.filter(asset=asset).exists()


def test_disposed_is_terminal_and_names_no_way_out():
    asset = make_asset("disposed")
    with pytest.raises(TransitionRefused, match="none"):
        lifecycle.reinstate(asset, actor=it_robot(), reason="Changed our mind")


def test_retiring_a_deployed_asset_says_to_check_it_in_first():
    asset = make_asset("deployed")
    with pytest.raises(TransitionRefused, match="Check it in first"):
        lifecycle.retire(asset, actor=it_robot(), reason="Old")


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("it", set(MOVES)),
        ("auditor", set()),  # auditors change assets only through audit outcomes
        ("manager", set()),
        ("employee", set()),
    ],
)
def test_each_role_may_make_exactly_its_moves(role, allowed):
    user = make_user(role)
    for move in MOVES:
        permitted = user.has_perm(MOVES[move].permission)
        assert permitted == (move in allowed), move


@pytest.mark.parametrize("role", ["auditor", "manager", "employee"])
def test_a_role_without_the_right_cannot_deploy_and_nothing_changes(role):
    asset = make_asset("in_stock")
    user = make_user(role)
    with pytest.raises(MoveNotPermitted):
        lifecycle.deploy(asset, to=user, actor=user, reason="Taking it")
    asset.refresh_from_db()
    assert asset.status == AssetStatus.IN_STOCK
    assert asset.assigned_user is None
    assert asset.history.count() == 1


def test_auditor_marks_missing_and_found_only_under_an_audits_permission():
    auditor = make_user("auditor")
    asset = make_asset("in_stock")
    with pytest.raises(MoveNotPermitted):
        lifecycle.mark_missing(asset, actor=auditor, reason="Not on the shelf")
    asset = lifecycle.mark_missing(
        asset, actor=auditor, reason="Audit AU-1", permission="audits.apply_auditsession"
    )
    asset = lifecycle.mark_found(
        asset, actor=auditor, reason="Audit AU-2", permission="audits.apply_auditsession"
    )
    assert asset.status == AssetStatus.IN_STOCK
    assert asset.history.latest().history_user == auditor
    # The override never helps someone without that permission either
    with pytest.raises(MoveNotPermitted):
        lifecycle.mark_missing(
            asset, actor=make_user("employee"), reason="x", permission="audits.apply_auditsession"
        )


@pytest.mark.parametrize("role", ["auditor", "manager", "employee"])
def test_only_it_staff_register_assets(role):
    with pytest.raises(MoveNotPermitted):
        lifecycle.register(actor=make_user(role), name="Laptop", category=CategoryFactory())
    assert not Asset.objects.exists()


def test_inactive_actor_cannot_move_anything():
    actor = make_user("it", is_active=False)
    asset = make_asset("in_stock")
    with pytest.raises(MoveNotPermitted):
        lifecycle.retire(asset, actor=actor, reason="Old")


class TestDeployment:
    def test_deploy_to_user_location_or_department_sets_exactly_one_holder(self):
        from tests.factories import DepartmentFactory

        actor = it_robot()
        for holder in (make_user("employee"), LocationFactory(), DepartmentFactory()):
            asset = lifecycle.deploy(make_asset("in_stock"), to=holder, actor=actor)
            assert asset.holder == holder
            assert asset.assigned_at is not None
            assert asset.history.latest().history_change_reason.startswith("Deployed to")

    def test_deploy_to_an_inactive_person_is_refused_clearly(self):
        leaver = make_user("employee", is_active=False)
        with pytest.raises(ValidationError, match="inactive"):
            lifecycle.deploy(make_asset("in_stock"), to=leaver, actor=it_robot())

    def test_expected_return_date_in_the_past_is_refused(self):
        asset = make_asset("in_stock")
        with pytest.raises(ValidationError, match="past"):
            lifecycle.deploy(
                asset,
                to=make_user("employee"),
                actor=it_robot(),
                expected_return_date=datetime.date(2000, 1, 1),
            )
        asset.refresh_from_db()
        assert asset.status == AssetStatus.IN_STOCK

    def test_transfer_to_the_same_holder_is_refused(self):
        holder = make_user("employee")
        asset = make_asset("deployed", holder=holder)
        with pytest.raises(ValidationError, match="already held"):
            lifecycle.transfer(asset, to=holder, actor=it_robot(), reason="Swap")

    def test_check_in_clears_the_holder_and_records_the_location(self):
        store = LocationFactory(name="Stock room")
        asset = lifecycle.check_in(make_asset("deployed"), actor=it_robot(), location=store)
        assert asset.holder is None
        assert asset.location == store

    def test_maintenance_from_deployed_returns_to_the_same_holder(self):
        holder = make_user("employee")
        asset = make_asset("in_maintenance_deployed", holder=holder)
        asset = lifecycle.complete_maintenance(asset, actor=it_robot(), reason="Fixed")
        assert asset.status == AssetStatus.DEPLOYED
        assert asset.assigned_user == holder

    def test_maintenance_can_end_in_stock_instead(self):
        asset = make_asset("in_maintenance_deployed")
        asset = lifecycle.complete_maintenance(asset, actor=it_robot(), return_to_holder=False)
        assert asset.status == AssetStatus.IN_STOCK
        assert asset.holder is None


class TestReasons:
    @pytest.mark.parametrize("move", ["retire", "mark_missing", "start_maintenance"])
    def test_moves_that_need_a_reason_refuse_a_blank_one(self, move):
        asset = make_asset("in_stock")
        with pytest.raises(ValidationError, match="reason"):
            getattr(lifecycle, move)(asset, actor=it_robot(), reason="  ")
        asset.refresh_from_db()
        assert asset.status == AssetStatus.IN_STOCK

    def test_a_move_without_a_reason_still_explains_itself_in_history(self):
        holder = make_user("employee", first_name="Ada", last_name="Lovelace")
        asset = lifecycle.deploy(make_asset("in_stock"), to=holder, actor=it_robot())
        assert asset.history.latest().history_change_reason == "Deployed to Ada Lovelace"


class TestDisposal:
    def data_asset(self) -> Asset:
        return make_asset("retired", category=CategoryFactory(name="Laptops", holds_data=True))

    def test_data_holding_asset_without_a_wipe_is_refused(self):
        asset = self.data_asset()
        with pytest.raises(TransitionRefused, match="verified wipe"):
            lifecycle.dispose(asset, actor=it_robot(), method="recycle")
        asset.refresh_from_db()
        assert asset.status == AssetStatus.RETIRED
        assert not DisposalRecord.objects.filter(asset=asset).exists()

    def test_an_unverified_wipe_is_not_enough(self):
        asset = self.data_asset()
        lifecycle.wipe(asset, actor=it_robot(), method="clear", performed_by=it_robot())
        with pytest.raises(TransitionRefused, match="verified wipe"):
            lifecycle.dispose(asset, actor=it_robot(), method="recycle")

    def test_the_verifier_must_be_someone_else(self):
        asset = self.data_asset()
        me = it_robot()
        with pytest.raises(ValidationError, match="different person"):
            lifecycle.wipe(asset, actor=me, method="purge", performed_by=me, verified_by=me)
        assert not WipeRecord.objects.exists()

    def test_verified_wipe_then_disposal_keeps_the_record_and_tag(self):
        asset = self.data_asset()
        verifier = make_user("it", username="second-pair-of-eyes")
        record = lifecycle.wipe(
            asset,
            actor=it_robot(),
            method="destroy",
            tool="Shredder 3000",
            performed_by=it_robot(),
            verified_by=verifier,
            certificate_reference="CERT-42",
        )
        assert record.is_verified
        disposed = lifecycle.dispose(
            asset, actor=it_robot(), method="sell", recipient="Refurb Ltd", proceeds="35.50"
        )
        assert disposed.status == AssetStatus.DISPOSED
        assert disposed.next_audit_date is None  # no audit will look for it again
        assert disposed.disposal.proceeds == Decimal("35.50")
        assert Asset.objects.filter(tag=asset.tag).exists()
        actions = list(disposed.history.order_by("history_date").values_list("history_action"))
        assert actions[-2:] == [("wipe",), ("dispose",)]

    def test_bad_disposal_input_is_refused_with_field_messages(self):
        asset = make_asset("retired")
        with pytest.raises(ValidationError) as error:
            lifecycle.dispose(asset, actor=it_robot(), method="burn", proceeds="-5")
        assert set(error.value.message_dict) == {"method", "proceeds"}
        asset.refresh_from_db()
        assert asset.status == AssetStatus.RETIRED


class TestRegistration:
    def test_register_gives_a_tag_stock_status_and_next_audit_date(self):
        category = CategoryFactory(audit_interval_days=180)
        asset = lifecycle.register(actor=it_robot(), name="Dock", category=category)
        assert asset.tag.startswith("IT-")
        assert asset.status == AssetStatus.IN_STOCK
        assert asset.next_audit_date is not None
        row = asset.history.get()
        assert (row.history_action, row.history_from_status, row.status) == (
            "register",
            "",
            "in_stock",
        )

    @pytest.mark.parametrize(
        ("field", "value", "message"),
        [
            ("purchase_cost", Decimal("-1"), "negative"),
            ("name", "", "blank"),
        ],
    )
    def test_bad_input_saves_nothing(self, field, value, message):
        fields = {"name": "Laptop", "category": CategoryFactory(), field: value}
        with pytest.raises(ValidationError, match=message):
            lifecycle.register(actor=it_robot(), **fields)
        assert not Asset.objects.exists()

    def test_status_and_holder_cannot_be_set_by_editing(self):
        asset = make_asset("in_stock")
        with pytest.raises(ValidationError, match="lifecycle moves"):
            lifecycle.update_details(asset, actor=it_robot(), status="deployed")
        asset.refresh_from_db()
        assert asset.status == AssetStatus.IN_STOCK

    def test_edits_are_in_history_with_who_and_why(self):
        asset = make_asset("in_stock")
        editor = make_user("it", username="editor")
        lifecycle.update_details(asset, actor=editor, reason="Typo", name="Laptop 14in")
        row = asset.history.latest()
        assert (row.name, row.history_user, row.history_change_reason) == (
            "Laptop 14in",
            editor,
            "Typo",
        )

    def test_a_disposed_record_cannot_be_edited(self):
        asset = make_asset("disposed")
        with pytest.raises(ValidationError, match="disposed"):
            lifecycle.update_details(asset, actor=it_robot(), name="Renamed")


def test_retiring_records_why_and_when_and_reinstating_clears_them():
    asset = make_asset("in_stock")
    it = it_robot()
    with pytest.raises(ValidationError, match="Choose one of"):
        lifecycle.retire(asset, actor=it, reason="Old", retirement_reason="bored")

    asset = lifecycle.retire(asset, actor=it, reason="Cracked", retirement_reason="broken")
    assert asset.retirement_reason == "broken" and asset.retired_at is not None
    assert asset.history.latest().history_change_reason == "Retired (broken beyond repair): Cracked"

    asset = lifecycle.reinstate(asset, actor=it, reason="Fixed after all")
    assert asset.retirement_reason == "" and asset.retired_at is None
