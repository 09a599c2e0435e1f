"""Asking the region's other municipalities before a single-person offer (issue 13, part 6; Sjælland 2025–26,
seed-004 «Fælles om botilbud»): post, answers, close with the new offer, the offer page and the secretariat's
overview; every bad input refused in Danish with nothing written; reads scoped to the region."""
from datetime import timedelta

import pytest

from rammeaftale.accounts.models import AuditEvent, Role
from rammeaftale.core.errors import DomainError, NotAllowed, NotFound
from rammeaftale.exchange.consultations import (
    consultation_answer,
    consultation_close,
    consultation_detail,
    consultation_list,
    consultation_overview,
    consultation_post,
    consultation_rule,
    offer_consultations,
)
from rammeaftale.exchange.models import ConsultationAnswer, JoinAnswer, Notification, SinglePersonConsultation
from rammeaftale.parties.models import Organisation, OrganisationKind
from rammeaftale.registry.models import TargetGroup
from tests.conftest import TODAY

DEADLINE = TODAY + timedelta(days=14)  # the rulebook's consultation_answer_days (assumed 14)
START = TODAY + timedelta(days=60)


def _municipality(code: str) -> Organisation:
    return Organisation.objects.get(kind=OrganisationKind.MUNICIPALITY, code=code)


@pytest.fixture
def holbaek(agreements):
    return _municipality("316")


@pytest.fixture
def kalundborg(agreements):
    return _municipality("326")


@pytest.fixture
def roskilde(agreements):
    return _municipality("265")


@pytest.fixture
def poster(holbaek, make_user, actor_of):
    return actor_of(make_user(holbaek, Role.CASEWORKER, username="holbaek-sag"))


@pytest.fixture
def kalundborg_user(kalundborg, make_user, actor_of):
    return actor_of(make_user(kalundborg, Role.CASEWORKER, username="kalundborg-sag"))


@pytest.fixture
def roskilde_user(roskilde, make_user, actor_of):
    return actor_of(make_user(roskilde, Role.ADMINISTRATOR, username="roskilde-adm"))


@pytest.fixture
def odense_user(odense, agreements, make_user, actor_of):
    return actor_of(make_user(odense, Role.CASEWORKER, username="odense-sag"))


@pytest.fixture
def secretariat_sjaelland(agreements, make_user, actor_of):
    organisation = Organisation.objects.get(kind=OrganisationKind.SECRETARIAT, code="1085")
    return actor_of(make_user(organisation, Role.SECRETARIAT, username="sekretariat-sj"))


def _post(actor, **extra):
    data = {"description": "Ung med autisme og udadreagerende adfærd; behov for skærmet bolig med døgnstøtte.",
            "planned_start": START, "today": TODAY,
            "target_group": TargetGroup.objects.filter(code="udviklingshaemning").first()}
    data.update(extra)
    return consultation_post(actor=actor, **data)


def test_post_answer_close_and_the_outcome_on_the_offer_and_for_the_secretariat(
        holbaek, kalundborg, roskilde, poster, kalundborg_user, roskilde_user, secretariat_sjaelland, make_offer):
    rule = consultation_rule(region_id=holbaek.region_id, today=TODAY)
    assert rule.required and rule.answer_days == 14
    assert "før vi opretter et enkeltmandstilbud" in rule.quote and rule.source.startswith("seed-004")

    consultation = _post(poster)
    assert consultation.answer_by == DEADLINE and consultation.municipality_id == holbaek.pk
    [posted] = AuditEvent.objects.filter(event_type="consultation.posted")
    assert posted.organisation_id == holbaek.pk and posted.after["required_by_rulebook"] is True
    region_others = Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY,
                                                region_id=holbaek.region_id).exclude(pk=holbaek.pk).count()
    assert posted.after["municipalities_asked"] == region_others == 16
    # The other municipalities' caseworkers and administrators are told, with a link; the poster is not.
    told = Notification.objects.filter(kind="consultation.posted")
    assert {n.user.username for n in told} == {"kalundborg-sag", "roskilde-adm"}
    assert all(n.link == f"/ledige-pladser/enkeltmandstilbud/{consultation.pk}/" for n in told)
    assert all("Holbæk Kommune spørger" in n.text and "20.12.2026" in n.text for n in told)

    consultation_answer(actor=kalundborg_user, consultation=consultation, answer=JoinAnswer.NO,
                        note="Ingen borgere med samme behov", today=TODAY)
    changed = consultation_answer(actor=kalundborg_user, consultation=consultation, answer=JoinAnswer.JOIN,
                                  note="Vi har en borger med samme behov fra sommer", today=DEADLINE)
    assert ConsultationAnswer.objects.filter(consultation=consultation).count() == 1  # one per municipality
    assert changed.answer == JoinAnswer.JOIN
    [first, second] = AuditEvent.objects.filter(event_type="consultation.answered").order_by("pk")
    assert first.before is None and second.before == {"answer": "no", "note": "Ingen borgere med samme behov"}
    consultation_answer(actor=roskilde_user, consultation=consultation, answer=JoinAnswer.NO, today=TODAY)
    assert Notification.objects.filter(kind="consultation.answered", user__username="holbaek-sag").count() == 3

    seen = consultation_detail(actor=poster, consultation_id=consultation.pk, today=TODAY)
    assert seen.sees_all and seen.counts == {"join": 1, "no": 1} and len(seen.municipalities_without_answer) == 14
    assert seen.may_close and not seen.may_answer

    offer = make_offer(holbaek, name="Bofællesskabet Ved Fjorden", places=2)
    closed = consultation_close(actor=poster, consultation=consultation, offer_id=offer.pk,
                                today=DEADLINE + timedelta(days=1),
                                outcome="Holbæk og Kalundborg vil være med; fælles botilbud oprettes")
    assert closed.offer_id == offer.pk and closed.closed_at is not None
    [event] = AuditEvent.objects.filter(event_type="consultation.closed")
    assert event.after["offer"] == offer.pk and event.organisation_id == holbaek.pk
    assert {n.user.username for n in Notification.objects.filter(kind="consultation.closed")} == {
        "kalundborg-sag", "roskilde-adm"}

    [on_offer] = offer_consultations(actor=secretariat_sjaelland, offer_id=offer.pk)
    assert (on_offer.join, on_offer.no) == (1, 1)
    overview = consultation_overview(actor=secretariat_sjaelland, year=TODAY.year, today=TODAY)
    [row] = overview.rows
    assert (row.join, row.no, row.consultation.offer_id, overview.closed_count) == (1, 1, offer.pk, 1)
    assert consultation_overview(actor=secretariat_sjaelland, year=TODAY.year - 1, today=TODAY).rows == []


def test_where_the_rulebook_does_not_ask_posting_is_voluntary(odense_user, esbjerg, make_user):
    rule = consultation_rule(region_id=odense_user.region_id, today=TODAY)
    assert rule.required is False and rule.answer_days == 14
    make_user(esbjerg, Role.CASEWORKER, username="esbjerg-sag")
    make_user(esbjerg, Role.ECONOMIST, username="esbjerg-oko")  # not a role that is asked
    consultation = _post(odense_user)
    assert consultation.answer_by == DEADLINE
    [event] = AuditEvent.objects.filter(event_type="consultation.posted")
    assert event.after["required_by_rulebook"] is False
    assert [n.user.username for n in Notification.objects.filter(kind="consultation.posted")] == ["esbjerg-sag"]


@pytest.mark.parametrize(("extra", "field", "message"), [
    ({"description": "Borger 010190-1234 skal have bolig"}, "description", "CPR-nummer"),
    ({"description": "   "}, "description", "skal udfyldes"),
    ({"description": "x" * 2001}, "description", "højst 2000"),
    ({"planned_start": TODAY - timedelta(days=1)}, "planned_start", "ligger før i dag"),
    ({"answer_by": TODAY - timedelta(days=1)}, "answer_by", "Svarfristen \\(05.12.2026\\) ligger før i dag"),
    ({"answer_by": START + timedelta(days=1)}, "answer_by", "ligger efter den planlagte start"),
])
def test_bad_posts_are_refused_in_danish_and_nothing_is_written(poster, kalundborg_user, extra, field, message):
    with pytest.raises(DomainError, match=message) as error:
        _post(poster, **extra)
    assert error.value.field == field and error.value.message_en
    assert not SinglePersonConsultation.objects.exists()
    assert not Notification.objects.exists()
    assert not AuditEvent.objects.filter(event_type__startswith="consultation.").exists()


def test_only_a_municipalitys_caseworkers_and_administrators_post(holbaek, secretariat_sjaelland, make_user,
                                                                  actor_of, make_offer):
    economist = actor_of(make_user(holbaek, Role.ECONOMIST))
    private = make_offer(Organisation.objects.create(kind=OrganisationKind.PRIVATE_OPERATOR, name="Privat Bo ApS",
                                                     region_id=holbaek.region_id)).operator
    operator = actor_of(make_user(private, Role.OPERATOR))
    for actor in (economist, secretariat_sjaelland, operator):
        with pytest.raises(NotAllowed):
            _post(actor)
    assert not SinglePersonConsultation.objects.exists()


@pytest.fixture
def consultation(poster, kalundborg_user, roskilde_user):
    return _post(poster)


def _refused_answer(actor, consultation, *, today=TODAY, answer=JoinAnswer.JOIN, note="", error=DomainError):
    with pytest.raises(error) as raised:
        consultation_answer(actor=actor, consultation=consultation, answer=answer, note=note, today=today)
    assert not ConsultationAnswer.objects.exists()
    assert not AuditEvent.objects.filter(event_type="consultation.answered").exists()
    assert not Notification.objects.filter(kind="consultation.answered").exists()
    return raised.value


def test_an_answer_after_the_deadline_is_refused(consultation, kalundborg_user):
    error = _refused_answer(kalundborg_user, consultation, today=DEADLINE + timedelta(days=1))
    assert error.message_da == "Svarfristen udløb den 20.12.2026; svaret er ikke gemt." and error.field == "answer"


def test_a_cpr_number_in_the_answer_note_is_refused(consultation, kalundborg_user):
    error = _refused_answer(kalundborg_user, consultation, note="Vores borger 010190-1234 passer ind")
    assert "CPR-nummer" in error.message_da and error.field == "note"


def test_an_answer_other_than_join_or_no_is_refused(consultation, kalundborg_user):
    assert _refused_answer(kalundborg_user, consultation, answer="maybe").field == "answer"


def test_the_poster_and_other_regions_do_not_answer(consultation, poster, odense_user):
    assert "I har selv sendt" in _refused_answer(poster, consultation, error=NotAllowed).message_da
    assert "regionens andre kommuner" in _refused_answer(odense_user, consultation, error=NotAllowed).message_da


def test_a_closed_consultation_takes_no_answers(consultation, poster, kalundborg_user):
    consultation_close(actor=poster, consultation=consultation, offer_id=None, today=DEADLINE + timedelta(days=1),
                       outcome="Behovet blev løst i et eksisterende tilbud")
    assert "afsluttet" in _refused_answer(kalundborg_user, consultation).message_da


def _refused_close(actor, consultation, *, offer_id=None, outcome="Ingen ville være med", today=None,
                   error=DomainError):
    with pytest.raises(error) as raised:
        consultation_close(actor=actor, consultation=consultation, offer_id=offer_id, outcome=outcome,
                           today=today or DEADLINE + timedelta(days=1))
    consultation.refresh_from_db()
    assert consultation.closed_at is None and consultation.offer_id is None and consultation.outcome == ""
    assert not AuditEvent.objects.filter(event_type="consultation.closed").exists()
    return raised.value


def test_closing_with_another_operators_offer_is_refused(consultation, poster, kalundborg, make_offer):
    other = make_offer(kalundborg, name="Kalundborgs Bosted")
    error = _refused_close(poster, consultation, offer_id=other.pk)
    assert error.field == "offer" and "drives af Kalundborg Kommune" in error.message_da
    assert _refused_close(poster, consultation, offer_id=999_999).field == "offer"


def test_closing_refuses_before_the_deadline_an_empty_or_cpr_outcome_and_other_users(
        consultation, poster, kalundborg_user, secretariat_sjaelland):
    assert "Svarfristen løber til og med 20.12.2026" in _refused_close(poster, consultation, today=DEADLINE).message_da
    assert _refused_close(poster, consultation, outcome=" ").field == "outcome"
    assert "CPR-nummer" in _refused_close(poster, consultation, outcome="Borger 010190-1234").message_da
    for actor in (kalundborg_user, secretariat_sjaelland):
        _refused_close(actor, consultation, error=NotAllowed)


def test_reads_are_scoped_to_the_region(consultation, poster, kalundborg_user, roskilde_user, odense_user,
                                        secretariat_sjaelland, make_user, actor_of):
    secretariat_syd = actor_of(make_user(Organisation.objects.get(kind=OrganisationKind.SECRETARIAT, code="1083"),
                                         Role.SECRETARIAT))
    for actor in (odense_user, secretariat_syd):
        with pytest.raises(NotFound):
            consultation_detail(actor=actor, consultation_id=consultation.pk, today=TODAY)
    assert consultation_list(actor=odense_user, today=TODAY).others == []
    with pytest.raises(NotAllowed):
        consultation_overview(actor=odense_user, year=TODAY.year, today=TODAY)
    assert consultation_overview(actor=secretariat_syd, year=TODAY.year, today=TODAY).rows == []
    other = consultation_detail(actor=kalundborg_user, consultation_id=consultation.pk, today=TODAY)
    assert other.may_answer and not other.sees_all and other.answers == []
    assert [row.consultation.pk for row in consultation_list(actor=kalundborg_user, today=TODAY).others] == [
        consultation.pk]
    consultation_answer(actor=roskilde_user, consultation=consultation, answer=JoinAnswer.NO, today=TODAY)
    # Another municipality sees only its own answer; after the deadline an unanswered one no longer sees it.
    assert consultation_detail(actor=kalundborg_user, consultation_id=consultation.pk, today=TODAY).answers == []
    with pytest.raises(NotFound):
        consultation_detail(actor=kalundborg_user, consultation_id=consultation.pk, today=DEADLINE + timedelta(1))
    assert consultation_list(actor=kalundborg_user, today=DEADLINE + timedelta(days=1)).others == []
    assert len(consultation_detail(actor=secretariat_sjaelland, consultation_id=consultation.pk,
                                   today=DEADLINE + timedelta(days=1)).answers) == 1
    [own] = consultation_list(actor=poster, today=TODAY).own
    assert (own.join, own.no) == (0, 1)



# Pages -----------------------------------------------------------------------------------------------------------


def test_the_pages_post_answer_close_and_show_the_outcome_on_the_offer_page(
        client, holbaek, kalundborg, odense, make_user, make_offer, agreements):
    poster_user = make_user(holbaek, Role.CASEWORKER, username="holbaek-sag")
    other_user = make_user(kalundborg, Role.CASEWORKER, username="kalundborg-sag")
    secretariat = make_user(Organisation.objects.get(kind=OrganisationKind.SECRETARIAT, code="1085"),
                            Role.SECRETARIAT, username="sekretariat-sj")
    outsider = make_user(odense, Role.CASEWORKER, username="odense-sag")
    offer = make_offer(holbaek, name="Bofællesskabet Ved Fjorden", places=2)

    client.force_login(poster_user)
    listing = client.get("/ledige-pladser/enkeltmandstilbud/").content.decode()
    assert "Rammeaftalen kræver, at kommunen afsøger" in listing and "Enkeltmandstilbud</a>" in listing
    form = client.get("/ledige-pladser/enkeltmandstilbud/ny/").content.decode()
    assert f'value="{DEADLINE.isoformat()}"' in form and "14 dage" in form
    refused = client.post("/ledige-pladser/enkeltmandstilbud/ny/", {
        "planned_start": START.isoformat(), "description": "Borger 010190-1234 har brug for bolig"})
    assert refused.status_code == 400 and "CPR-nummer" in refused.content.decode()
    assert not SinglePersonConsultation.objects.exists()
    posted = client.post("/ledige-pladser/enkeltmandstilbud/ny/", {
        "planned_start": START.isoformat(), "answer_by": DEADLINE.isoformat(),
        "description": "Ung med svær autisme; behov for skærmet bolig."})
    consultation = SinglePersonConsultation.objects.get()
    url = f"/ledige-pladser/enkeltmandstilbud/{consultation.pk}/"
    assert posted.status_code == 302 and posted["Location"] == url

    client.force_login(outsider)
    assert client.get(url).status_code == 404
    assert client.post(url + "svar/", {"answer": "join"}).status_code == 404
    assert client.get("/ledige-pladser/enkeltmandstilbud/oversigt/").status_code == 403

    client.force_login(other_user)
    page = client.get(url).content.decode()
    assert "Svar senest 20. december 2026" in page and "Registrér udfaldet" not in page
    answered = client.post(url + "svar/", {"answer": "join", "note": "Vi har en borger med samme behov"})
    assert answered.status_code == 302
    assert "Jeres svar: <strong>Vil gerne være med</strong>" in client.get(url).content.decode()
    assert client.post(url + "afslut/", {"outcome": "x"}).status_code == 403

    client.force_login(poster_user)
    early = client.post(url + "afslut/", {"outcome": "Kalundborg vil være med", "offer": str(offer.pk)})
    assert early.status_code == 400 and "Svarfristen løber til og med" in early.content.decode()
    assert client.post(url + "svar/", {"answer": "no"}).status_code == 403
    page = client.get(url).content.decode()
    assert "1 vil gerne være med · 0 nej tak" in page and "Vi har en borger med samme behov" in page

    SinglePersonConsultation.objects.filter(pk=consultation.pk).update(answer_by=TODAY - timedelta(days=1))
    client.force_login(other_user)
    late = client.post(url + "svar/", {"answer": "no"})
    assert late.status_code == 400 and "Svarfristen udløb den 05.12.2026; svaret er ikke gemt." in late.content.decode()
    assert ConsultationAnswer.objects.get().answer == JoinAnswer.JOIN

    client.force_login(poster_user)
    closed = client.post(url + "afslut/", {"outcome": "Holbæk og Kalundborg vil være med; fælles botilbud oprettes",
                                          "offer": str(offer.pk)})
    assert closed.status_code == 302
    assert "fælles botilbud oprettes" in client.get(url).content.decode()

    detail = client.get(f"/tilbud/{offer.pk}/").content.decode()
    assert f'hx-get="/ledige-pladser/enkeltmandstilbud/tilbud/{offer.pk}/"' in detail
    section = client.get(f"/ledige-pladser/enkeltmandstilbud/tilbud/{offer.pk}/", HTTP_HX_REQUEST="true")
    text = section.content.decode()
    assert "Afsøgning før enkeltmandstilbud" in text and "1 ville gerne være med, 0 sagde nej tak" in text
    assert "fælles botilbud oprettes" in text and url in text

    client.force_login(outsider)  # another region's user: the offer page shows no section
    assert client.get(f"/ledige-pladser/enkeltmandstilbud/tilbud/{offer.pk}/",
                      HTTP_HX_REQUEST="true").content == b""

    client.force_login(secretariat)
    assert client.get("/ledige-pladser/enkeltmandstilbud/").status_code == 302
    overview = client.get("/ledige-pladser/enkeltmandstilbud/oversigt/?aar=2026").content.decode()
    assert "Holbæk Kommune" in overview and "fælles botilbud oprettes" in overview
    assert "Bofællesskabet Ved Fjorden" in overview and "1 afsluttet" in overview
    assert "Ingen afsøgninger i 2025" in client.get(
        "/ledige-pladser/enkeltmandstilbud/oversigt/?aar=2025").content.decode()
    assert "fælles botilbud oprettes" in client.get(
        f"/ledige-pladser/enkeltmandstilbud/tilbud/{offer.pk}/", HTTP_HX_REQUEST="true").content.decode()


def test_the_voluntary_text_where_the_rulebook_does_not_ask(client, odense, make_user, agreements):
    client.force_login(make_user(odense, Role.CASEWORKER))
    page = client.get("/ledige-pladser/enkeltmandstilbud/ny/").content.decode()
    assert "kræver ikke, at andre kommuner spørges" in page and "frivillig" in page
