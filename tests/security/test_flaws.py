"""The classes of flaw peers in this field have shipped: each tried here, each refused."""

from __future__ import annotations

import pytest
from django.urls import reverse

from requests_app.models import PurchaseOrder

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("action", ["order-cancel", "order-send", "order-receive"])
def test_an_employee_posting_to_an_order_action_sees_nothing_of_the_order(client, world, action):
    """Found by the IDOR sweep: an empty cancel answered 400 with the whole order page."""
    client.force_login(world.colleague)
    response = client.post(reverse(f"requests_app:{action}", args=[world.order.pk]), {})
    assert response.status_code == 403
    assert world.order.number not in response.content.decode()
    assert PurchaseOrder.objects.get(pk=world.order.pk).status == world.order.status
