"""Asking the region's other municipalities before a single-person offer (enkeltmandstilbud): writes and scoped reads.

Sjælland 2025–26 (seed-004) asks it of every municipality (`market.ask_others_before_single_person_offer`); in the
other regions a municipality may ask all the same. The poster posts the need with a deadline, the region's other
municipalities answer join or no (one answer each, which they may change until the deadline), and the poster closes
the consultation with its outcome and the new offer; the offer's page and the secretariat's overview show it.
docs/vacancies.md, «Før et enkeltmandstilbud».
"""
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from rammeaftale.accounts.actor import Actor
from rammeaftale.accounts.audit import audit_record
from rammeaftale.accounts.models import Role
from rammeaftale.core.cpr_text import contains_cpr
from rammeaftale.core.errors import DomainError, NotAllowed, NotFound
from rammeaftale.exchange.models import ConsultationAnswer, JoinAnswer, SinglePersonConsultation
from rammeaftale.exchange.notifications import notify
from rammeaftale.parties.models import Organisation, OrganisationKind
from rammeaftale.registry.models import LegalParagraph, Offer, TargetGroup
from rammeaftale.registry.rules import rules_in_force

DESCRIPTION_MAX = 2000
NOTE_MAX = 500
OUTCOME_MAX = 2000
MUNICIPALITY_ROLES = (Role.CASEWORKER, Role.ADMINISTRATOR)  # who posts, answers, closes and is notified


# Who may do what -----------------------------------------------------------------------------------------------


def _is_municipality_staff(actor: Actor) -> bool:
    return (actor.organisation_kind == OrganisationKind.MUNICIPALITY and actor.region_id is not None
            and any(role in actor.roles for role in MUNICIPALITY_ROLES))


def _is_secretariat_of(actor: Actor, region_id: int) -> bool:
    return (actor.organisation_kind == OrganisationKind.SECRETARIAT and Role.SECRETARIAT in actor.roles
            and actor.region_id == region_id)


def can_use_consultations(actor: Actor) -> bool:
    """The municipalities' caseworkers and administrators, and the secretariats (the menu asks this)."""
    return actor.is_superuser or _is_municipality_staff(actor) or (
        actor.organisation_kind == OrganisationKind.SECRETARIAT and Role.SECRETARIAT in actor.roles)


def _region_of(consultation: SinglePersonConsultation) -> int:
    return Organisation.objects.values_list("region_id", flat=True).get(pk=consultation.municipality_id)


def _may_see(actor: Actor, consultation: SinglePersonConsultation, *, region_id: int, today: date,
             answered: bool) -> bool:
    """The poster and the region's secretariat always; the region's other municipalities while it is open, and
    afterwards the ones that answered; other regions never."""
    if actor.is_superuser or _is_secretariat_of(actor, region_id):
        return True
    if not _is_municipality_staff(actor) or actor.region_id != region_id:
        return False
    if actor.organisation_id == consultation.municipality_id:
        return True
    return answered or _is_open(consultation, today=today)


def _is_open(consultation: SinglePersonConsultation, *, today: date) -> bool:
    return consultation.closed_at is None and today <= consultation.answer_by


# The rule ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConsultationRule:
    """What the region's rulebook in force says: whether asking is required, and the default answer days."""

    required: bool
    answer_days: int | None  # None: no rules govern the region on the day
    agreement_name: str
    quote: str  # the seed's words, where the rulebook states the rule
    source: str  # «seed-004, Fokusområde 1, …»
    warning_da: str | None  # rules carried on past their agreement's years

    def default_answer_by(self, today: date) -> date | None:
        return today + timedelta(days=self.answer_days) if self.answer_days else None


def consultation_rule(*, region_id: int, today: date) -> ConsultationRule:
    """The rulebook in force for the region today: `market.ask_others_before_single_person_offer` (absent outside
    Sjælland: asking is voluntary) and `exchange.consultation_answer_days`."""
    try:
        rules = rules_in_force(region=region_id, on=today)
    except DomainError:
        return ConsultationRule(required=False, answer_days=None, agreement_name="", quote="", source="",
                                warning_da=None)
    ask = rules.rulebook.market.ask_others_before_single_person_offer
    source = ask.source if ask is not None else None
    return ConsultationRule(
        required=bool(ask is not None and ask.value),
        answer_days=rules.rulebook.exchange.consultation_answer_days.value,
        agreement_name=rules.agreement.name, quote=(source.quote or "") if source else "",
        source=f"{source.doc}, {source.section}" if source else "", warning_da=rules.warning_da)


# Writes --------------------------------------------------------------------------------------------------------


def _text(value: str, *, field_name: str, label: str, max_length: int, required: bool) -> str:
    value = (value or "").strip()
    if required and not value:
        raise DomainError(f"{label} skal udfyldes.", field=field_name, code="required",
                          message_en=f"{field_name} is required")
    if len(value) > max_length:
        raise DomainError(f"{label} er {len(value)} tegn; højst {max_length}.", field=field_name,
                          message_en=f"{field_name} longer than {max_length} characters")
    if contains_cpr(value):
        raise DomainError(f"{label} ser ud til at indeholde et CPR-nummer. Afsøgningen sendes til regionens andre "
                          "kommuner: skriv uden personoplysninger.", field=field_name, code="cpr_in_text",
                          message_en=f"{field_name} appears to contain a CPR number")
    return value


def _link(consultation: SinglePersonConsultation) -> str:
    return reverse("exchange:consultation_detail", kwargs={"consultation_id": consultation.pk})


@transaction.atomic
def consultation_post(*, actor: Actor, description: str, planned_start: date, today: date,
                      target_group: TargetGroup | None = None, paragraph: LegalParagraph | None = None,
                      answer_by: date | None = None) -> SinglePersonConsultation:
    """A municipality asks the region's other municipalities whether they would join a shared residential offer
    before it creates a single-person offer. The deadline defaults to today + the rulebook's
    `exchange.consultation_answer_days`. The other municipalities' caseworkers and administrators are notified.

    Refused with a Danish message, nothing written: a user not of a municipality (or without the caseworker or
    administrator role); an empty description, one over 2,000 characters or with a CPR number; a planned start or a
    deadline before today; a deadline after the planned start; no deadline where no rules govern the region."""
    if not _is_municipality_staff(actor):
        raise NotAllowed("Kun en kommunes sagsbehandlere og administratorer kan spørge regionens andre kommuner før "
                         "et enkeltmandstilbud.", message_en="only a municipality's caseworkers and administrators "
                                                             "post a consultation")
    description = _text(description, field_name="description", label="Beskrivelsen af behovet",
                        max_length=DESCRIPTION_MAX, required=True)
    if planned_start < today:
        raise DomainError(f"Den planlagte start ({planned_start:%d.%m.%Y}) ligger før i dag ({today:%d.%m.%Y}).",
                          field="planned_start", code="date_in_past", message_en="planned_start is before today")
    rule = consultation_rule(region_id=actor.region_id, today=today)
    if answer_by is None:
        answer_by = rule.default_answer_by(today)
        if answer_by is None:
            raise DomainError("Ingen rammeaftale giver regionen en svarfrist i dag; angiv svarfristen.",
                              field="answer_by", code="required", message_en="answer_by is required: no rules")
    if answer_by < today:
        raise DomainError(f"Svarfristen ({answer_by:%d.%m.%Y}) ligger før i dag ({today:%d.%m.%Y}).",
                          field="answer_by", code="date_in_past", message_en="answer_by is before today")
    if answer_by > planned_start:
        raise DomainError(f"Svarfristen ({answer_by:%d.%m.%Y}) ligger efter den planlagte start "
                          f"({planned_start:%d.%m.%Y}): de andre kommuner skal kunne svare, før tilbuddet oprettes.",
                          field="answer_by", message_en="answer_by is after planned_start")
    consultation = SinglePersonConsultation.objects.create(
        municipality_id=actor.organisation_id, created_by_id=actor.user_id, target_group=target_group,
        paragraph=paragraph, description=description, planned_start=planned_start, answer_by=answer_by,
        created_on=today)
    poster = Organisation.objects.get(pk=actor.organisation_id)
    others = list(Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY, region_id=actor.region_id)
                  .exclude(pk=actor.organisation_id).values_list("pk", flat=True))
    text = (f"{poster} spørger, om I vil være med i et botilbud, før der oprettes et enkeltmandstilbud. "
            f"Svar senest {answer_by:%d.%m.%Y}.")
    for organisation_id in others:
        notify(organisation_id=organisation_id, roles=MUNICIPALITY_ROLES, kind="consultation.posted", text=text,
               link=_link(consultation))
    audit_record(actor=actor, event_type="consultation.posted", organisation_id=actor.organisation_id,
                 obj=consultation, after={
                     "target_group": target_group.pk if target_group else None,
                     "paragraph": paragraph.pk if paragraph else None, "description": description,
                     "planned_start": planned_start.isoformat(), "answer_by": answer_by.isoformat(),
                     "created_on": today.isoformat(), "required_by_rulebook": rule.required,
                     "municipalities_asked": len(others)})
    return consultation


@transaction.atomic
def consultation_answer(*, actor: Actor, consultation: SinglePersonConsultation, answer: str, note: str = "",
                        today: date) -> ConsultationAnswer:
    """Another municipality of the region answers join or no, with a note. One answer per municipality: a second
    answer before the deadline replaces the first (audited with both). The poster is notified.

    Refused, nothing written: the posting municipality itself, another region, a user not of a municipality; a
    closed consultation; a day after the deadline («Svarfristen udløb den …»); an answer other than join / no; a
    note over 500 characters or with a CPR number."""
    consultation = SinglePersonConsultation.objects.select_for_update().get(pk=consultation.pk)
    region_id = _region_of(consultation)
    if not _is_municipality_staff(actor) or actor.region_id != region_id:
        raise NotAllowed("Kun regionens andre kommuner kan svare på afsøgningen.",
                         message_en="only the region's other municipalities answer")
    if actor.organisation_id == consultation.municipality_id:
        raise NotAllowed("I har selv sendt afsøgningen; kun regionens andre kommuner svarer.",
                         message_en="the posting municipality does not answer its own consultation")
    if consultation.closed_at is not None:
        raise DomainError(f"Afsøgningen blev afsluttet den {timezone.localdate(consultation.closed_at):%d.%m.%Y}; "
                          "der kan ikke længere svares.", field="answer", code="closed",
                          message_en="the consultation is closed")
    if today > consultation.answer_by:
        raise DomainError(f"Svarfristen udløb den {consultation.answer_by:%d.%m.%Y}; svaret er ikke gemt.",
                          field="answer", code="deadline_passed",
                          message_en=f"the deadline {consultation.answer_by.isoformat()} has passed")
    if answer not in JoinAnswer.values:
        raise DomainError("Svar «vil gerne være med» eller «nej tak».", field="answer",
                          message_en="answer must be join or no")
    note = _text(note, field_name="note", label="Bemærkningen", max_length=NOTE_MAX, required=False)
    previous = ConsultationAnswer.objects.filter(consultation=consultation,
                                                 municipality_id=actor.organisation_id).first()
    before = {"answer": previous.answer, "note": previous.note} if previous else None
    if previous is None:
        row = ConsultationAnswer.objects.create(consultation=consultation, municipality_id=actor.organisation_id,
                                                answer=answer, note=note, answered_by_id=actor.user_id)
    else:
        row = previous
        row.answer, row.note, row.answered_by_id, row.answered_at = answer, note, actor.user_id, timezone.now()
        row.save(update_fields=["answer", "note", "answered_by", "answered_at"])
    answering = Organisation.objects.get(pk=actor.organisation_id)
    notify(organisation_id=consultation.municipality_id, roles=MUNICIPALITY_ROLES, kind="consultation.answered",
           text=f"{answering} har svaret på jeres afsøgning før et enkeltmandstilbud: "
                f"{JoinAnswer(answer).label.lower()}.", link=_link(consultation))
    audit_record(actor=actor, event_type="consultation.answered", organisation_id=actor.organisation_id, obj=row,
                 before=before, after={"consultation": consultation.pk, "answer": answer, "note": note,
                                       "answered_on": today.isoformat()})
    return row


@transaction.atomic
def consultation_close(*, actor: Actor, consultation: SinglePersonConsultation, offer_id: int | None, outcome: str,
                       today: date) -> SinglePersonConsultation:
    """The poster records the outcome and links the new offer (one its municipality operates), or none where no
    offer is created. The municipalities that answered are notified.

    Refused, nothing written: anyone but the posting municipality's caseworkers and administrators; a consultation
    already closed; a day on or before the deadline while some of the region's other municipalities have not
    answered (they were promised until the deadline); an empty outcome, one over 2,000 characters or with a CPR
    number; an offer that does not exist or another operator's offer."""
    consultation = SinglePersonConsultation.objects.select_for_update().get(pk=consultation.pk)
    if not (_is_municipality_staff(actor) and actor.organisation_id == consultation.municipality_id):
        raise NotAllowed("Kun den kommune, der har sendt afsøgningen, kan afslutte den.",
                         message_en="only the posting municipality closes its consultation")
    if consultation.closed_at is not None:
        raise DomainError(f"Afsøgningen blev allerede afsluttet den "
                          f"{timezone.localdate(consultation.closed_at):%d.%m.%Y}.", field="outcome", code="closed",
                          message_en="the consultation is already closed")
    if today <= consultation.answer_by:
        asked = (Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY, region_id=actor.region_id)
                 .exclude(pk=consultation.municipality_id).count())
        answered = consultation.answers.count()
        if answered < asked:
            raise DomainError(
                f"Svarfristen løber til og med {consultation.answer_by:%d.%m.%Y}, og {asked - answered} af "
                f"{asked} kommuner har ikke svaret; afsøgningen kan afsluttes, når fristen er udløbet eller alle "
                "har svaret.", field="outcome", code="deadline_not_passed",
                message_en="the deadline has not passed and not every municipality has answered")
    outcome = _text(outcome, field_name="outcome", label="Udfaldet", max_length=OUTCOME_MAX, required=True)
    offer = None
    if offer_id is not None:
        offer = Offer.objects.select_related("operator").filter(pk=offer_id).first()
        if offer is None:
            raise DomainError(f"Tilbud nr. {offer_id} findes ikke.", field="offer", code="not_found",
                              message_en=f"offer {offer_id} not found")
        if offer.operator_id != consultation.municipality_id:
            poster = Organisation.objects.get(pk=consultation.municipality_id)
            raise DomainError(f"«{offer.name}» drives af {offer.operator}; kun et tilbud, som {poster} driver, kan "
                              "knyttes til afsøgningen.", field="offer", code="other_operator",
                              message_en="the offer is operated by another organisation than the poster")
    consultation.outcome, consultation.offer, consultation.closed_at = outcome, offer, timezone.now()
    consultation.save(update_fields=["outcome", "offer", "closed_at"])
    answered_ids = list(consultation.answers.values_list("municipality_id", flat=True))
    for organisation_id in answered_ids:
        notify(organisation_id=organisation_id, roles=MUNICIPALITY_ROLES, kind="consultation.closed",
               text=f"Afsøgningen før et enkeltmandstilbud er afsluttet: {outcome}", link=_link(consultation))
    audit_record(actor=actor, event_type="consultation.closed", organisation_id=consultation.municipality_id,
                 obj=consultation, after={"outcome": outcome, "offer": offer.pk if offer else None,
                                          "closed_on": today.isoformat()})
    return consultation


# Reads ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConsultationRow:
    consultation: SinglePersonConsultation
    join: int
    no: int
    own_answer: ConsultationAnswer | None = None
    is_open: bool = False


def _counted(queryset):
    return queryset.select_related("municipality", "target_group", "paragraph", "offer").annotate(
        join_count=Count("answers", filter=Q(answers__answer=JoinAnswer.JOIN)),
        no_count=Count("answers", filter=Q(answers__answer=JoinAnswer.NO)))


@dataclass(frozen=True)
class MunicipalityConsultations:
    own: list[ConsultationRow]  # the ones the actor's municipality posted
    others: list[ConsultationRow]  # the region's other municipalities' open ones, and the ones it answered
    may_post: bool


def consultation_list(*, actor: Actor, today: date) -> MunicipalityConsultations:
    """A municipality's page: its own consultations with their answers counted, and the open ones of the region's
    other municipalities (and the closed ones it answered) with its own answer."""
    if not _is_municipality_staff(actor):
        raise NotAllowed("Afsøgninger før enkeltmandstilbud ses af kommunernes sagsbehandlere og administratorer og "
                         "af regionens sekretariat.", message_en="not a municipality's caseworker or administrator")
    own = [ConsultationRow(c, c.join_count, c.no_count, is_open=_is_open(c, today=today))
           for c in _counted(SinglePersonConsultation.objects.filter(municipality_id=actor.organisation_id))]
    answers = {a.consultation_id: a for a in ConsultationAnswer.objects.filter(
        municipality_id=actor.organisation_id, consultation__municipality__region_id=actor.region_id)}
    visible = (SinglePersonConsultation.objects.filter(municipality__region_id=actor.region_id)
               .exclude(municipality_id=actor.organisation_id)
               .filter(Q(closed_at__isnull=True, answer_by__gte=today) | Q(pk__in=list(answers))))
    others = [ConsultationRow(c, 0, 0, own_answer=answers.get(c.pk), is_open=_is_open(c, today=today))
              for c in visible.select_related("municipality", "target_group", "paragraph", "offer")]
    return MunicipalityConsultations(own=own, others=others, may_post=True)


@dataclass(frozen=True)
class RegionOverview:
    region: Organisation | None
    year: int
    years: list[int]
    rows: list[ConsultationRow]
    open_count: int
    closed_count: int


def consultation_overview(*, actor: Actor, year: int, today: date) -> RegionOverview:
    """The secretariat's overview: its region's consultations posted in the year, with outcome, join / no counts and
    the linked offer. Other regions' consultations are not in it; municipalities use their own page."""
    if actor.is_superuser:
        region, queryset = None, SinglePersonConsultation.objects.all()
    elif actor.organisation_kind == OrganisationKind.SECRETARIAT and Role.SECRETARIAT in actor.roles \
            and actor.region_id is not None:
        region = Organisation.objects.get(pk=actor.region_id)
        queryset = SinglePersonConsultation.objects.filter(municipality__region_id=actor.region_id)
    else:
        raise NotAllowed("Oversigten over regionens afsøgninger ses af regionens sekretariat.",
                         message_en="the region overview is the secretariat's")
    years = sorted({d.year for d in queryset.dates("created_on", "year")} | {today.year}, reverse=True)
    rows = [ConsultationRow(c, c.join_count, c.no_count, is_open=_is_open(c, today=today))
            for c in _counted(queryset.filter(created_on__year=year)).order_by("-created_on", "-id")]
    return RegionOverview(region=region, year=year, years=years, rows=rows,
                          open_count=sum(1 for r in rows if r.consultation.closed_at is None),
                          closed_count=sum(1 for r in rows if r.consultation.closed_at is not None))


@dataclass(frozen=True)
class ConsultationDetail:
    consultation: SinglePersonConsultation
    answers: list[ConsultationAnswer]  # all for the poster and the secretariat; the actor's own for the others
    counts: dict[str, int]  # join / no, for the poster and the secretariat
    asked: int  # the region's other municipalities
    own_answer: ConsultationAnswer | None
    is_open: bool
    may_answer: bool
    may_close: bool
    sees_all: bool
    rule: ConsultationRule
    municipalities_without_answer: list[Organisation] = field(default_factory=list)


def consultation_detail(*, actor: Actor, consultation_id: int, today: date) -> ConsultationDetail:
    """One consultation as the actor may see it; NotFound for one the actor may not know of (another region's)."""
    consultation = (SinglePersonConsultation.objects.select_related("municipality", "created_by", "target_group",
                                                                    "paragraph", "offer", "offer__operator")
                    .filter(pk=consultation_id).first())
    if consultation is None:
        raise NotFound("Afsøgningen findes ikke.", message_en="Consultation not found.")
    region_id = consultation.municipality.region_id
    own_answer = (ConsultationAnswer.objects.filter(consultation=consultation, municipality_id=actor.organisation_id)
                  .select_related("answered_by").first() if actor.organisation_id else None)
    if not _may_see(actor, consultation, region_id=region_id, today=today, answered=own_answer is not None):
        raise NotFound("Afsøgningen findes ikke.", message_en="Consultation not found.")
    sees_all = (actor.is_superuser or _is_secretariat_of(actor, region_id)
                or actor.organisation_id == consultation.municipality_id)
    answers = (list(consultation.answers.select_related("municipality", "answered_by").order_by("municipality__name"))
               if sees_all else [own_answer] if own_answer else [])
    counts = Counter(a.answer for a in answers) if sees_all else Counter()
    others = (Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY, region_id=region_id)
              .exclude(pk=consultation.municipality_id))
    is_open = _is_open(consultation, today=today)
    answered_ids = {a.municipality_id for a in answers}
    return ConsultationDetail(
        consultation=consultation, answers=answers,
        counts={"join": counts[JoinAnswer.JOIN], "no": counts[JoinAnswer.NO]}, asked=others.count(),
        own_answer=own_answer, is_open=is_open,
        may_answer=(is_open and _is_municipality_staff(actor) and actor.region_id == region_id
                    and actor.organisation_id != consultation.municipality_id),
        may_close=(consultation.closed_at is None and _is_municipality_staff(actor)
                   and actor.organisation_id == consultation.municipality_id),
        sees_all=sees_all, rule=consultation_rule(region_id=region_id, today=today),
        municipalities_without_answer=[o for o in others if o.pk not in answered_ids] if sees_all else [])


@dataclass(frozen=True)
class OfferConsultation:
    consultation: SinglePersonConsultation
    join: int
    no: int


def offer_consultations(*, actor: Actor, offer_id: int) -> list[OfferConsultation]:
    """The closed consultations that led to the offer, for its page: shown to the posting municipality, the
    region's secretariat and the municipalities that answered; to everyone else, nothing."""
    if not actor.is_authenticated:
        raise NotAllowed("Du skal være logget ind.", message_en="Authentication required.")
    result = []
    for c in _counted(SinglePersonConsultation.objects.filter(offer_id=offer_id, closed_at__isnull=False)):
        answered = bool(actor.organisation_id) and c.answers.filter(municipality_id=actor.organisation_id).exists()
        if actor.organisation_id == c.municipality_id or actor.is_superuser or answered \
                or _is_secretariat_of(actor, c.municipality.region_id):
            result.append(OfferConsultation(c, c.join_count, c.no_count))
    return result



def consultation_offer_choices(*, consultation: SinglePersonConsultation):
    """The offers the poster may link on closing: those its municipality operates, newest first."""
    return Offer.objects.filter(operator_id=consultation.municipality_id).order_by("-created_at", "-id")
