"""Reads for the agreement's year: the deadlines of the rulebook in force and each party's status from the records.

The region's secretariat sees every party's status (one row per party, one column per deadline); a municipality,
region or private operator sees every deadline of the year but only its own status — never another party's.
"""
from dataclasses import dataclass, field
from datetime import date

from rammeaftale.accounts.actor import Actor
from rammeaftale.accounts.models import Role
from rammeaftale.core.errors import DomainError, NotAllowed, NotFound
from rammeaftale.core.limits import YEAR_MAX, YEAR_MIN
from rammeaftale.deadlines.models import CalendarFeed
from rammeaftale.deadlines.records import RECORD_FACTS, YearContext
from rammeaftale.engine.deadlines import STATUS_LABELS_DA, DeadlineStatus, PartyFacts, deadline_status
from rammeaftale.parties.models import Organisation, OrganisationKind
from rammeaftale.registry.models import Offer
from rammeaftale.registry.rules import RulesInForce, rules_in_force
from rammeaftale.rulebooks.calendar import CalendarDeadline, calendar_year

# The roles that work with the year's deadlines (and see «Årshjul» in the menu); a caseworker's work is placements.
CALENDAR_ROLES = (Role.ECONOMIST, Role.OPERATOR, Role.SECRETARIAT, Role.ADMINISTRATOR)
# Who of a responsible organisation is reminded of a deadline.
REMINDED_ROLES = {
    "operators": (Role.ECONOMIST, Role.OPERATOR),
    "municipalities": (Role.ECONOMIST, Role.ADMINISTRATOR),
    "secretariat": (Role.SECRETARIAT,),
}
STATUS_BADGES = {
    DeadlineStatus.DONE: "badge-ok",
    DeadlineStatus.DONE_LATE: "badge-warn",
    DeadlineStatus.LATE: "badge-warn",
}


@dataclass(frozen=True)
class PartyStatus:
    deadline: CalendarDeadline
    status: DeadlineStatus | None  # None: not this party's deadline
    facts: PartyFacts | None = None

    @property
    def label(self) -> str:
        return STATUS_LABELS_DA[self.status] if self.status else "–"

    @property
    def badge(self) -> str:
        return STATUS_BADGES.get(self.status, "")


@dataclass(frozen=True)
class PartyRow:
    party: Organisation
    statuses: list[PartyStatus]  # one per deadline, in the year's order


@dataclass
class CalendarYear:
    region: Organisation
    year: int
    today: date
    in_force: RulesInForce
    deadlines: list[CalendarDeadline]
    rows: list[PartyRow] = field(default_factory=list)
    whole_agreement: bool = False  # the secretariat's view: every party

    @property
    def warning_da(self) -> str | None:
        return self.in_force.warning_da

    @property
    def deadline_rows(self) -> list[tuple[CalendarDeadline, PartyStatus | None]]:
        """Each deadline with the organisation's own status (the organisation's view), or None (the secretariat's,
        whose statuses are in `rows`)."""
        own = self.rows[0].statuses if not self.whole_agreement and self.rows else [None] * len(self.deadlines)
        return list(zip(self.deadlines, own, strict=True))

    @property
    def own_party(self) -> Organisation | None:
        return self.rows[0].party if not self.whole_agreement and self.rows else None

    @property
    def reminder_days(self) -> int:
        return self.in_force.rulebook.calendar.reminder_days_before.value


def calendar_rules(*, region: Organisation, year: int) -> tuple[RulesInForce, list[CalendarDeadline]]:
    """The rules in force on the year's 1 January (the one selector, `rules_in_force`) and their deadlines."""
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise DomainError(f"År {year} ligger uden for {YEAR_MIN}–{YEAR_MAX}.", field="year",
                          message_en=f"year outside {YEAR_MIN}-{YEAR_MAX}")
    try:
        in_force = rules_in_force(region=region, on=date(year, 1, 1))
    except DomainError as error:
        raise DomainError(f"Ingen regelbog for {region} i {year}, så året har intet årshjul: {error.message_da}",
                          field="year", code="no_agreement",
                          message_en=f"no rulebook governs {year} for region {region.code}") from error
    return in_force, calendar_year(in_force.rulebook, year=year)


def responsible_parties(*, region: Organisation, party: str) -> list[Organisation]:
    """The organisations a calendar party names in the region: the operators of its offers, its municipalities,
    or its secretariat."""
    if party == "operators":
        operators = Offer.objects.filter(municipality__region=region).values("operator_id")
        return list(Organisation.objects.filter(pk__in=operators).order_by("name"))
    kind = OrganisationKind.MUNICIPALITY if party == "municipalities" else OrganisationKind.SECRETARIAT
    return list(Organisation.objects.filter(region=region, kind=kind).order_by("name"))


def _parties_kind_order(organisation: Organisation) -> int:
    order = [OrganisationKind.SECRETARIAT, OrganisationKind.REGION, OrganisationKind.MUNICIPALITY]
    return order.index(organisation.kind) if organisation.kind in order else len(order)


def calendar_statuses(*, region: Organisation, year: int, today: date,
                      only: Organisation | None = None) -> CalendarYear:
    """Every responsible party's status for each deadline of the year (or `only` that organisation's): no access
    check — the platform's own reads (reminders, the console) and the scoped selectors below call it."""
    in_force, deadlines = calendar_rules(region=region, year=year)
    context = YearContext(region=region, year=year)
    parties: dict[int, Organisation] = {}
    cells: dict[tuple[int, str], PartyStatus] = {}
    responsible_by_kind = {kind: responsible_parties(region=region, party=kind)
                           for kind in {deadline.party for deadline in deadlines}}
    for deadline in deadlines:
        responsible = [o for o in responsible_by_kind[deadline.party] if only is None or o.pk == only.pk]
        facts = RECORD_FACTS[deadline.record](context, deadline, [o.pk for o in responsible])
        for organisation in responsible:
            parties[organisation.pk] = organisation
            party_facts = facts.get(organisation.pk, PartyFacts(applicable=False, detail="Intet at gøre"))
            cells[organisation.pk, deadline.key] = PartyStatus(
                deadline=deadline, facts=party_facts,
                status=deadline_status(due=deadline.due, facts=party_facts, today=today))
    if only is not None:
        parties[only.pk] = only
    rows = [PartyRow(party=party, statuses=[cells.get((party.pk, d.key), PartyStatus(deadline=d, status=None))
                                            for d in deadlines])
            for party in sorted(parties.values(), key=lambda o: (_parties_kind_order(o), o.name))]
    return CalendarYear(region=region, year=year, today=today, in_force=in_force, deadlines=deadlines, rows=rows,
                        whole_agreement=only is None)


def sees_whole_agreement(actor: Actor, *, region_id: int) -> bool:
    """The region's secretariat (and the platform) sees every party's status."""
    return actor.is_superuser or (actor.organisation_kind == OrganisationKind.SECRETARIAT
                                  and actor.region_id == region_id and actor.has_role(Role.SECRETARIAT,
                                                                                      Role.ADMINISTRATOR))


def can_use_calendar(actor: Actor) -> bool:
    return actor.is_superuser or (actor.organisation_id is not None and actor.has_role(*CALENDAR_ROLES))


def calendar_for(*, actor: Actor, year: int, today: date, region_id: int | None = None) -> CalendarYear:
    """The year for the acting user: the secretariat's whole agreement, or the organisation's own status."""
    if not can_use_calendar(actor):
        raise NotAllowed("Årshjulet er for økonomer, driftsherrer, sekretariatet og administratorer.",
                         message_en="the calendar is for economists, operators, the secretariat and administrators")
    region_id = region_id if actor.is_superuser and region_id else actor.region_id
    region = Organisation.objects.filter(pk=region_id or 0, kind=OrganisationKind.REGION).first()
    if region is None:
        raise NotFound("Regionen findes ikke.", message_en="Region not found.")
    if sees_whole_agreement(actor, region_id=region.pk):
        return calendar_statuses(region=region, year=year, today=today)
    own = Organisation.objects.get(pk=actor.organisation_id)
    return calendar_statuses(region=region, year=year, today=today, only=own)


def calendar_feed_exists(*, actor: Actor) -> bool:
    """Whether the user has a calendar address (its token is never shown again; only made anew or revoked)."""
    return actor.user_id is not None and CalendarFeed.objects.filter(user_id=actor.user_id).exists()
