"""Getting in: the new hire's welcome e-mail, re-sent sign-in links, and password reset for all.

Links in these e-mails must come from ITAM_BASE_URL whatever Host header the request carried.
"""

import re
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from requests_app import services
from tests.factories import PASSWORD, make_user
from tests.request_factories import approved_request, make_team, new_hire

pytestmark = pytest.mark.django_db

User = get_user_model()
BASE_URL = "https://itam.example.org"
NEW_PASSWORD = "plum-orbit-lantern-42"
LINK = re.compile(r"https?://\S+/accounts/reset/\S+/")


@pytest.fixture(autouse=True)
def _base_url(settings):
    settings.ITAM_BASE_URL = BASE_URL


@pytest.fixture
def team():
    return make_team()


def only_link(message) -> str:
    """The one password link in an e-mail."""
    links = LINK.findall(message.body)
    assert len(links) == 1, message.body
    return links[0]


def choose_password(client, link: str, password: str = NEW_PASSWORD):
    """Follow the link as the person would, then submit the set-password form."""
    page = client.get(urlsplit(link).path, follow=True)
    assert page.status_code == 200
    assert "Choose your password" in page.content.decode()
    set_password_path = page.redirect_chain[-1][0] if page.redirect_chain else urlsplit(link).path
    return client.post(
        set_password_path,
        {"new_password1": password, "new_password2": password},
        follow=True,
    )


def signs_in(client, username: str, password: str = NEW_PASSWORD) -> bool:
    client.logout()
    client.post(reverse("login"), {"username": username, "password": password})
    return client.get(reverse("dashboard")).status_code == 200


def create_account_on_the_web(client, team, **extra):
    request = approved_request(team, new_hire=new_hire(team))
    client.force_login(team.it)
    response = client.post(
        reverse("requests_app:new-hire", args=[request.pk]),
        {"username": "jordan.lee", "email": "jordan.lee@example.com"},
        **extra,
    )
    client.logout()
    return response


def test_a_new_hire_gets_one_welcome_mail_and_chooses_a_password(
    client, team, django_capture_on_commit_callbacks
):
    # given an approved request for a new hire
    request = approved_request(team, new_hire=new_hire(team))
    mail.outbox.clear()
    # when IT staff create the account with an e-mail address
    with django_capture_on_commit_callbacks(execute=True):
        services.create_new_hire_account(
            request, actor=team.it, username="jordan.lee", email="jordan.lee@example.com"
        )
    # then exactly one welcome e-mail goes to the new hire, saying who they are and for how long
    welcome = [m for m in mail.outbox if m.to == ["jordan.lee@example.com"]]
    assert len(welcome) == 1
    body = welcome[0].body
    assert "IT staff have created your account" in body
    assert "Your username: jordan.lee" in body
    assert "3 days" in body
    assert "ask IT staff to send a new one" in body
    assert "choose your password" in welcome[0].subject
    link = only_link(welcome[0])
    assert link.startswith(f"{BASE_URL}/accounts/reset/")
    # when they follow it and choose a password
    done = choose_password(client, link)
    # then they are told it is saved, and they can sign in with it
    assert "Your password is saved" in done.content.decode()
    assert signs_in(client, "jordan.lee")


def test_the_welcome_link_ignores_the_host_that_created_the_account(
    client, team, settings, django_capture_on_commit_callbacks
):
    # given a request that reaches the app with a forged Host header
    settings.ALLOWED_HOSTS = ["*"]
    mail.outbox.clear()
    # when IT staff create the new hire's account through it
    with django_capture_on_commit_callbacks(execute=True):
        response = create_account_on_the_web(client, team, HTTP_HOST="evil.example")
    assert response.status_code == 302
    # then the welcome link still points at ITAM_BASE_URL
    welcome = [m for m in mail.outbox if m.to == ["jordan.lee@example.com"]]
    assert len(welcome) == 1
    assert "evil.example" not in welcome[0].body
    assert only_link(welcome[0]).startswith(f"{BASE_URL}/accounts/reset/")


def test_a_used_link_no_longer_works(client, team, django_capture_on_commit_callbacks):
    # given a new hire who has chosen a password through their welcome link
    request = approved_request(team, new_hire=new_hire(team))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.create_new_hire_account(
            request, actor=team.it, username="jordan.lee", email="jordan.lee@example.com"
        )
    link = only_link(mail.outbox[-1])
    choose_password(client, link)
    # when someone opens the same link again
    page = client.get(urlsplit(link).path, follow=True)
    # then it says so and offers a new one, and the password stays as chosen
    content = page.content.decode()
    assert "This link no longer works" in content
    assert reverse("password_reset") in content
    assert "new_password1" not in content
    assert signs_in(client, "jordan.lee")


def test_nothing_is_sent_when_the_account_cannot_be_created(
    team, django_capture_on_commit_callbacks
):
    # given an approved new-hire request
    request = approved_request(team, new_hire=new_hire(team))
    mail.outbox.clear()
    # when IT staff pick a username that is taken
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(ValidationError, match="taken"),
    ):
        services.create_new_hire_account(
            request, actor=team.it, username=team.employee.username, email="new@example.com"
        )
    # then no welcome e-mail goes anywhere
    assert callbacks == []
    assert mail.outbox == []


def test_an_account_without_an_email_gets_no_welcome_mail(team, django_capture_on_commit_callbacks):
    # given an approved new-hire request
    request = approved_request(team, new_hire=new_hire(team))
    mail.outbox.clear()
    # when IT staff create the account without an e-mail address
    with django_capture_on_commit_callbacks(execute=True):
        services.create_new_hire_account(request, actor=team.it, username="jordan.lee")
    # then nobody is sent a sign-in link
    assert not any("/accounts/reset/" in m.body for m in mail.outbox)


def test_anyone_can_reset_a_forgotten_password_and_a_forged_host_does_not_change_the_link(
    client, settings
):
    # given a person with a password, and a server that accepts any Host header
    settings.ALLOWED_HOSTS = ["*"]
    sam = make_user("employee", username="sam.taylor", email="sam.taylor@example.com")
    # when someone asks for a reset of their address, signed out, with another Host header
    form = client.get(reverse("login"))
    assert reverse("password_reset") in form.content.decode()
    response = client.post(
        reverse("password_reset"), {"email": "SAM.TAYLOR@example.com"}, HTTP_HOST="evil.example"
    )
    # then they are told to check their e-mail, and the link is from ITAM_BASE_URL
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [sam.email]
    assert "evil.example" not in mail.outbox[0].body
    link = only_link(mail.outbox[0])
    assert link.startswith(f"{BASE_URL}/accounts/reset/")
    # and the link lets them choose a new password and sign in with it, not the old one
    assert "Your password is saved" in choose_password(client, link).content.decode()
    assert signs_in(client, "sam.taylor")
    assert not signs_in(client, "sam.taylor", PASSWORD)


def test_a_new_hire_whose_link_expired_can_ask_for_another(client):
    # given an active account without a usable password, and an inactive one at the same address
    fresh = User.objects.create_user("jordan.lee", email="jordan@example.com")
    assert not fresh.has_usable_password()
    User.objects.create_user("jordan.old", email="jordan@example.com", is_active=False)
    # when the new hire asks for a reset with their address
    client.post(reverse("password_reset"), {"email": "jordan@example.com"})
    # then only the active account gets a link
    assert len(mail.outbox) == 1
    assert "Your username: jordan.lee" in mail.outbox[0].body


def test_an_unknown_address_is_not_revealed(client):
    # when someone asks for a reset of an address nobody has
    response = client.post(reverse("password_reset"), {"email": "nobody@example.com"}, follow=True)
    # then the page looks the same as for a known address, and nothing is sent
    assert "Check your e-mail" in response.content.decode()
    assert mail.outbox == []


def test_the_set_password_form_shows_why_a_password_is_refused(client):
    # given a valid link for a person
    make_user("employee", username="sam.taylor", email="sam.taylor@example.com")
    client.post(reverse("password_reset"), {"email": "sam.taylor@example.com"})
    link = only_link(mail.outbox[0])
    # when they choose a password that is too short and common
    page = choose_password(client, link, password="qwerty")
    # then the validators' messages are on the form, and the password is not set
    content = page.content.decode()
    errors = content[content.index('id="id_new_password1_error"') :]
    assert "This password is too short" in errors
    assert "This password is too common" in content
    assert not signs_in(client, "sam.taylor", "qwerty")


def test_the_reset_pages_open_signed_out(client):
    # when someone who is not signed in opens the reset pages
    for name in ("password_reset", "password_reset_done", "password_reset_complete"):
        response = client.get(reverse(name))
        # then they are shown, not sent to the sign-in page
        assert response.status_code == 200, name
    bad = client.get(reverse("password_reset_confirm", args=["MQ", "no-such-token"]))
    assert bad.status_code == 200
    assert "This link no longer works" in bad.content.decode()


def test_it_staff_can_resend_a_sign_in_link_and_an_employee_cannot(
    client, team, django_capture_on_commit_callbacks
):
    # given a new hire's account without a password
    jordan = User.objects.create_user("jordan.lee", email="jordan.lee@example.com")
    url = reverse("send-sign-in-link", args=[jordan.username])
    # when an employee tries to send them a link
    client.force_login(team.employee)
    with django_capture_on_commit_callbacks(execute=True):
        refused = client.post(url)
    # then it is refused and nothing is sent
    assert refused.status_code == 403
    assert mail.outbox == []
    # when IT staff send one
    client.force_login(team.it)
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(url, {"next": "/requests/"}, follow=True)
    # then the new hire gets a working link, and IT staff are told where it went
    assert sent.redirect_chain[0][0] == "/requests/"
    assert "Sent a sign-in link to jordan.lee at jordan.lee@example.com" in sent.content.decode()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["jordan.lee@example.com"]
    client.logout()
    assert (
        "Your password is saved"
        in choose_password(client, only_link(mail.outbox[0])).content.decode()
    )
    assert signs_in(client, "jordan.lee")


def test_a_sign_in_link_needs_an_address_and_a_post(client, team):
    # given an account without an e-mail address
    User.objects.create_user("no.mail")
    client.force_login(team.it)
    url = reverse("send-sign-in-link", args=["no.mail"])
    # when IT staff open the link with GET, or post it
    assert client.get(url).status_code == 405
    page = client.post(url, follow=True)
    # then they are told what is missing, and nothing is sent
    assert "has no e-mail address" in page.content.decode()
    assert mail.outbox == []
    # and an unknown person is a 404
    assert client.post(reverse("send-sign-in-link", args=["nobody"])).status_code == 404


def test_a_reset_is_queued_not_sent_in_the_request(client, monkeypatch):
    # given a person, and a mail queue that only records what it is given
    sam = make_user("employee", username="sam.taylor", email="sam.taylor@example.com")
    from itam import tasks

    queued = []
    monkeypatch.setattr(tasks.send_password_reset, "delay", lambda *args: queued.append(args))
    # when they ask for a reset
    response = client.post(reverse("password_reset"), {"email": "Sam.Taylor@example.com"})
    # then the page answers at once and the mail waits for a worker, nothing sent by the page
    assert response.status_code == 302
    assert queued == [(sam.pk, "Sam.Taylor@example.com")]
    assert mail.outbox == []
    # and the worker writes the same e-mail the page used to
    assert tasks.send_password_reset(sam.pk, "Sam.Taylor@example.com") is True
    assert mail.outbox[0].subject == "Choose a new ITAM password"
    assert "Someone asked to reset the ITAM password for Sam.Taylor@example.com" in (
        mail.outbox[0].body
    )
    assert only_link(mail.outbox[0]).startswith(f"{BASE_URL}/accounts/reset/")


def test_one_address_gets_at_most_the_hourly_number_of_reset_mails(client, settings):
    # given a person, and at most 3 reset mails an hour to one address
    settings.ITAM_RESET_PER_ADDRESS = 3
    make_user("employee", username="sam.taylor", email="sam.taylor@example.com")
    # when someone asks five times, in any spelling of the address
    pages = [
        client.post(reverse("password_reset"), {"email": email}, follow=True)
        for email in ["sam.taylor@example.com", "SAM.TAYLOR@example.com"] * 2
        + ["sam.taylor@example.com"]
    ]
    # then every answer looks the same, and only three mails went out
    assert all("Check your e-mail" in page.content.decode() for page in pages)
    assert len(mail.outbox) == 3
    # and another person's address is not held back by it
    make_user("employee", username="ana.silva", email="ana@example.com")
    client.post(reverse("password_reset"), {"email": "ana@example.com"})
    assert len(mail.outbox) == 4


def test_a_client_probing_many_addresses_is_told_to_wait(client, settings):
    # given at most 3 reset requests an hour from one client, and a person
    settings.ITAM_RESET_PER_CLIENT = 3
    make_user("employee", username="sam.taylor", email="sam.taylor@example.com")
    for n in range(3):
        client.post(reverse("password_reset"), {"email": f"guess{n}@example.com"})
    # when the same client asks a fourth time, for a real address
    page = client.post(reverse("password_reset"), {"email": "sam.taylor@example.com"})
    # then it is refused with what to do, and nothing is sent
    assert page.status_code == 429
    assert "Wait an hour and try again" in page.content.decode()
    assert mail.outbox == []
    # and another client is still served
    other = client.post(
        reverse("password_reset"), {"email": "sam.taylor@example.com"}, REMOTE_ADDR="10.9.9.9"
    )
    assert other.status_code == 302
    assert len(mail.outbox) == 1
