"""The daily reminder jobs: who is told what, once, and a digest when there is more than one.

Each job runs as if on a given day (``run_job(name, today)``), so a test walks the calendar
without waiting for it. Messages are delivered after commit, as in production: the tests run the
job inside ``django_capture_on_commit_callbacks(execute=True)`` and read the inbox and the mail.
"""

from __future__ import annotations

import datetime
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assets import lifecycle
from itam.models import Notification, Reminder
from itam.reminders import DIGEST_LINES, JOBS, run_job
from itam.schedule import REMINDER_JOBS, reminder_schedule
from maintenance import licenses, services
from maintenance.models import SoftwareLicense
from requests_app import services as requests
from tests.factories import CategoryFactory, DepartmentFactory, it_robot, make_asset, make_user
from tests.request_factories import make_request, make_team

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    """Run one job as if on ``today`` and deliver what it sends, as after a real commit."""

    def run(job: str, today: datetime.date | None = None):
        with django_capture_on_commit_callbacks(execute=True):
            return run_job(job, today or TODAY())

    return run


def inbox(user) -> list[str]:
    """Subjects of the reminders in a person's in-app inbox, oldest first."""
    rows = Notification.objects.filter(recipient=user, kind__startswith="reminder:")
    return list(rows.order_by("pk").values_list("subject", flat=True))


def mails(user) -> list[str]:
    return [message.subject for message in mail.outbox if user.email in message.to]


def reminders() -> list[tuple[int, str, datetime.date]]:
    return sorted(Reminder.objects.values_list("object_id", "kind", "due_on"))


@pytest.fixture
def it():
    return make_user("it", username="it-one", email="it-one@example.com")


def licence(it, product="Acrobat Pro", expires_in=5, **fields) -> SoftwareLicense:
    fields.setdefault("seats", 10)
    expires_on = None if expires_in is None else TODAY() + days(expires_in)
    return licenses.create_license(actor=it, product=product, expires_on=expires_on, **fields)


# --- licence renewals --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days_left", "kind"),
    [
        (61, None),
        (60, "license_renewal_60"),
        (45, "license_renewal_60"),
        (31, "license_renewal_60"),
        (30, "license_renewal_30"),
        (8, "license_renewal_30"),
        (7, "license_renewal_7"),
        (5, "license_renewal_7"),
        (1, "license_renewal_7"),
        (0, "license_expired"),
        (-40, "license_expired"),
    ],
)
def test_a_licence_gets_only_its_most_urgent_reminder(it, send, days_left, kind):
    lic = licence(it, expires_in=days_left)

    result = send("license_renewals")

    expected = [] if kind is None else [(lic.pk, kind, TODAY() + days(days_left))]
    assert reminders() == expected
    assert len(inbox(it)) == len(expected)
    assert result.recorded == len(expected)


def test_it_staff_and_the_owner_are_told_by_inbox_and_mail_and_nobody_else(it, send):
    it_two = make_user("it", username="it-two")
    owner = make_user("employee", username="owner")
    bystander = make_user("employee", username="bystander")
    auditor = make_user("auditor", username="auditor")
    lic = licence(it, version="2024", expires_in=5, owner=owner)
    licenses.assign_seat(lic, actor=it, user=bystander)

    result = send("license_renewals")

    expected = f"Licence renewal: Acrobat Pro 2024 expires in 5 days ({lic.expires_on})"
    for person in (it, it_two, owner):
        assert inbox(person) == [expected]
        assert mails(person) == [expected]
    assert inbox(bystander) == inbox(auditor) == []
    assert mails(bystander) == mails(auditor) == []
    note = Notification.objects.get(recipient=owner)
    assert note.url == f"/licenses/{lic.pk}/"
    assert "1 of 10 seats in use" in note.body
    assert f"/licenses/{lic.pk}/" in mail.outbox[0].body
    assert (result.recorded, result.messages) == (1, 3)
    assert result.kinds == {"license_renewal_7": 1}


def test_a_re_run_the_same_day_sends_nothing_new(it, send):
    licence(it, expires_in=30)
    first = send("license_renewals")

    again = send("license_renewals")

    assert (first.recorded, first.messages) == (1, 1)
    assert (again.due, again.recorded, again.messages) == (1, 0, 0)
    assert len(inbox(it)) == 1
    assert len(mail.outbox) == 1
    assert Reminder.objects.count() == 1


def test_each_threshold_is_reminded_once_as_the_expiry_comes_closer(it, send):
    lic = licence(it, expires_in=70)
    end = lic.expires_on
    told_on = {}
    for day in range(71 + 3):
        today = end - days(70) + days(day)
        result = send("license_renewals", today)
        if result.recorded:
            told_on[(end - today).days] = sorted(result.kinds)

    assert told_on == {
        60: ["license_renewal_60"],
        30: ["license_renewal_30"],
        7: ["license_renewal_7"],
        0: ["license_expired"],
    }
    assert inbox(it) == [
        f"Licence renewal: Acrobat Pro expires in 60 days ({end})",
        f"Licence renewal: Acrobat Pro expires in 30 days ({end})",
        f"Licence renewal: Acrobat Pro expires in 7 days ({end})",
        "Licence expires today: Acrobat Pro",
    ]


def test_a_missed_day_is_caught_up_the_next_day(it, send):
    lic = licence(it, expires_in=40)
    send("license_renewals", lic.expires_on - days(31))  # the 60-day reminder
    # the run on the 30th day before expiry did not happen

    result = send("license_renewals", lic.expires_on - days(29))

    assert result.kinds == {"license_renewal_30": 1}


def test_an_expired_licence_is_reminded_once_not_every_day(it, send):
    lic = licence(it, expires_in=-3)

    sent = [send("license_renewals", TODAY() + days(n)).recorded for n in range(5)]

    assert sent == [1, 0, 0, 0, 0]
    assert inbox(it) == [f"Licence expired: Acrobat Pro (on {lic.expires_on})"]


def test_renewing_starts_the_reminders_again_for_the_new_term(it, send):
    lic = licence(it, expires_in=5)
    send("license_renewals")
    licenses.renew_license(lic, actor=it, expires_on=TODAY() + days(100))

    assert send("license_renewals").recorded == 0  # the new term is 100 days away
    result = send("license_renewals", TODAY() + days(40))

    assert result.kinds == {"license_renewal_60": 1}
    assert len(inbox(it)) == 2
    assert inbox(it)[-1].endswith(f"expires in 60 days ({TODAY() + days(100)})")


def test_perpetual_licences_are_never_reminded(it, send):
    licence(it, expires_in=None)
    assert send("license_renewals").due == 0
    assert inbox(it) == []


def test_an_owner_who_has_left_is_not_told(it, send):
    owner = make_user("employee", username="owner")
    licence(it, expires_in=5, owner=owner)
    owner.is_active = False
    owner.save()

    send("license_renewals")

    assert inbox(owner) == []
    assert mails(owner) == []
    assert len(inbox(it)) == 1


def test_several_items_for_one_person_are_one_digest(it, send):
    owner = make_user("employee", username="owner")
    licence(it, "Visio", expires_in=5, owner=owner)
    licence(it, "Acrobat Pro", expires_in=20)
    licence(it, "AutoCAD", expires_in=-1)

    result = send("license_renewals")

    assert inbox(it) == ["Licence renewals due: 3"]
    assert mails(it) == ["Licence renewals due: 3"]
    body = Notification.objects.get(recipient=it).body.splitlines()
    assert len(body) == 3
    assert body[0].startswith("- AutoCAD: expired on")  # most urgent first
    assert body[1].startswith("- Visio: expires on")
    assert body[2].startswith("- Acrobat Pro: expires on")
    # The owner of one of them gets that one alone, under its own subject
    assert inbox(owner) == [f"Licence renewal: Visio expires in 5 days ({TODAY() + days(5)})"]
    assert result.messages == 2


def test_a_long_digest_says_how_many_more(it, send):
    for n in range(DIGEST_LINES + 4):
        licence(it, f"Product {n:03d}", expires_in=5)

    send("license_renewals")

    note = Notification.objects.get(recipient=it)
    assert note.subject == f"Licence renewals due: {DIGEST_LINES + 4}"
    lines = note.body.splitlines()
    assert len(lines) == DIGEST_LINES + 1
    assert lines[-1] == "… and 4 more."


# --- warranties --------------------------------------------------------------------------------


def test_warranties_ending_within_30_days_are_told_to_it_staff(it, send):
    holder = make_user("employee", username="holder")
    soon = make_asset("deployed", holder=holder, name="Soon", warranty_end=TODAY() + days(10))
    today = make_asset("in_stock", name="Today", warranty_end=TODAY())
    edge = make_asset("in_maintenance", name="Edge", warranty_end=TODAY() + days(30))
    make_asset("in_stock", name="Later", warranty_end=TODAY() + days(31))
    make_asset("in_stock", name="Over", warranty_end=TODAY() - days(1))
    make_asset("in_stock", name="None")
    make_asset("retired", name="Retired", warranty_end=TODAY() + days(10))
    make_asset("disposed", name="Disposed", warranty_end=TODAY() + days(10))

    result = send("warranty_ends")

    assert {pk for pk, _, _ in reminders()} == {soon.pk, today.pk, edge.pk}
    assert inbox(it) == ["Warranties ending: 3"]
    body = Notification.objects.get(recipient=it).body
    assert f"{today.tag} Today: warranty ends on {TODAY()}, in 0 days" in body
    assert f"{soon.tag} Soon" in body
    assert inbox(holder) == []
    assert result.kinds == {"warranty_ending": 3}
    assert send("warranty_ends").recorded == 0


def test_one_warranty_ending_is_its_own_message(it, send):
    asset = make_asset("in_stock", name="Dock", warranty_end=TODAY() + days(12))

    send("warranty_ends")

    end = TODAY() + days(12)
    expected = f"Warranty ending: {asset.tag} Dock on {end} (in 12 days)"
    assert inbox(it) == mails(it) == [expected]


def test_a_new_warranty_end_is_reminded_again(it, send):
    asset = make_asset("in_stock", warranty_end=TODAY() + days(5))
    send("warranty_ends")
    lifecycle.update_details(
        asset, actor=it, warranty_end=TODAY() + days(20), reason="Extended warranty"
    )

    assert send("warranty_ends").recorded == 1
    assert len(inbox(it)) == 2


# --- preventive maintenance --------------------------------------------------------------------


def test_maintenance_due_tells_the_holder_and_it_staff_once(it, send):
    holder = make_user("employee", username="holder")
    other = make_user("employee", username="other")
    printers = CategoryFactory(name="Printers")
    asset = make_asset("deployed", holder=holder, name="Printer", category=printers)
    plan = services.create_plan(
        actor=it,
        title="Toner and rollers",
        interval_months=3,
        first_due_on=TODAY() + days(3),
        category=printers,
    )

    result = send("maintenance_due")

    expected = (
        f"Maintenance due: Toner and rollers for {asset.tag} Printer (due on {TODAY() + days(3)})"
    )
    assert inbox(holder) == mails(holder) == [expected]
    assert inbox(it) == [expected]
    assert inbox(other) == []
    assert result.kinds == {f"maintenance_plan_{plan.pk}": 1}
    # Still not done a week later: already told, nothing new
    assert send("maintenance_due", TODAY() + days(10)).recorded == 0


def test_maintenance_not_yet_in_the_window_is_not_told(it, send, settings):
    settings.ITAM_MAINTENANCE_REMINDER_DAYS = 7
    asset = make_asset("in_stock")
    services.create_plan(
        actor=it, title="Service", interval_months=6, first_due_on=TODAY() + days(8), asset=asset
    )

    assert send("maintenance_due").due == 0
    assert send("maintenance_due", TODAY() + days(1)).recorded == 1


def test_once_done_the_next_round_is_reminded_when_it_comes_due(it, send):
    asset = make_asset("in_stock", name="UPS")
    plan = services.create_plan(
        actor=it, title="Battery test", interval_months=1, first_due_on=TODAY(), asset=asset
    )
    send("maintenance_due")
    services.log_work(asset, actor=it, title="Battery test", plan=plan)
    next_due = plans_due = services.plans_for_asset(asset)[0]["due_on"]

    assert send("maintenance_due").due == 0
    result = send("maintenance_due", next_due)

    assert result.recorded == 1
    assert (
        inbox(it)[-1] == f"Maintenance due: Battery test for {asset.tag} UPS (due on {plans_due})"
    )
    later = send("maintenance_due", next_due + days(5))
    assert later.recorded == 0


def test_overdue_maintenance_says_so_and_inactive_plans_are_quiet(it, send):
    asset = make_asset("in_stock", name="Chiller")
    services.create_plan(
        actor=it, title="Filters", interval_months=1, first_due_on=TODAY() - days(4), asset=asset
    )
    quiet = services.create_plan(
        actor=it, title="Old", interval_months=1, first_due_on=TODAY() - days(4), asset=asset
    )
    services.update_plan(quiet, actor=it, active=False)

    send("maintenance_due")

    assert inbox(it) == [
        f"Maintenance due: Filters for {asset.tag} Chiller (overdue since {TODAY() - days(4)})"
    ]


# --- audits ------------------------------------------------------------------------------------


def test_audits_due_and_overdue_go_to_the_auditors(it, send):
    auditor = make_user("auditor", username="auditor")
    due = make_asset("in_stock", name="Due", next_audit_date=TODAY() + days(3))
    overdue = make_asset("deployed", name="Overdue", next_audit_date=TODAY() - days(2))
    make_asset("in_stock", name="Later", next_audit_date=TODAY() + days(30))
    make_asset("retired", name="Retired", next_audit_date=TODAY() - days(2))

    result = send("audits_due")

    assert reminders() == sorted(
        [
            (due.pk, "audit_due", TODAY() + days(3)),
            (overdue.pk, "audit_overdue", TODAY() - days(2)),
        ]
    )
    assert inbox(auditor) == mails(auditor) == ["Audits due or overdue: 2"]
    body = Notification.objects.get(recipient=auditor).body
    assert f"{overdue.tag} Overdue: audit overdue since {TODAY() - days(2)}" in body
    assert f"{due.tag} Due: audit due on {TODAY() + days(3)}" in body
    assert inbox(it) == []  # auditors exist, so IT staff are spared
    assert result.recorded == 2


def test_an_audit_due_is_told_again_once_it_is_overdue(it, send):
    auditor = make_user("auditor", username="auditor")
    asset = make_asset("in_stock", name="Switch", next_audit_date=TODAY() + days(2))

    assert send("audits_due").kinds == {"audit_due": 1}
    assert send("audits_due", TODAY() + days(2)).recorded == 0  # due today: not overdue yet
    assert send("audits_due", TODAY() + days(3)).kinds == {"audit_overdue": 1}
    assert send("audits_due", TODAY() + days(9)).recorded == 0

    assert inbox(auditor) == [
        f"Audit due: {asset.tag} Switch ({TODAY() + days(2)})",
        f"Audit overdue: {asset.tag} Switch ({TODAY() + days(2)})",
    ]


def test_without_auditors_it_staff_are_told_about_audits(it, send):
    make_user("auditor", username="left", is_active=False)
    make_asset("in_stock", next_audit_date=TODAY())

    send("audits_due")

    assert len(inbox(it)) == 1


# --- loaners -----------------------------------------------------------------------------------


def test_an_overdue_loaner_tells_the_borrower_their_manager_and_it_staff(it, send):
    sales = DepartmentFactory(name="Sales", slug="sales")
    manager = make_user("manager", department=sales, username="sales-manager")
    borrower = make_user("employee", department=sales, username="borrower")
    colleague = make_user("employee", department=sales, username="colleague")
    other_manager = make_user("manager", department=DepartmentFactory(), username="other")
    asset = make_asset("in_stock", name="Loaner laptop")
    back_by = TODAY() + days(2)
    lifecycle.deploy(asset, to=borrower, actor=it, expected_return_date=back_by)

    assert send("loaners_overdue", back_by).due == 0  # due back today: not late yet
    result = send("loaners_overdue", back_by + days(1))

    expected = f"Loaner overdue: {asset.tag} Loaner laptop was due back on {back_by}"
    for person in (borrower, manager, it):
        assert inbox(person) == mails(person) == [expected]
    assert inbox(colleague) == inbox(other_manager) == []
    assert (
        f"with {borrower.get_full_name()}" in Notification.objects.filter(recipient=it).get().body
    )
    told = set(Notification.objects.values_list("recipient__username", flat=True))
    assert told == {"borrower", "sales-manager", "it-one", it_robot().username}
    assert result.messages == 4
    assert send("loaners_overdue", back_by + days(5)).recorded == 0


def test_a_loaner_held_by_a_department_tells_its_manager(it, send):
    lab = DepartmentFactory(name="Lab", slug="lab")
    manager = make_user("manager", department=lab, username="lab-manager")
    asset = make_asset("in_stock")
    lifecycle.deploy(asset, to=lab, actor=it, expected_return_date=TODAY() + days(1))

    send("loaners_overdue", TODAY() + days(4))

    assert len(inbox(manager)) == 1
    assert len(inbox(it)) == 1


def test_a_returned_loaner_is_not_overdue(it, send):
    borrower = make_user("employee", username="borrower")
    asset = make_asset("in_stock")
    lifecycle.deploy(asset, to=borrower, actor=it, expected_return_date=TODAY() + days(1))
    lifecycle.check_in(asset, actor=it)

    assert send("loaners_overdue", TODAY() + days(3)).due == 0
    assert inbox(borrower) == []


def test_a_loaner_lent_again_is_reminded_for_its_new_date(it, send):
    borrower = make_user("employee", username="borrower")
    asset = make_asset("in_stock")
    lifecycle.deploy(asset, to=borrower, actor=it, expected_return_date=TODAY() + days(1))
    send("loaners_overdue", TODAY() + days(2))
    lifecycle.check_in(asset, actor=it)
    lifecycle.deploy(asset, to=borrower, actor=it, expected_return_date=TODAY() + days(3))

    assert send("loaners_overdue", TODAY() + days(4)).recorded == 1
    assert len(inbox(borrower)) == 2


# --- requests waiting for a decision -----------------------------------------------------------


def test_a_request_waiting_n_days_reminds_the_approver_once(send, settings):
    settings.ITAM_REQUEST_REMINDER_DAYS = 3
    team = make_team()
    request = make_request(team, cost="500")

    assert send("requests_waiting", TODAY() + days(2)).due == 0  # not before N days
    result = send("requests_waiting", TODAY() + days(3))

    assert result.recorded == 1
    [subject] = inbox(team.manager)
    assert subject.startswith(f"Waiting for your decision: request #{request.pk} ")
    assert subject.endswith("(3 days)")
    assert mails(team.manager) == [subject]
    for person in (team.employee, team.colleague, team.it, team.it_second):
        assert inbox(person) == []
    assert send("requests_waiting", TODAY() + days(4)).recorded == 0
    assert Notification.objects.get(recipient=team.manager).url == request.get_absolute_url()


def test_the_wait_is_configurable(send, settings):
    settings.ITAM_REQUEST_REMINDER_DAYS = 10
    team = make_team()
    make_request(team, cost="500")

    assert send("requests_waiting", TODAY() + days(9)).due == 0
    assert send("requests_waiting", TODAY() + days(10)).recorded == 1


def test_the_second_step_is_reminded_to_it_after_the_manager_approved(send, settings):
    settings.ITAM_REQUEST_REMINDER_DAYS = 3
    settings.ITAM_SECOND_APPROVAL_ABOVE = 2000
    team = make_team()
    request = make_request(team, cost="2500")
    requests.approve_request(request, actor=team.manager)

    result = send("requests_waiting", TODAY() + days(3))

    assert result.kinds == {"request_waiting_it": 1}
    assert len(inbox(team.it)) == len(inbox(team.it_second)) == 1
    assert inbox(team.manager) == []


def test_the_second_step_never_reminds_the_requester_or_the_first_approver(send, settings):
    settings.ITAM_REQUEST_REMINDER_DAYS = 3
    settings.ITAM_SECOND_APPROVAL_ABOVE = 2000
    team = make_team()
    asker = make_user("it", department=team.department, username="it-in-engineering")
    ask = make_request(team, actor=asker, cost="2500")  # IT staff asking for themselves
    requests.approve_request(ask, actor=team.manager)

    send("requests_waiting", TODAY() + days(3))

    assert len(inbox(team.it)) == len(inbox(team.it_second)) == 1
    assert inbox(asker) == []
    assert inbox(team.manager) == []
    told = set(Notification.objects.values_list("recipient_id", flat=True))
    assert told == {person.pk for person in requests.approvers_for(ask)}


def test_decided_requests_are_not_reminded(send, settings):
    settings.ITAM_REQUEST_REMINDER_DAYS = 3
    team = make_team()
    request = make_request(team, cost="500")
    requests.reject_request(request, actor=team.manager, reason="Not this year")

    assert send("requests_waiting", TODAY() + days(5)).due == 0


# --- bounded work ------------------------------------------------------------------------------


def count_queries(send, job: str, today: datetime.date) -> tuple[int, object]:
    ContentType.objects.clear_cache()
    with CaptureQueriesContext(connection) as queries:
        result = send(job, today)
    return len(queries), result


def test_licence_reminders_cost_the_same_queries_for_5_or_50_licences(it, send):
    make_user("it", username="it-two")
    owner = make_user("employee", username="owner")
    for n in range(5):
        licence(it, f"Small {n}", expires_in=5, owner=owner)
    few, few_result = count_queries(send, "license_renewals", TODAY())
    for n in range(50):
        licence(it, f"Large {n}", expires_in=200, owner=owner)

    many, many_result = count_queries(send, "license_renewals", TODAY() + days(195))

    assert (few_result.recorded, many_result.recorded) == (5, 55)  # 50 due + 5 now expired
    assert many == few
    assert few <= 25


def test_warranty_reminders_cost_the_same_queries_for_5_or_50_assets(it, send):
    for _ in range(5):
        make_asset("in_stock", warranty_end=TODAY() + days(10))
    few, few_result = count_queries(send, "warranty_ends", TODAY())
    for _ in range(50):
        make_asset("deployed", warranty_end=TODAY() + days(100))

    many, many_result = count_queries(send, "warranty_ends", TODAY() + days(90))

    assert (few_result.recorded, many_result.recorded) == (5, 50)
    assert many == few


def test_audit_reminders_cost_the_same_queries_for_5_or_50_assets(it, send):
    make_user("auditor", username="auditor")
    for _ in range(5):
        make_asset("in_stock", next_audit_date=TODAY() + days(2))
    few, few_result = count_queries(send, "audits_due", TODAY())
    for _ in range(50):
        make_asset("in_stock", next_audit_date=TODAY() + days(100))

    many, many_result = count_queries(send, "audits_due", TODAY() + days(99))

    assert (few_result.recorded, many_result.recorded) == (5, 55)
    assert many == few


def test_loaner_reminders_cost_the_same_queries_for_5_or_50_loans(it, send):
    team = DepartmentFactory(name="Field", slug="field")
    make_user("manager", department=team, username="field-manager")
    borrower = make_user("employee", department=team, username="borrower")
    for _ in range(5):
        asset = make_asset("in_stock")
        lifecycle.deploy(asset, to=borrower, actor=it, expected_return_date=TODAY() + days(1))
    few, few_result = count_queries(send, "loaners_overdue", TODAY() + days(2))
    for _ in range(50):
        asset = make_asset("in_stock")
        lifecycle.deploy(asset, to=borrower, actor=it, expected_return_date=TODAY() + days(10))

    many, many_result = count_queries(send, "loaners_overdue", TODAY() + days(11))

    assert (few_result.recorded, many_result.recorded) == (5, 50)
    assert many == few


def test_maintenance_reminders_cost_the_same_queries_for_5_or_50_assets(it, send):
    holder = make_user("employee", username="holder")
    kit = CategoryFactory(name="Kit")
    for _ in range(5):
        make_asset("deployed", holder=holder, category=kit)
    services.create_plan(
        actor=it, title="Check", interval_months=6, first_due_on=TODAY(), category=kit
    )
    few, few_result = count_queries(send, "maintenance_due", TODAY())
    for _ in range(45):
        make_asset("deployed", holder=holder, category=kit)

    many, many_result = count_queries(send, "maintenance_due", TODAY())

    assert (few_result.recorded, many_result.recorded) == (5, 45)
    assert many == few


@pytest.mark.parametrize("cost", ["500", "2500"], ids=["manager-step", "it-step"])
def test_request_reminders_cost_the_same_queries_for_5_or_50_requests(send, settings, cost):
    settings.ITAM_REQUEST_REMINDER_DAYS = 3
    settings.ITAM_SECOND_APPROVAL_ABOVE = 2000
    team = make_team()

    def waiting(count):
        for _ in range(count):
            request = make_request(team, cost=cost)
            if request.needs_second_approval:
                requests.approve_request(request, actor=team.manager)

    waiting(5)
    few, few_result = count_queries(send, "requests_waiting", TODAY() + days(3))
    waiting(45)

    many, many_result = count_queries(send, "requests_waiting", TODAY() + days(3))

    assert (few_result.recorded, many_result.recorded) == (5, 45)
    assert many == few


def test_a_large_run_stays_within_a_fixed_number_of_queries(
    it, send, django_assert_max_num_queries
):
    for n in range(120):
        licence(it, f"Product {n}", expires_in=n % 61 - 1)
    ContentType.objects.clear_cache()

    with django_assert_max_num_queries(20):
        result = send("license_renewals")

    assert result.recorded == 120
    assert inbox(it) == ["Licence renewals due: 120"]


# --- the command, the task and the schedule ----------------------------------------------------


def test_the_command_runs_every_job_and_says_what_it_did(it, django_capture_on_commit_callbacks):
    licence(it, expires_in=5)
    make_asset("in_stock", warranty_end=TODAY() + days(3))
    out = io.StringIO()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_reminders", stdout=out)

    lines = out.getvalue().splitlines()
    assert [line.split(":")[0] for line in lines] == list(JOBS)
    # it and the IT robot that registered the asset
    assert "license_renewals: 1 due, 1 new reminder(s), 2 person(s) told" in lines
    assert "warranty_ends: 1 due, 1 new reminder(s), 2 person(s) told" in lines
    assert "audits_due: 0 due, 0 new reminder(s), 0 person(s) told" in lines
    assert len(inbox(it)) == 2


def test_the_command_runs_one_job_as_of_a_date(it, django_capture_on_commit_callbacks):
    lic = licence(it, expires_in=100)
    make_user("employee", username="bystander")
    out = io.StringIO()

    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "send_reminders",
            "--job",
            "license_renewals",
            "--date",
            (lic.expires_on - days(7)).isoformat(),
            stdout=out,
        )

    assert out.getvalue().splitlines() == [
        "license_renewals: 1 due, 1 new reminder(s), 1 person(s) told"
    ]
    assert reminders() == [(lic.pk, "license_renewal_7", lic.expires_on)]


@pytest.mark.parametrize("date", ["31/12/2025", "2025-02-30", "tomorrow"])
def test_the_command_refuses_a_date_it_cannot_read(date):
    with pytest.raises(CommandError, match="use YYYY-MM-DD"):
        call_command("send_reminders", "--date", date)
    assert Reminder.objects.count() == 0


def test_the_command_refuses_an_unknown_job():
    with pytest.raises(CommandError, match="invalid choice"):
        call_command("send_reminders", "--job", "birthdays")


def test_the_command_can_queue_the_jobs_for_the_workers(it, django_capture_on_commit_callbacks):
    licence(it, expires_in=5)
    out = io.StringIO()

    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "send_reminders", "--enqueue", "--times", "2", "--job", "license_renewals", stdout=out
        )

    assert out.getvalue().strip() == "Queued 1 job(s) × 2."
    assert Reminder.objects.count() == 1  # queued twice, recorded and sent once
    assert len(inbox(it)) == 1


def test_the_task_runs_a_job_as_of_a_day_and_reports_it(it, django_capture_on_commit_callbacks):
    from itam.tasks import run_reminder_job

    lic = licence(it, expires_in=90)

    with django_capture_on_commit_callbacks(execute=True):
        report = run_reminder_job.delay(
            "license_renewals", (lic.expires_on - days(30)).isoformat()
        ).get()

    assert report == {
        "job": "license_renewals",
        "due": 1,
        "recorded": 1,
        "messages": 1,
        "kinds": {"license_renewal_30": 1},
    }
    assert len(inbox(it)) == 1


def test_an_unknown_job_is_refused():
    with pytest.raises(ValueError, match="Unknown reminder job 'birthdays'"):
        run_job("birthdays")


def test_the_beat_schedule_runs_every_job_daily_at_the_reminder_time(settings):
    from itam.celery import app

    schedule = settings.CELERY_BEAT_SCHEDULE
    hour, minute = (int(part) for part in settings.ITAM_REMINDER_TIME.split(":"))

    assert tuple(JOBS) == REMINDER_JOBS
    assert {entry["args"] for entry in schedule.values()} == {(job,) for job in JOBS}
    assert len(schedule) == len(JOBS)
    for entry in schedule.values():
        assert entry["task"] == "itam.tasks.run_reminder_job"
        assert entry["schedule"].hour == {hour}
        assert entry["schedule"].minute == {minute}
        assert entry["schedule"].day_of_week == set(range(7))
        assert entry["schedule"].day_of_month == set(range(1, 32))
    assert "itam.tasks.run_reminder_job" in app.tasks
    assert app.conf.beat_schedule == schedule


def test_the_schedule_follows_the_configured_time():
    schedule = reminder_schedule("23:05")
    entry = schedule["reminders-license_renewals"]
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({23}, {5})


@pytest.mark.parametrize("value", ["6.30", "24:00", "06:60", "half past six", "", "6", "6:30:00"])
def test_a_bad_reminder_time_is_a_clear_configuration_error(value):
    with pytest.raises(ImproperlyConfigured, match=r"ITAM_REMINDER_TIME=.*HH:MM"):
        reminder_schedule(value)


def test_a_bad_reminder_time_stops_the_app_from_starting():
    env = {**os.environ, "ITAM_REMINDER_TIME": "25:99", "DJANGO_SETTINGS_MODULE": "itam.settings"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "ITAM_REMINDER_TIME='25:99': give a time of day as HH:MM" in result.stderr


# --- what a message can carry ------------------------------------------------------------------


def test_a_long_subject_is_shortened_not_lost(it, send):
    asset = make_asset("in_stock", name="Uninterruptible power supply " + "x" * 150)
    title = "Quarterly preventive maintenance of the UPS batteries, per the vendor contract " * 2
    services.create_plan(
        actor=it, title=title[:200], interval_months=3, first_due_on=TODAY(), asset=asset
    )

    send("maintenance_due")

    [subject] = inbox(it)
    assert len(subject) <= 200
    assert subject.startswith("Maintenance due: Quarterly preventive maintenance")
    assert subject.endswith("…")
    assert mails(it) == [subject]
    assert asset.tag in Notification.objects.get(recipient=it).body


def test_a_name_with_a_line_break_still_makes_a_one_line_subject(it, send):
    licence(it, "Acrobat\nPro", expires_in=5)

    send("license_renewals")

    assert (
        inbox(it)
        == mails(it)
        == [f"Licence renewal: Acrobat Pro expires in 5 days ({TODAY() + days(5)})"]
    )
