"""The in-app inbox, the unread count in the header, the dashboard's request sections, and
confirming receipt of an asset."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from itam.models import Notification
from requests_app import services
from tests.factories import make_asset, make_user
from tests.request_factories import make_request, make_team

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"


def note(user, subject: str, *, url: str = "/requests/", read: bool = False) -> Notification:
    from django.utils import timezone

    return Notification.objects.create(
        recipient=user,
        kind="request_waiting",
        subject=subject,
        body=f"Body of {subject}",
        url=url,
        read_at=timezone.now() if read else None,
    )


@pytest.fixture
def eve():
    return make_user("employee", username="eve")


@pytest.fixture
def fay():
    return make_user("employee", username="fay")


# --- the inbox -----------------------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in(client):
    assert client.get(reverse("inbox")).status_code == 302
    assert client.post(reverse("inbox-read")).status_code == 302


def test_inbox_shows_only_my_notifications_newest_first_unread_highlighted(client, eve, fay):
    old = note(eve, "Old news", read=True)
    new = note(eve, "Request #7 waits for your decision", url="/requests/7/")
    note(fay, "Fay's secret")
    client.force_login(eve)

    response = client.get(reverse("inbox"))

    html = response.content.decode()
    assert response.status_code == 200
    assert [n.pk for n in response.context["notifications"]] == [new.pk, old.pk]
    assert "Fay's secret" not in html
    assert 'href="/requests/7/">Request #7 waits for your decision</a>' in html
    assert html.count("inbox__item--unread") == 1
    assert '<span class="nav-count">1<span class="visually-hidden"> unread</span>' in html


def test_mark_all_read_touches_only_mine(client, eve, fay):
    note(eve, "One")
    note(eve, "Two")
    theirs = note(fay, "Fay's")
    client.force_login(eve)

    response = client.post(reverse("inbox-read"))

    assert response.status_code == 302 and response["Location"] == reverse("inbox")
    assert not Notification.objects.filter(recipient=eve, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None
    html = client.get(reverse("inbox")).content.decode()
    assert "Marked 2 notifications as read" in html
    assert "nav-count" not in html


def test_marking_one_read_cannot_reach_someone_elses(client, eve, fay):
    mine = note(eve, "Mine")
    other = note(eve, "Other of mine")
    theirs = note(fay, "Fay's")
    client.force_login(eve)

    client.post(reverse("inbox-read"), {"id": theirs.pk})
    client.post(reverse("inbox-read"), {"id": mine.pk})

    theirs.refresh_from_db(), mine.refresh_from_db(), other.refresh_from_db()
    assert theirs.read_at is None
    assert mine.read_at is not None and other.read_at is None
    assert client.post(reverse("inbox-read"), {"id": "abc"}).status_code == 404


def test_get_on_mark_read_changes_nothing(client, eve):
    unread = note(eve, "Still unread")
    client.force_login(eve)
    assert client.get(reverse("inbox-read")).status_code == 405
    unread.refresh_from_db()
    assert unread.read_at is None


def test_a_link_that_is_not_a_path_here_is_not_linked_and_text_is_escaped(client, eve):
    note(eve, SCRIPT, url="javascript:alert(1)")
    note(eve, "Elsewhere", url="//evil.example/")
    client.force_login(eve)
    html = client.get(reverse("inbox")).content.decode()
    assert "javascript:" not in html and "evil.example" not in html
    assert SCRIPT not in html and "&lt;script&gt;" in html


def test_the_header_count_costs_one_query_and_does_not_grow(client, eve):
    client.force_login(eve)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            client.get(reverse("inbox"))
        return len(ctx.captured_queries)

    note(eve, "first")
    before = queries()
    for n in range(20):
        note(eve, f"n{n}")
    assert queries() == before


def test_decisions_reach_the_inbox(client, django_capture_on_commit_callbacks):
    team = make_team("Engineering")
    with django_capture_on_commit_callbacks(execute=True):
        request = make_request(team)
    client.force_login(team.manager)
    html = client.get(reverse("inbox")).content.decode()
    assert f"Request #{request.pk} waits for your decision" in html
    assert f'href="{request.get_absolute_url()}"' in html

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("requests_app:reject", args=[request.pk]), {"reason": "Use a spare"})
    client.force_login(team.employee)
    html = client.get(reverse("inbox")).content.decode()
    assert f"Request #{request.pk} was rejected" in html and "Use a spare" in html


# --- dashboard -----------------------------------------------------------------------------


def test_dashboard_shows_requests_waiting_for_me_and_my_requests(client):
    team = make_team("Engineering")
    request = make_request(team, justification="New laptop")
    client.force_login(team.manager)
    html = client.get(reverse("dashboard")).content.decode()
    assert "Requests waiting for me" in html
    assert f'href="{request.get_absolute_url()}"' in html

    client.force_login(team.employee)
    html = client.get(reverse("dashboard")).content.decode()
    assert "Requests waiting for me" not in html
    assert "My requests" in html and f'href="{request.get_absolute_url()}"' in html

    services.cancel_request(request, actor=team.employee, reason="No longer needed")
    html = client.get(reverse("dashboard")).content.decode()
    assert "No open requests" in html


# --- confirming receipt --------------------------------------------------------------------


def test_holder_confirms_receipt_from_the_dashboard(client, eve):
    laptop = make_asset("deployed", holder=eve, name="Eve laptop")
    client.force_login(eve)
    html = client.get(reverse("dashboard")).content.decode()
    confirm = reverse("assets:confirm-receipt", args=[laptop.tag])
    assert f'action="{confirm}"' in html

    response = client.post(confirm, {"next": reverse("dashboard")})

    assert response.status_code == 302 and response["Location"] == reverse("dashboard")
    laptop.refresh_from_db()
    assert laptop.accepted_at is not None
    html = client.get(reverse("dashboard")).content.decode()
    assert "Receipt confirmed" in html and f'action="{confirm}"' not in html
    history = list(
        laptop.history.order_by("-history_date").values_list("history_action", flat=True)
    )
    assert history[0] == "accept"

    again = client.post(confirm)
    assert again.status_code == 302
    assert "already confirmed" in client.get(again["Location"]).content.decode()


def test_only_the_holder_may_confirm_and_get_changes_nothing(client, eve, fay):
    laptop = make_asset("deployed", holder=eve, name="Eve laptop")
    confirm = reverse("assets:confirm-receipt", args=[laptop.tag])
    it_user = make_user("it", username="ian")

    client.force_login(fay)
    assert client.post(confirm).status_code == 404  # cannot even see it
    client.force_login(it_user)
    assert "Confirm receipt</button>" not in client.get(laptop.get_absolute_url()).content.decode()
    assert client.post(confirm).status_code == 403
    client.force_login(eve)
    assert client.get(confirm).status_code == 405
    # an open redirect is not followed
    response = client.post(confirm, {"next": "https://evil.example/"})
    assert response["Location"] == laptop.get_absolute_url()

    laptop.refresh_from_db()
    assert laptop.accepted_at is not None  # only eve's POST counted
