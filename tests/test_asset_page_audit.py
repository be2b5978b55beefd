"""The asset page says when an audit last saw the asset, and where."""

import pytest

from assets.choices import LocationKind
from audits import services

from .factories import LocationFactory, make_asset, make_user

pytestmark = pytest.mark.django_db


def test_the_asset_page_names_the_last_audit_that_saw_it(client):
    hq = LocationFactory(name="HQ")
    room = LocationFactory(name="Room 7", parent=hq, kind=LocationKind.ROOM)
    asset = make_asset(location=room)
    auditor = make_user("auditor")
    client.force_login(auditor)
    assert "Never" in client.get(asset.get_absolute_url()).content.decode()

    audit = services.start_audit(actor=auditor, location=hq)
    services.record_scan(audit, actor=auditor, code=asset.tag, found_at=room)
    page = client.get(asset.get_absolute_url()).content.decode()

    assert audit.reference in page and "HQ › Room 7" in page
    assert audit.get_absolute_url() in page


def test_the_holder_sees_when_it_was_audited_without_a_link_to_the_audit(client):
    room = LocationFactory(name="Room 8")
    holder = make_user("employee")
    asset = make_asset("deployed", holder=holder, location=room)
    auditor = make_user("auditor")
    audit = services.start_audit(actor=auditor, location=room)
    services.record_scan(audit, actor=auditor, code=asset.tag)

    client.force_login(holder)
    page = client.get(asset.get_absolute_url()).content.decode()

    assert audit.reference in page
    assert audit.get_absolute_url() not in page
