"""Asset tags: prefix and sequence, unique, never reused."""

import pytest

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
