"""Login throttling (django-axes, never disabled here): after five wrong passwords for a username from one address
even the right one is refused on the login form, in Django admin and over the API's HTTP Basic; each failure and
lockout is in the audit trail; the cool-off ends it, a success clears it, an administrator lifts it.

The probe's reproduction (issue 11): 100 wrong passwords, then the right one logged in.
"""
import base64
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from rammeaftale.accounts.models import AuditEvent, Role
from rammeaftale.accounts.selectors import audit_event_list
from tests.conftest import PASSWORD

LIMIT = 5


@pytest.fixture(autouse=True)
def throttle_settings(settings):
    """The defaults (5 failures, 15 minutes) stated here."""
    settings.AXES_FAILURE_LIMIT = LIMIT
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)


@pytest.fixture
def lise(odense, make_user):
    return make_user(odense, Role.CASEWORKER, username="lise")


def form_login(client: Client, username: str, password: str, **extra):
    return client.post(reverse("web:login"), {"username": username, "password": password}, **extra)


def basic(username: str, password: str) -> dict:
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {token}"}


def logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def events(event_type: str):
    return AuditEvent.objects.filter(event_type=event_type).order_by("id")


# --- the login form ---------------------------------------------------------------------------------------------


def test_after_five_wrong_passwords_the_right_one_does_not_log_in_on_the_form(lise, odense):
    client = Client()
    for attempt in range(1, LIMIT):
        response = form_login(client, "lise", f"forkert-{attempt}")
        assert response.status_code == 200 and "Forkert brugernavn eller adgangskode." in response.content.decode()
    locked = form_login(client, "lise", "forkert-5")
    assert locked.status_code == 429
    right = form_login(client, "lise", PASSWORD)
    html = right.content.decode()
    assert right.status_code == 429 and not logged_in(client)
    assert "Login midlertidigt spærret" in html and "prøv igen om 15 minutter" in html
    assert "administrator" in html and "Traceback" not in html
    assert int(right["Retry-After"]) in range(14 * 60, 15 * 60 + 1)
    assert client.get(reverse("registry:offer_list")).status_code == 302  # still sent to the login page

    failed = events("login.failed")
    assert [e.after["failures"] for e in failed] == [1, 2, 3, 4, 5]
    assert {(e.organisation_id, e.actor_id, e.actor_username, e.after["channel"], e.after["ip_address"])
            for e in failed} == {(odense.pk, None, "lise", "form", "127.0.0.1")}
    (locked_event,) = events("login.locked_out")
    assert locked_event.organisation_id == odense.pk and locked_event.after["limit"] == LIMIT
    assert locked_event.after["locked_until"]
    (refused,) = events("login.refused")
    assert refused.object_id == str(lise.pk)
    assert AccessAttempt.objects.get(username="lise").failures_since_start == LIMIT  # axes' own record


def test_the_probe_a_hundred_wrong_passwords_then_the_right_one(lise):
    client = Client()
    statuses = {form_login(client, "lise", f"gæt-{n}").status_code for n in range(100)}
    assert statuses == {200, 429}
    assert form_login(client, "lise", PASSWORD).status_code == 429 and not logged_in(client)
    # Tries during the lockout are refused unchecked: they neither count nor prolong it.
    assert AccessAttempt.objects.get(username="lise").failures_since_start == LIMIT
    assert events("login.refused").count() == 100 - LIMIT + 1


def test_the_lockout_is_per_username_and_address(lise, odense, make_user):
    make_user(odense, Role.CASEWORKER, username="lars")
    client = Client()
    for n in range(LIMIT):
        form_login(client, "lise", f"forkert-{n}")
    elsewhere = Client(REMOTE_ADDR="10.1.2.3")
    assert form_login(elsewhere, "lise", PASSWORD).status_code == 302 and logged_in(elsewhere)
    other_user = Client()
    assert form_login(other_user, "lars", PASSWORD).status_code == 302 and logged_in(other_user)
    assert form_login(Client(), "lise", PASSWORD).status_code == 429


def test_the_lockout_ends_after_the_cool_off(lise):
    client = Client()
    for n in range(LIMIT):
        form_login(client, "lise", f"forkert-{n}")
    assert form_login(client, "lise", PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=15, seconds=1))
    assert form_login(client, "lise", PASSWORD).status_code == 302 and logged_in(client)


def test_a_successful_login_clears_the_failures(lise):
    client = Client()
    for n in range(LIMIT - 1):
        form_login(client, "lise", f"forkert-{n}")
    assert form_login(client, "lise", PASSWORD).status_code == 302
    client.post(reverse("web:logout"))
    for n in range(LIMIT - 1):
        form_login(client, "lise", f"igen-{n}")
    assert form_login(client, "lise", PASSWORD).status_code == 302 and logged_in(client)


def test_an_unknown_username_is_locked_out_the_same_way(reference):
    """The lockout does not tell which usernames exist; the events concern no organisation (platform only)."""
    client = Client()
    for n in range(LIMIT):
        form_login(client, "findes-ikke", f"forkert-{n}")
    response = form_login(client, "findes-ikke", "hvadsomhelst")
    assert response.status_code == 429 and "Login midlertidigt spærret" in response.content.decode()
    assert set(events("login.failed").values_list("organisation_id", flat=True)) == {None}


def test_django_admin_login_is_throttled_too(make_superuser):
    make_superuser("forvalter")
    client = Client()
    for n in range(LIMIT):
        client.post("/admin/login/", {"username": "forvalter", "password": f"forkert-{n}"})
    response = client.post("/admin/login/", {"username": "forvalter", "password": PASSWORD})
    assert response.status_code == 429 and not logged_in(client)
    assert set(events("login.failed").values_list("after__channel", flat=True)) == {"admin"}


# --- HTTP Basic -------------------------------------------------------------------------------------------------


def test_after_five_wrong_passwords_the_right_one_does_not_open_the_api(lise, odense):
    script = Client()
    for n in range(1, LIMIT):
        response = script.get("/api/me", **basic("lise", f"forkert-{n}"))
        assert response.status_code == 401 and response.json()["code"] == "not_authenticated"
    assert script.get("/api/me", **basic("lise", "forkert-5")).status_code == 429
    response = script.get("/api/me", **basic("lise", PASSWORD))
    assert response.status_code == 429
    body = response.json()
    assert set(body) == {"code", "field", "message", "detail"}
    assert body["code"] == "login_locked_out" and body["field"] == ""
    assert "For mange mislykkede login" in body["message"] and "Too many failed logins" in body["detail"]
    assert int(response["Retry-After"]) > 0
    write = script.post("/api/placements", {}, content_type="application/json", **basic("lise", PASSWORD))
    assert write.status_code == 429
    assert {e.after["channel"] for e in events("login.failed")} == {"http_basic"}
    assert events("login.failed").count() == LIMIT and events("login.locked_out").count() == 1
    assert events("login.refused").count() == 2
    assert set(events("login.failed").values_list("organisation_id", flat=True)) == {odense.pk}


def test_a_successful_basic_login_clears_the_failures(lise):
    script = Client()
    for _ in range(2):
        for n in range(LIMIT - 1):
            assert script.get("/api/me", **basic("lise", f"forkert-{n}")).status_code == 401
        assert script.get("/api/me", **basic("lise", PASSWORD)).status_code == 200
    assert not AccessAttempt.objects.filter(username="lise").exists()


def test_a_basic_lockout_also_locks_the_form_from_that_address(lise):
    for n in range(LIMIT):
        Client().get("/api/me", **basic("lise", f"forkert-{n}"))
    assert form_login(Client(), "lise", PASSWORD).status_code == 429


# --- the administrator lifts a lockout --------------------------------------------------------------------------


def _lock(username: str) -> None:
    client = Client()
    for n in range(LIMIT):
        form_login(client, username, f"forkert-{n}")


def test_the_administrator_sees_and_lifts_a_lockout_of_its_own_user(lise, odense, make_user, actor_of):
    admin = make_user(odense, Role.ADMINISTRATOR, username="odense-admin")
    _lock("lise")
    page = Client()
    page.force_login(admin)
    html = page.get(reverse("accounts:user_list")).content.decode()
    assert ">lise</a></td>" in html and "Login spærret til kl." in html
    assert reverse("accounts:user_unlock", args=[lise.pk]) in html
    response = page.post(reverse("accounts:user_unlock", args=[lise.pk]), follow=True)
    assert response.status_code == 200 and "Spærringen af «lise» er ophævet" in response.content.decode()
    assert "Login spærret til kl." not in response.content.decode()
    (event,) = events("login.unlocked")
    assert event.actor_id == admin.pk and event.organisation_id == odense.pk and event.after["records_cleared"] == 1
    client = Client()
    assert form_login(client, "lise", PASSWORD).status_code == 302 and logged_in(client)
    # The trail of the lockout is the administrator's to read.
    seen = set(audit_event_list(actor=actor_of(admin), event_type="login.").values_list("event_type", flat=True))
    assert seen == {"login.failed", "login.locked_out", "login.unlocked"}


def test_another_organisations_administrator_cannot_see_or_lift_the_lockout(lise, esbjerg, make_user, actor_of):
    foreign = make_user(esbjerg, Role.ADMINISTRATOR, username="esbjerg-admin")
    _lock("lise")
    page = Client()
    page.force_login(foreign)
    assert ">lise</a></td>" not in page.get(reverse("accounts:user_list")).content.decode()
    assert page.post(reverse("accounts:user_unlock", args=[lise.pk])).status_code == 404
    assert page.get(reverse("accounts:user_unlock", args=[lise.pk])).status_code == 405
    assert not events("login.unlocked").exists()
    assert form_login(Client(), "lise", PASSWORD).status_code == 429
    assert not audit_event_list(actor=actor_of(foreign), event_type="login.").exists()


def test_a_caseworker_cannot_lift_a_lockout(lise, odense, make_user):
    colleague = make_user(odense, Role.CASEWORKER, username="kollega")
    _lock("lise")
    page = Client()
    page.force_login(colleague)
    assert page.post(reverse("accounts:user_unlock", args=[lise.pk])).status_code == 403
    assert form_login(Client(), "lise", PASSWORD).status_code == 429


def test_the_console_lifts_a_lockout_audited_as_the_platform(lise, capsys):
    _lock("lise")
    call_command("users", "unlock", "lise")
    assert "Loginspærringen af «lise» er ophævet" in capsys.readouterr().out
    (event,) = events("login.unlocked")
    assert event.actor_username == "users-unlock" and event.actor_id is None
    assert form_login(Client(), "lise", PASSWORD).status_code == 302
