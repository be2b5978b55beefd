"""Wipe evidence that counts: a second, qualified person, recorded in the current retirement."""

import datetime
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from assets import lifecycle
from assets.lifecycle import TransitionRefused
from assets.models import WipeRecord

from .factories import CategoryFactory, it_robot, make_asset, make_user

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% a wipe report\n"


@pytest.fixture
def laptop():
    return make_asset("retired", category=CategoryFactory(slug="laptops", holds_data=True))


def test_a_wipe_from_before_a_reinstatement_does_not_clear_the_asset_for_disposal(laptop):
    it, checker = it_robot(), make_user("it", username="checker")
    lifecycle.wipe(laptop, actor=it, method="purge", performed_by=it, verified_by=checker)
    # Back in use: new data is written after that wipe
    lifecycle.reinstate(laptop, actor=it, reason="Needed after all")
    lifecycle.deploy(laptop, to=make_user("employee"), actor=it)
    lifecycle.check_in(laptop, actor=it)
    laptop = lifecycle.retire(laptop, actor=it, reason="Old", retirement_reason="end_of_life")

    with pytest.raises(TransitionRefused, match="verified wipe"):
        lifecycle.dispose(laptop, actor=it, method="recycle")

    lifecycle.wipe(laptop, actor=it, method="purge", performed_by=it, verified_by=checker)
    laptop = lifecycle.dispose(laptop, actor=it, method="recycle")
    assert laptop.status == "disposed"


@pytest.mark.parametrize("who", ["employee", "auditor", "inactive"])
def test_only_a_current_member_of_it_staff_can_verify_a_wipe(laptop, who):
    it = it_robot()
    verifier = (
        make_user("it", username="gone", is_active=False)
        if who == "inactive"
        else make_user(who, username=f"v-{who}")
    )
    with pytest.raises(ValidationError, match="cannot verify wipes"):
        lifecycle.wipe(laptop, actor=it, method="clear", performed_by=it, verified_by=verifier)
    assert not WipeRecord.objects.exists()


def test_a_refused_wipe_leaves_no_certificate_file_behind(laptop, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    it, checker = it_robot(), make_user("it", username="checker")
    upload = SimpleUploadedFile("report.pdf", PDF, content_type="application/pdf")

    with (
        mock.patch("assets.lifecycle.stamp_history", side_effect=RuntimeError("boom")),
        pytest.raises(RuntimeError),
    ):
        lifecycle.wipe(
            laptop,
            actor=it,
            method="purge",
            performed_by=it,
            verified_by=checker,
            certificate_file=upload,
        )

    assert not WipeRecord.objects.exists()
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_the_compliance_report_does_not_count_a_wipe_from_before_a_reinstatement(laptop):
    from assets import lifecycle_reports as lr
    from assets.models import DisposalRecord

    it, checker = it_robot(), make_user("it", username="checker")
    lifecycle.wipe(laptop, actor=it, method="purge", performed_by=it, verified_by=checker)
    lifecycle.wipe(laptop, actor=it, method="clear", performed_by=it, verified_by=checker)
    laptop = lifecycle.dispose(laptop, actor=it, method="recycle")
    record = DisposalRecord.objects.get(asset=laptop)
    assert lr.wipe_status(record) == lr.VERIFIED

    # Had the verified wipes been recorded before the current retirement, they would not count
    type(laptop).objects.filter(pk=laptop.pk).update(
        retired_at=WipeRecord.objects.latest("created_at").created_at
        + datetime.timedelta(seconds=1)
    )
    record = DisposalRecord.objects.select_related("asset__category").get(asset=laptop)
    assert lr.wipe_status(record) == lr.NO_VERIFIED_WIPE
