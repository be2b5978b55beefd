"""A day alone in ``as_of`` means the end of that day, on the page and in the API alike."""

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories import make_asset, make_user

pytestmark = pytest.mark.django_db


def test_an_asset_registered_today_is_in_todays_register_in_api_and_page(client):
    it = make_user("it")
    asset = make_asset("in_stock")
    today = timezone.localdate().isoformat()

    api = APIClient()
    api.force_authenticate(it)
    listed = api.get("/api/v1/assets/", {"as_of": today}).json()
    assert [row["tag"] for row in listed["results"]] == [asset.tag]

    client.force_login(it)
    page = client.get("/assets/", {"as_of": today})
    assert asset.tag in page.content.decode()
