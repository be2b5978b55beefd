"""One small organisation shared by the security tests: every kind of object, owned by Amy.

Amy is an employee of Sales (department 1). Each object that has a page or an API endpoint of its
own exists once, made through the real services, so the IDOR and XSS tests can reverse every URL.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

import pytest
from django.utils import timezone

from assets import lifecycle, reservations
from assets.choices import LocationKind
from assets.models import Asset, ChecklistItem, Department, ImportJob, Location
from audits import services as audits
from audits.models import AuditSession
from maintenance import licenses
from maintenance import services as maintenance
from maintenance.models import LicenseSeat, MaintenancePlan, MaintenanceRecord, SoftwareLicense
from requests_app import services as requests
from requests_app.models import AssetRequest, Budget, PurchaseOrder
from tests.factories import (
    AssetModelFactory,
    CategoryFactory,
    DepartmentFactory,
    LocationFactory,
    VendorFactory,
    make_asset,
    make_user,
)
from tests.request_factories import set_budget

PAYLOAD = "<script>alert(1)</script>\"'><img src=x onerror=alert(1)>"


@dataclass
class World:
    """Who is who, and one object of each kind (Amy's where an object can be someone's)."""

    amy: object  # employee, Sales: owns everything below that can be owned
    colleague: object  # another employee of Sales
    sales_manager: object
    finance_manager: object  # a manager of another department
    it: object
    auditor: object
    sales: Department
    finance: Department
    site: Location
    laptop: Asset  # deployed to Amy
    disposed: Asset  # was Amy's; retired, wiped and disposed
    request: AssetRequest
    record: MaintenanceRecord
    plan: MaintenancePlan
    license: SoftwareLicense
    seat: LicenseSeat
    reservation: object
    audit: AuditSession
    order: PurchaseOrder
    budget: Budget
    job: ImportJob
    checklist_item: ChecklistItem
    label_template: str  # a label template's slug (templates live in code)
    extra: dict = field(default_factory=dict)


def build_world(text: str = "") -> World:
    """The organisation; ``text`` (e.g. an XSS payload) is written into every free-text input."""
    today = timezone.localdate()
    sales = DepartmentFactory(name=f"Sales{text}", slug="sales")
    finance = DepartmentFactory(name="Finance", slug="finance")
    amy = make_user(
        "employee",
        username="amy",
        first_name=f"Amy{text}",
        last_name=f"Lee{text}",
        department=sales,
    )
    colleague = make_user("employee", username="colin", department=sales)
    sales_manager = make_user("manager", username="sam", department=sales)
    finance_manager = make_user("manager", username="fred", department=finance)
    it = make_user("it", username="ian")
    auditor = make_user("auditor", username="ada")

    site = LocationFactory(name=f"HQ{text}")
    laptops = CategoryFactory(name=f"Laptops{text}", slug="laptops", holds_data=True)
    model = AssetModelFactory(name=f"Latitude{text}", category=laptops)
    vendor = VendorFactory(name=f"Northwind{text}")
    checklist_item = ChecklistItem.objects.create(
        category=laptops, text=f"Charger{text}", required=False
    )

    laptop = make_asset(
        "in_stock",
        actor=it,
        name=f"Amy laptop{text}",
        notes=f"Sticker on lid{text}",
        serial_number=f"SN1{text}"[:100],
        category=laptops,
        model=model,
        department=sales,
        location=site,
    )
    # old and new values in the history timeline both carry the text
    laptop = lifecycle.update_details(
        laptop, actor=it, reason=f"Renamed{text}", name=f"Amy's laptop{text}"
    )
    laptop = lifecycle.deploy(laptop, to=amy, actor=it, reason=f"Issued{text}")
    lifecycle.report_problem(laptop, actor=amy, description=f"Hinge squeaks{text}")

    disposed = make_asset(
        "deployed", actor=it, holder=amy, name=f"Old phone{text}", category=laptops, model=model
    )
    disposed = lifecycle.check_in(disposed, actor=it, reason=f"Returned{text}")
    disposed = lifecycle.retire(disposed, actor=it, reason=f"Worn out{text}")
    wipe = lifecycle.wipe(
        disposed,
        actor=it,
        method="purge",
        performed_by=it,
        verified_by=make_user("it", username="vera"),
        tool=f"Blancco{text}"[:100],
        reason=f"Wiped{text}",
    )
    disposed = lifecycle.dispose(disposed, actor=it, method="recycle", reason=f"Gone{text}")

    request = requests.submit_request(
        actor=amy,
        category=laptops,
        justification=f"Mine is slow{text}",
        estimated_cost="900.00",
    )

    pool_asset = make_asset("in_stock", actor=it, name=f"Loaner{text}", model=model)
    reservations.set_in_pool(pool_asset, actor=it, reason=f"Pooled{text}")
    reservation = reservations.book(
        actor=amy,
        person=amy,
        asset=pool_asset,
        starts_on=today + datetime.timedelta(days=2),
        ends_on=today + datetime.timedelta(days=4),
        note=f"Trip{text}"[:200],
    )

    repaired = make_asset("in_stock", actor=it, name=f"Dock{text}", department=sales)
    repaired = lifecycle.deploy(repaired, to=amy, actor=it)
    lifecycle.start_maintenance(
        repaired,
        actor=it,
        reason=f"Broken{text}",
        title=f"Cracked{text}",
        description=f"Dropped{text}",
        supplier=f"Fixit{text}",
    )
    record = MaintenanceRecord.objects.get(asset=repaired)
    plan = maintenance.create_plan(
        actor=it,
        title=f"Clean fans{text}",
        interval_months=6,
        first_due_on=today + datetime.timedelta(days=10),
        asset=laptop,
        description=f"Blow dust{text}",
    )

    license = licenses.create_license(
        actor=it,
        product=f"Acrobat{text}",
        version="2025",
        seats=3,
        key="SECRET-KEY-1234",
        notes=f"Team deal{text}",
        renewal_terms=f"Yearly{text}",
        expires_on=today + datetime.timedelta(days=200),
    )
    seat = licenses.assign_seat(license, actor=it, user=amy, note=f"For Amy{text}"[:200])
    licenses.renew_license(
        license,
        actor=it,
        expires_on=today + datetime.timedelta(days=565),
        cost="120.00",
        note=f"Three more years{text}",
    )
    license.refresh_from_db()

    audit = audits.start_audit(actor=it, location=site, auditor=auditor, notes=f"Q3 count{text}")
    audits.record_scan(audit, actor=auditor, code=laptop.tag, found_at=site)
    # A closed audit of another place, so frozen lines exist: a code nobody knows, and an asset
    # not found there that was moved on before its "mark missing" was applied (so refused).
    annex = LocationFactory(name=f"Annex{text}")
    shelf = LocationFactory(name=f"Shelf{text}", parent=annex, kind=LocationKind.ROOM)
    projector = make_asset("in_stock", actor=it, name=f"Projector{text}", location=annex)
    closed_audit = audits.start_audit(
        actor=it, location=annex, auditor=auditor, notes=f"Annex count{text}"
    )
    audits.record_scan(closed_audit, actor=auditor, code=f"ZZ-404{text}")
    audits.close_audit(closed_audit, actor=auditor)
    lifecycle.relocate(projector, actor=it, location=shelf, reason=f"Tidied{text}")
    audits.apply_outcome(closed_audit, actor=it, action="missing")

    order = requests.create_order(
        actor=it,
        vendor=vendor,
        notes=f"Rush{text}",
        lines=[
            requests.LineInput(
                category=laptops,
                quantity=1,
                unit_cost="900.00",
                request=None,
                description=f"Spare{text}"[:200],
            )
        ],
    )
    budget = set_budget(sales, "10000.00")
    decided = requests.submit_request(
        actor=amy, category=laptops, justification=f"A second screen{text}", estimated_cost="300"
    )
    requests.reject_request(decided, actor=sales_manager, reason=f"Not this year{text}")
    job = ImportJob.objects.create(
        kind="assets",
        uploaded_by=it,
        filename=f"assets{text}.csv",
        data=b"Name\nX\n",
        header=[f"Name{text}"],
        samples=[[f"X{text}"]],
        row_count=1,
    )
    from itam.notifications import notify

    notify([amy, it], kind="test", subject=f"Hello{text}", body=f"Body{text}", url="/inbox/")
    return World(
        amy=amy,
        colleague=colleague,
        sales_manager=sales_manager,
        finance_manager=finance_manager,
        it=it,
        auditor=auditor,
        sales=sales,
        finance=finance,
        site=site,
        laptop=Asset.objects.get(pk=laptop.pk),
        disposed=Asset.objects.get(pk=disposed.pk),
        request=request,
        record=record,
        plan=plan,
        license=license,
        seat=seat,
        reservation=reservation,
        audit=audit,
        order=order,
        budget=budget,
        job=job,
        checklist_item=checklist_item,
        label_template="avery-5160",
        extra={
            "pool_model": model,
            "category": laptops,
            "vendor": vendor,
            "wipe": wipe,
            "closed_audit": closed_audit,  # the routes take the open one
            "decided_request": decided,  # the routes take the pending one
        },
    )


@pytest.fixture
def world(db) -> World:
    return build_world()
