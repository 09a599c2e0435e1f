"""Requests and the inbox through the pages (issue 13 parts 3 and 4): the caseworker's new request from the offers
chosen on the search page, the operator's answer, the reservation of a yes, the inbox with its counts, the unread
count in the navigation, e-mails through a real local SMTP server, and the daily command."""
import io
import logging
import socket
from datetime import timedelta
from email import message_from_bytes
from email.header import decode_header, make_header

import pytest
from aiosmtpd.controller import Controller
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from rammeaftale.accounts.models import AuditEvent, Role
from rammeaftale.exchange.models import Answer, Notification, VacancyRequest, VacancyRequestOffer
from rammeaftale.exchange.requests import vacancy_request_answer, vacancy_request_reserve
from rammeaftale.exchange.services import vacancy_confirm
from rammeaftale.placements.models import Placement, PlacementStatus
from tests.conftest import TODAY, console
from tests.services.test_api_contract import basic
from tests.services.test_exchange_requests import (
    CITIZEN,
    START,
    offers,  # noqa: F401 - the fixture
    send,
)

NEW = "/ledige-pladser/forespoergsler/ny/"


@pytest.fixture
def caseworker_user(esbjerg, make_user):
    return make_user(esbjerg, Role.CASEWORKER, email="sagsbehandler@esbjerg.invalid")


@pytest.fixture
def operator_user(odense, make_user):
    return make_user(odense, Role.OPERATOR, email="driftsherre@odense.invalid")


@pytest.fixture
def caseworker(caseworker_user, actor_of):
    return actor_of(caseworker_user)


@pytest.fixture
def operator(operator_user, actor_of):
    return actor_of(operator_user)


class Collect:
    """aiosmtpd's handler: every message the server accepts, as received."""

    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server():
    """A real SMTP server on a free local port, and Django's SMTP backend pointed at it (the test run's locmem
    backend overridden)."""
    handler = Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_HOST="127.0.0.1",
                               EMAIL_PORT=controller.port, EMAIL_USE_TLS=False, EMAIL_USE_SSL=False,
                               EMAIL_HOST_USER="", EMAIL_HOST_PASSWORD="", EMAIL_TIMEOUT=5,
                               RAMMEAFTALE_BASE_URL="https://rammeaftale.example.dk"):
            yield handler
    finally:
        controller.stop()


def _text(envelope) -> tuple[str, str]:
    message = message_from_bytes(envelope.original_content)
    subject = str(make_header(decode_header(message["Subject"])))
    return subject, message.get_payload(decode=True).decode(message.get_content_charset() or "utf-8")


# --- the pages, send → answer → reserve ------------------------------------------------------------------------


def test_the_caseworker_sends_from_the_chosen_offers_the_operator_answers_and_the_yes_is_reserved(
        client, offers, caseworker_user, operator_user, copenhagen, make_user):  # noqa: F811
    a, b, c = offers
    client.force_login(caseworker_user)
    query = f"?offer={a.pk}&offer={b.pk}&offer={c.pk}"
    page = client.get(NEW + query).content.decode()
    for offer in offers:
        assert offer.name in page
    assert f'href="{NEW}?offer={a.pk}&amp;offer={c.pk}"' in page  # «Fjern» Engen keeps the other two
    assert 'value="2026-12-11"' in page  # the default deadline: today + request_answer_days (5)

    refused = client.post(NEW + query, {"start_date": START.isoformat(), "answer_by": "2026-12-11",
                                        "description": "Borger 010190-1234 mangler plads"})
    assert refused.status_code == 400
    assert "Skriv ikke CPR-nummer i forespørgslen" in refused.content.decode()
    assert not VacancyRequest.objects.exists()

    sent = client.post(NEW + f"?offer={a.pk}&offer={c.pk}", {
        "start_date": START.isoformat(), "answer_by": "2026-12-11",
        "description": "Ung mand med autisme; behov for døgntilbud."}, follow=True)
    request = VacancyRequest.objects.get()
    assert sent.redirect_chain[-1][0] == f"/ledige-pladser/forespoergsler/{request.pk}/"
    detail = sent.content.decode()
    assert "Forespørgslen er sendt til 2 tilbud" in detail and a.name in detail and "Afventer svar" in detail
    assert b.name not in detail

    recipient = VacancyRequestOffer.objects.get(offer=a)
    answer_url = f"/ledige-pladser/forespoergsler/svar/{recipient.pk}/"
    assert client.post(answer_url, {"answer": "yes"}).status_code == 403  # the caseworker does not answer

    client.force_login(operator_user)
    nav = client.get("/ledige-pladser/indbakke/").content.decode()
    assert 'aria-label="2 ulæste beskeder"' in nav  # one notification for each of its two offers
    assert answer_url in nav and "svar senest 11.12.2026" in nav
    form = client.get(answer_url).content.decode()
    assert "Ung mand med autisme" in form and 'name="answer"' in form and "Ja, der er plads" in form
    bad = client.post(answer_url, {"answer": "yes", "note": "Ring på 0101901234"})
    assert bad.status_code == 400 and "Skriv ikke CPR-nummer i bemærkningen" in bad.content.decode()
    answered = client.post(answer_url, {"answer": "yes", "note": "Værelse klar"}, follow=True).content.decode()
    assert "Svaret er sendt til sagsbehandleren." in answered and "Ja, der er plads" in answered
    assert "<form method=\"post\" action=\"" + answer_url not in answered

    client.force_login(caseworker_user)
    inbox = client.get("/ledige-pladser/indbakke/").content.decode()
    assert "Svar på dine forespørgsler (1)" in inbox and "Reservér pladsen" in inbox and "Værelse klar" in inbox
    reserve_url = answer_url + "reserver/"
    form = client.get(reserve_url).content.decode()
    assert f'value="{START.isoformat()}"' in form and 'name="cpr"' in form and 'name="reserved_until"' in form
    reserved = client.post(reserve_url, {
        "citizen_name": CITIZEN.citizen_name, "cpr": "010190-1234", "start_date": START.isoformat(),
        "reserved_until": (START + timedelta(days=3)).isoformat()}, follow=True)
    placement = Placement.objects.get()
    assert reserved.redirect_chain[-1][0] == f"/placeringer/{placement.pk}/"
    assert "holdes til og med 18.12.2026" in reserved.content.decode()
    assert "<dt>Holdedato</dt><dd>18. december 2026" in reserved.content.decode()
    assert placement.status == PlacementStatus.RESERVED and placement.reserved_until == START + timedelta(days=3)
    assert client.get(reserve_url).status_code == 302  # once: the page now leads to the placement

    client.force_login(make_user(copenhagen, Role.CASEWORKER))
    assert client.get(f"/ledige-pladser/forespoergsler/{request.pk}/").status_code == 404
    assert client.get(answer_url).status_code == 404
    assert client.get(reserve_url).status_code == 404
    assert f"/ledige-pladser/forespoergsler/{request.pk}/" not in client.get(
        "/ledige-pladser/forespoergsler/").content.decode()


def test_a_no_cannot_be_reserved_from_the_page(client, offers, caseworker, caseworker_user, operator):  # noqa: F811
    recipient = send(caseworker, offers[:1]).recipients.get()
    vacancy_request_answer(actor=operator, recipient=recipient, answer=Answer.NO, note="", today=TODAY)
    client.force_login(caseworker_user)
    url = f"/ledige-pladser/forespoergsler/svar/{recipient.pk}/reserver/"
    assert "Kun et ja kan reserveres." in client.get(url).content.decode()
    refused = client.post(url, {"citizen_name": "X", "cpr": "0101901234", "start_date": START.isoformat(),
                                "reserved_until": START.isoformat()})
    assert refused.status_code == 400 and "Kun et ja kan blive til en reservation" in refused.content.decode()
    assert not Placement.objects.exists()


def test_the_pages_are_for_the_two_sides_only(client, offers, esbjerg, make_user):  # noqa: F811
    assert client.get("/ledige-pladser/indbakke/").status_code == 302  # login first
    client.force_login(make_user(esbjerg, Role.ECONOMIST))
    assert client.get("/ledige-pladser/forespoergsler/").status_code == 403
    assert client.get(NEW).status_code == 403
    inbox = client.get("/ledige-pladser/indbakke/").content.decode()
    assert "Ingen beskeder." in inbox and "Svar på dine forespørgsler" not in inbox


# --- the inbox ----------------------------------------------------------------------------------------------------


def test_the_operators_inbox_shows_deadlines_expiring_confirmations_and_near_holds(
        client, offers, caseworker, operator, operator_user):  # noqa: F811
    late = send(caseworker, offers[:1], answer_by=TODAY + timedelta(days=4))
    soon = send(caseworker, offers[1:2], answer_by=TODAY + timedelta(days=1))
    vacancy_confirm(actor=operator, offer=offers[0], places=1, free_from=TODAY, today=TODAY - timedelta(days=12))
    vacancy_confirm(actor=operator, offer=offers[1], places=1, free_from=TODAY, today=TODAY - timedelta(days=20))
    vacancy_confirm(actor=operator, offer=offers[2], places=1, free_from=TODAY, today=TODAY)  # fresh: not shown
    client.force_login(operator_user)
    page = client.get("/ledige-pladser/indbakke/").content.decode()
    section = page.split('id="venter-paa-svar"')[1].split("</section>")[0]
    assert "(2)" in section
    assert section.index(str(soon.recipients.get().pk) + "/") < section.index(str(late.recipients.get().pk) + "/")
    confirmations = page.split('id="bekraeftelser"')[1].split("</section>")[0]
    assert "(2)" in confirmations and "gælder til 08.12.2026" in confirmations and "udløbet" in confirmations
    assert offers[2].name not in confirmations


def test_notifications_are_marked_read_one_or_all_and_the_count_is_one_query(
        client, offers, caseworker, operator_user, esbjerg, make_user):  # noqa: F811
    send(caseworker, offers)
    mine = list(Notification.objects.filter(user=operator_user).order_by("pk"))
    other = make_user(esbjerg, Role.CASEWORKER)
    Notification.objects.create(user=other, kind="test", text="Ikke din")
    client.force_login(operator_user)
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/ledige-pladser/tilbud/%d/" % offers[0].pk).content.decode()
    assert 'aria-label="3 ulæste beskeder"' in page
    assert sum("exchange_notification" in q["sql"] for q in queries.captured_queries) == 1
    assert client.get("/ledige-pladser/indbakke/laest/").status_code == 405
    client.post("/ledige-pladser/indbakke/laest/", {"notification": str(mine[0].pk)})
    assert Notification.objects.filter(user=operator_user, read_at__isnull=True).count() == 2
    client.post("/ledige-pladser/indbakke/laest/", {"notification": str(Notification.objects.get(user=other).pk)})
    assert Notification.objects.get(user=other).read_at is None  # another user's is never touched
    page = client.post("/ledige-pladser/indbakke/laest/", follow=True).content.decode()
    assert not Notification.objects.filter(user=operator_user, read_at__isnull=True).exists()
    assert "ulæste beskeder" not in page and "Beskeder (0 ulæste)" in page
    assert AuditEvent.objects.filter(event_type="notification.read").count() == 2


# --- e-mail through a real SMTP server ------------------------------------------------------------------------------


def test_a_request_sent_from_the_page_is_emailed_to_each_operator(client, offers, caseworker_user, operator_user,
                                                                  smtp_server, django_capture_on_commit_callbacks):
    client.force_login(caseworker_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(NEW + f"?offer={offers[0].pk}", {
            "start_date": START.isoformat(), "answer_by": "2026-12-11", "description": "Behov for døgntilbud."})
    assert response.status_code == 302
    [envelope] = smtp_server.envelopes
    assert envelope.rcpt_tos == ["driftsherre@odense.invalid"]
    subject, body = _text(envelope)
    assert subject == "Rammeaftale: Ny forespørgsel om plads"
    recipient = VacancyRequestOffer.objects.get()
    assert f"https://rammeaftale.example.dk/ledige-pladser/forespoergsler/svar/{recipient.pk}/" in body
    assert "spørger, om Bostedet Æblehaven har en plads fra 15.12.2026" in body
    assert Notification.objects.get(user=operator_user).emailed_at is not None


def test_a_failing_mail_server_does_not_undo_the_write(offers, caseworker, operator_user, caplog,  # noqa: F811
                                                       django_capture_on_commit_callbacks):
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_HOST="127.0.0.1",
                           EMAIL_PORT=_free_port(), EMAIL_USE_TLS=False, EMAIL_TIMEOUT=2), \
            caplog.at_level(logging.ERROR, logger="rammeaftale.exchange.notifications"), \
            django_capture_on_commit_callbacks(execute=True):
        sent = send(caseworker, offers[:1])
    assert VacancyRequest.objects.filter(pk=sent.pk).exists()
    assert Notification.objects.get(user=operator_user).emailed_at is None
    assert "Notification e-mail failed" in caplog.text


# --- the daily command ----------------------------------------------------------------------------------------------


def daily(*args: str) -> str:
    out = io.StringIO()
    call_command("exchange", "daily", *args, stdout=out)
    return out.getvalue()


def test_the_daily_command_expires_releases_and_resends_due_emails(offers, caseworker, operator, operator_user,
                                                                   smtp_server):  # noqa: F811
    sent = send(caseworker, offers[:2])  # e-mails not sent (no commit in the test): the daily run sends them
    yes = sent.recipients.order_by("pk").first()
    vacancy_request_answer(actor=operator, recipient=yes, answer=Answer.YES, note="", today=TODAY)
    placement = vacancy_request_reserve(actor=caseworker, recipient=yes, citizen=CITIZEN, today=TODAY)
    run = daily("--today", (START + timedelta(days=1)).isoformat())
    assert f'"requests_expired": 1, "holds_released": ["{placement.reference}"]' in run
    placement.refresh_from_db()
    assert placement.status == PlacementStatus.CANCELLED
    assert VacancyRequestOffer.objects.filter(answer=Answer.EXPIRED).count() == 1
    assert len(smtp_server.envelopes) == Notification.objects.exclude(user__email="").count() > 0
    again = daily("--today", (START + timedelta(days=1)).isoformat())
    assert '"requests_expired": 0, "holds_released": [], "emails_sent": 0' in again
    with pytest.raises(CommandError, match="er ikke en dato"):
        daily("--today", "i-morgen")


def test_the_daily_command_runs_as_the_console_runs_it(db):
    run = console("exchange", "daily", "--today", "2026-12-24")  # parsing, the command and its exit code
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith('{"today": "2026-12-24", "requests_expired": 0')
    assert console("exchange", "daily", "--today", "24-12-2026").returncode == 2
    assert console("exchange").returncode != 0  # the action is required


# --- the API --------------------------------------------------------------------------------------------------------


def test_the_api_sends_lists_and_answers_requests(client, offers, caseworker_user, operator_user, copenhagen,
                                                  make_user):  # noqa: F811
    body = {"offer_ids": [offers[0].pk, offers[1].pk], "start_date": START.isoformat(),
            "description": "Behov for døgntilbud.", "paragraph": "sel-108"}
    refused = client.post("/api/exchange/requests", {**body, "description": "CPR 010190-1234"},
                          content_type="application/json", **basic(caseworker_user))
    assert refused.status_code == 400 and refused.json()["field"] == "description"
    assert refused.json()["message"].startswith("Skriv ikke CPR-nummer i forespørgslen")
    assert not VacancyRequest.objects.exists()
    created = client.post("/api/exchange/requests", body, content_type="application/json", **basic(caseworker_user))
    assert created.status_code == 201, created.content
    sent = created.json()
    assert (sent["answer_by"], sent["paragraph"], [r["answer"] for r in sent["recipients"]]) == (
        "2026-12-11", "sel-108", ["pending", "pending"])
    listed = client.get("/api/exchange/requests", **basic(caseworker_user)).json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == sent["id"]
    assert client.get("/api/exchange/received", **basic(caseworker_user)).status_code == 403

    received = client.get("/api/exchange/received?pending=true", **basic(operator_user)).json()
    assert [r["offer"]["id"] for r in received["items"]] == [offers[0].pk, offers[1].pk]
    assert received["items"][0]["description"] == "Behov for døgntilbud."
    recipient_id = received["items"][0]["id"]
    answer = client.post(f"/api/exchange/received/{recipient_id}/answer", {"answer": "yes", "note": "Ja"},
                         content_type="application/json", **basic(operator_user))
    assert answer.status_code == 200 and answer.json()["answer_label"] == "Ja, der er plads"
    again = client.post(f"/api/exchange/received/{recipient_id}/answer", {"answer": "no"},
                        content_type="application/json", **basic(operator_user))
    assert again.status_code == 400 and again.json()["message"].startswith("Forespørgslen er allerede besvaret")
    detail = client.get(f"/api/exchange/requests/{sent['id']}", **basic(caseworker_user)).json()
    assert detail["recipients"][0]["answer"] == "yes"

    stranger = make_user(copenhagen, Role.CASEWORKER)
    assert client.get(f"/api/exchange/requests/{sent['id']}", **basic(stranger)).status_code == 404
    assert client.get("/api/exchange/requests", **basic(stranger)).json()["count"] == 0
    assert client.post(f"/api/exchange/received/{recipient_id}/answer", {"answer": "no"},
                       content_type="application/json", **basic(stranger)).status_code == 404


def test_the_request_list_shows_the_sent_and_the_received(client, offers, caseworker, caseworker_user, operator,
                                                          operator_user):  # noqa: F811
    sent = send(caseworker, offers[:2])
    first = sent.recipients.order_by("pk").first()
    vacancy_request_answer(actor=operator, recipient=first, answer=Answer.YES, note="", today=TODAY)
    client.force_login(caseworker_user)
    page = client.get("/ledige-pladser/forespoergsler/").content.decode()
    assert "Kommunens forespørgsler" in page and f"/ledige-pladser/forespoergsler/{sent.pk}/" in page
    assert "Ja, der er plads" in page and "Afventer svar" in page and "Forespørgsler til jeres tilbud" not in page
    client.force_login(operator_user)
    page = client.get("/ledige-pladser/forespoergsler/").content.decode()
    assert "Forespørgsler til jeres tilbud" in page and "Kommunens forespørgsler" not in page
    assert f"/ledige-pladser/forespoergsler/svar/{first.pk}/" in page and "Esbjerg" in page


def test_email_settings_come_from_the_environment(tmp_path):
    from tests.services.test_production import _clean_env, _settings_in

    names = ("EMAIL_BACKEND", "EMAIL_FILE_PATH", "EMAIL_HOST", "EMAIL_PORT", "EMAIL_USE_TLS", "EMAIL_USE_SSL",
             "DEFAULT_FROM_EMAIL", "RAMMEAFTALE_BASE_URL")
    demo = _settings_in(_clean_env(RAMMEAFTALE_VAR_DIR=str(tmp_path)), *names)
    assert demo["EMAIL_BACKEND"] == "django.core.mail.backends.filebased.EmailBackend"  # nothing leaves the machine
    assert demo["EMAIL_FILE_PATH"] == str(tmp_path.resolve() / "mail")
    assert demo["RAMMEAFTALE_BASE_URL"] == "http://127.0.0.1:8000"
    production = _settings_in(_clean_env(
        RAMMEAFTALE_VAR_DIR=str(tmp_path), RAMMEAFTALE_EMAIL_HOST="smtp.example.dk", RAMMEAFTALE_EMAIL_SSL="1",
        RAMMEAFTALE_EMAIL_PORT="465", RAMMEAFTALE_EMAIL_FROM="noreply@example.dk",
        RAMMEAFTALE_BASE_URL="https://rammeaftale.example.dk/"), *names)
    assert {k: production[k] for k in names if k != "EMAIL_FILE_PATH"} == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend", "EMAIL_HOST": "smtp.example.dk",
        "EMAIL_PORT": 465, "EMAIL_USE_TLS": False, "EMAIL_USE_SSL": True, "DEFAULT_FROM_EMAIL": "noreply@example.dk",
        "RAMMEAFTALE_BASE_URL": "https://rammeaftale.example.dk"}


def test_the_chosen_offers_label_operator_and_municipality(client, offers, caseworker_user, odense):  # noqa: F811
    """Issue 16: «Odense Kommune · Odense Kommune» said nothing about which is the operator and which the offer's
    municipality."""
    client.force_login(caseworker_user)
    page = client.get(NEW + f"?offer={offers[0].pk}").content.decode()
    assert f"{odense} · {odense}" not in page
    assert f"driftsherre: {odense}, beliggenhedskommune: {odense}" in page
