"""Registering and editing assets on the web: good input is saved with history, bad input never."""

import pytest
from django.urls import reverse

from assets.models import Asset
from tests.factories import CategoryFactory, LocationFactory, make_asset, make_user

pytestmark = pytest.mark.django_db

CREATE = reverse("assets:create")


@pytest.fixture
def it_client(client):
    client.force_login(make_user("it", username="ian"))
    return client


@pytest.fixture
def laptops():
    return CategoryFactory(name="Laptops", slug="laptops", holds_data=True, audit_interval_days=180)


def valid_data(the_category, **overrides) -> dict:
    data = {
        "name": "ThinkPad T14",
        "category": the_category.pk,
        "serial_number": "PF-12345",
        "purchase_date": "2025-03-01",
        "purchase_cost": "1299.00",
        "warranty_end": "2028-03-01",
        "notes": "Docking station in the box.",
    }
    data.update(overrides)
    return data


def test_it_staff_register_an_asset_and_land_on_its_page(it_client, laptops):
    # Given a valid registration
    response = it_client.post(CREATE, valid_data(laptops))

    # Then it exists, in stock, with a tag, and the person lands on its page
    asset = Asset.objects.get(serial_number="PF-12345")
    assert asset.status == "in_stock"
    assert asset.tag
    assert response.status_code == 302
    assert response["Location"] == reverse("assets:detail", args=[asset.tag])
    page = it_client.get(response["Location"]).content.decode()
    assert f"Registered {asset.tag}" in page
    assert "Holds data" in page
    # and its history says who registered it
    entry = asset.history.get()
    assert entry.history_user.username == "ian"
    assert entry.history_action == "register"


def test_a_pre_printed_tag_is_used(it_client, laptops):
    response = it_client.post(CREATE, valid_data(laptops, tag="LBL-0042"))
    assert response["Location"] == reverse("assets:detail", args=["LBL-0042"])
    assert Asset.objects.get(tag="LBL-0042").serial_number == "PF-12345"


def test_a_tag_that_exists_is_refused_next_to_the_tag_field(it_client, laptops):
    existing = make_asset("in_stock", category=laptops)

    response = it_client.post(CREATE, valid_data(laptops, tag=existing.tag.lower()))

    assert response.status_code == 400
    assert "already in use" in " ".join(response.context["form"].errors["tag"])
    assert 'id="id_tag_error"' in response.content.decode()
    assert Asset.objects.count() == 1


def test_on_order_registration(it_client, laptops):
    it_client.post(CREATE, valid_data(laptops, on_order="on"))
    assert Asset.objects.get(serial_number="PF-12345").status == "on_order"


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"purchase_cost": "-5"}, "purchase_cost", "Cost cannot be negative."),
        ({"purchase_cost": "a lot"}, "purchase_cost", "Enter an amount"),
        ({"purchase_date": "31/02/2025"}, "purchase_date", "Enter a date as YYYY-MM-DD"),
        ({"warranty_end": "2025-13-01"}, "warranty_end", "Enter a date as YYYY-MM-DD"),
        ({"category": "999999"}, "category", "That category does not exist"),
        ({"category": ""}, "category", "Choose a category"),
        ({"name": ""}, "name", "This field is required."),
    ],
)
def test_bad_input_is_shown_next_to_the_field_and_nothing_is_saved(
    it_client, laptops, overrides, field, message
):
    response = it_client.post(CREATE, valid_data(laptops, **overrides))

    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    page = response.content.decode()
    assert message in page
    assert "Nothing was saved" in page
    assert f'id="id_{field}_error"' in page  # the message sits with its field
    assert not Asset.objects.exists()


def test_bad_input_keeps_what_was_typed(it_client, laptops):
    response = it_client.post(CREATE, valid_data(laptops, purchase_cost="-5"))
    assert 'value="ThinkPad T14"' in response.content.decode()


def test_a_model_of_another_category_is_refused(it_client, laptops):
    from tests.factories import AssetModelFactory

    phone_model = AssetModelFactory(name="Pixel 9", category=CategoryFactory(name="Phones"))
    response = it_client.post(CREATE, valid_data(laptops, model=phone_model.pk))
    assert response.status_code == 400
    assert "pick a matching model or category" in response.content.decode()
    assert not Asset.objects.exists()


def test_register_form_offers_locations_by_full_path(it_client, laptops):
    hq = LocationFactory(name="HQ")
    LocationFactory(name="Room 101", parent=hq)
    page = it_client.get(CREATE).content.decode()
    assert "HQ › Room 101" in page


# --- edits ---------------------------------------------------------------------------------


def test_edit_changes_details_and_keeps_the_reason_in_history(it_client, laptops):
    asset = make_asset("in_stock", name="Old name", category=laptops)
    url = reverse("assets:edit", args=[asset.tag])
    form = it_client.get(url)
    assert 'value="Old name"' in form.content.decode()

    response = it_client.post(
        url, valid_data(laptops, name="New name", reason="Typo in the model name")
    )

    assert response.status_code == 302
    asset.refresh_from_db()
    assert asset.name == "New name"
    latest = asset.history.latest("history_date")
    assert latest.history_change_reason == "Typo in the model name"
    page = it_client.get(asset.get_absolute_url()).content.decode()
    assert "Typo in the model name" in page
    assert "Old name" in page and "New name" in page  # the timeline shows old → new


def test_edit_with_bad_input_changes_nothing(it_client, laptops):
    asset = make_asset("in_stock", name="Keep me", category=laptops)
    before = asset.history.count()

    response = it_client.post(
        reverse("assets:edit", args=[asset.tag]),
        valid_data(laptops, name="Changed", purchase_cost="-1"),
    )

    assert response.status_code == 400
    assert "Cost cannot be negative." in response.content.decode()
    asset.refresh_from_db()
    assert asset.name == "Keep me"
    assert asset.history.count() == before


def test_edit_without_changes_writes_no_history(it_client, laptops):
    asset = make_asset("in_stock", name="Same", category=laptops, purchase_cost="10.00")
    url = reverse("assets:edit", args=[asset.tag])
    form = it_client.get(url).context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    before = asset.history.count()

    response = it_client.post(url, data, follow=True)

    assert "Nothing changed" in response.content.decode()
    assert asset.history.count() == before


def test_a_disposed_asset_cannot_be_edited(it_client, laptops):
    other = CategoryFactory(name="Cables", slug="cables")
    asset = make_asset("disposed", name="Gone", category=other)

    response = it_client.post(
        reverse("assets:edit", args=[asset.tag]), valid_data(other, name="Back again")
    )

    assert response.status_code == 400
    assert "cannot be edited" in response.content.decode()
    asset.refresh_from_db()
    assert asset.name == "Gone"
    assert "Edit details" not in it_client.get(asset.get_absolute_url()).content.decode()


def test_edit_of_an_unknown_tag_is_404_for_it_staff(it_client):
    assert it_client.get(reverse("assets:edit", args=["IT-999999"])).status_code == 404
