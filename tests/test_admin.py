"""The admin: assets are looked at and described there, never moved, added or deleted."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assets.choices import AssetStatus
from tests.factories import make_asset, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(make_user("admin", username="root-admin"))
    return client


def test_every_asset_admin_page_opens(admin_client) -> None:
    asset = make_asset("deployed")
    for name in [
        "admin:assets_asset_changelist",
        "admin:assets_category_changelist",
        "admin:assets_location_changelist",
        "admin:assets_department_changelist",
        "admin:assets_assetmodel_changelist",
        "admin:assets_manufacturer_changelist",
        "admin:assets_vendor_changelist",
        "admin:assets_profile_changelist",
        "admin:assets_wiperecord_changelist",
        "admin:assets_disposalrecord_changelist",
        "admin:auth_user_changelist",
    ]:
        assert admin_client.get(reverse(name)).status_code == 200, name
    page = admin_client.get(reverse("admin:assets_asset_change", args=[asset.pk]))
    assert page.status_code == 200
    assert (
        admin_client.get(reverse("admin:assets_asset_history", args=[asset.pk])).status_code == 200
    )
    assert (
        admin_client.get(reverse("admin:assets_asset_changelist") + "?q=" + asset.tag).status_code
        == 200
    )


def test_status_is_read_only_and_assets_cannot_be_added_or_deleted(admin_client) -> None:
    asset = make_asset("in_stock")
    page = admin_client.get(reverse("admin:assets_asset_change", args=[asset.pk]))
    assert 'name="status"' not in page.content.decode()
    assert admin_client.get(reverse("admin:assets_asset_add")).status_code == 403
    assert (
        admin_client.get(reverse("admin:assets_asset_delete", args=[asset.pk])).status_code == 403
    )


def test_an_edit_in_the_admin_goes_through_the_lifecycle(admin_client) -> None:
    # given an asset in stock
    asset = make_asset("in_stock", name="Old name")
    page = admin_client.get(reverse("admin:assets_asset_change", args=[asset.pk]))
    form = page.context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data["name"] = "New name"
    data["status"] = AssetStatus.DISPOSED  # ignored: not a form field
    # when the admin renames it
    response = admin_client.post(reverse("admin:assets_asset_change", args=[asset.pk]), data)
    # then it is renamed, its status is unchanged and the history says who and why
    assert response.status_code == 302, response.content.decode()[:2000]
    asset.refresh_from_db()
    assert asset.name == "New name"
    assert asset.status == AssetStatus.IN_STOCK
    latest = asset.history.latest("history_date")
    assert latest.history_user.username == "root-admin"
    assert latest.history_change_reason == "Edited in the admin"
    assert latest.history_action == "edit"


def test_location_parent_uses_autocomplete(admin_client) -> None:
    page = admin_client.get(reverse("admin:assets_location_add"))
    assert "admin-autocomplete" in page.content.decode()
