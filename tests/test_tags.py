"""Asset tags: prefix and sequence, unique, never reused."""

import pytest
from django.core.exceptions import ValidationError

from assets import lifecycle
from assets.models import Asset
from assets.tags import allocate_tags
from tests.factories import CategoryFactory, it_robot, make_asset

pytestmark = pytest.mark.django_db


def test_tags_follow_the_configured_prefix_and_digits(settings):
    settings.ITAM_TAG_PREFIX = "ACME"
    settings.ITAM_TAG_DIGITS = 5
    asset = lifecycle.register(actor=it_robot(), name="Monitor", category=CategoryFactory())
    assert asset.tag == "ACME-00001"


def test_tags_are_sequential_and_distinct():
    tags = [make_asset("in_stock").tag for _ in range(3)]
    assert tags == ["IT-000001", "IT-000002", "IT-000003"]


def test_a_disposed_assets_tag_is_never_handed_out_again():
    disposed = make_asset("disposed")
    new = make_asset("in_stock")
    assert new.tag != disposed.tag
    assert new.tag > disposed.tag


def test_a_failed_registration_does_not_reuse_or_break_the_sequence():
    first = make_asset("in_stock")
    with pytest.raises(Exception):  # noqa: B017 - any validation failure
        lifecycle.register(actor=it_robot(), name="", category=CategoryFactory())
    second = make_asset("in_stock")
    assert second.tag > first.tag


def test_allocation_steps_over_tags_that_already_exist():
    # An imported asset already carries the tag the sequence would give next
    category = CategoryFactory()
    Asset.objects.create(tag="IT-000001", name="Imported", category=category)
    assert allocate_tags(2) == ["IT-000002", "IT-000003"]


def test_a_pre_printed_tag_can_be_used_once():
    asset = lifecycle.register(
        actor=it_robot(), tag="LBL-0042", name="Projector", category=CategoryFactory()
    )
    assert asset.tag == "LBL-0042"


@pytest.mark.parametrize("typed", ["IT-000001", "it-000001", " IT-000001 "])
def test_a_typed_tag_that_exists_is_refused_and_nothing_saved(typed):
    make_asset("in_stock")
    with pytest.raises(ValidationError, match="already in use"):
        lifecycle.register(actor=it_robot(), tag=typed, name="Dup", category=CategoryFactory())
    assert Asset.objects.count() == 1


def test_a_disposed_assets_tag_cannot_be_typed_in_again():
    disposed = make_asset("disposed")
    with pytest.raises(ValidationError, match="never reused"):
        lifecycle.register(
            actor=it_robot(), tag=disposed.tag, name="Again", category=CategoryFactory()
        )


@pytest.mark.parametrize("typed", ["-LEADING", "has space", "x" * 41, "<script>"])
def test_a_malformed_tag_is_refused_with_what_to_fix(typed):
    with pytest.raises(ValidationError, match="letters, digits"):
        lifecycle.register(actor=it_robot(), tag=typed, name="Bad", category=CategoryFactory())
    assert not Asset.objects.exists()
