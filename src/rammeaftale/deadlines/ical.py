"""The user's deadlines as an iCalendar feed (RFC 5545, written by the `icalendar` library): this year's and next
year's deadlines of the user's organisation (the secretariat: of the whole agreement), each an all-day event with
the status on the day the feed is read."""
from collections import Counter
from datetime import UTC, date, datetime, timedelta

from icalendar import Calendar, Event

from rammeaftale.accounts.actor import actor_from_user
from rammeaftale.core.errors import DomainError, NotFound
from rammeaftale.deadlines.models import CalendarFeed
from rammeaftale.deadlines.selectors import CalendarYear, calendar_for
from rammeaftale.engine.deadlines import STATUS_LABELS_DA
from rammeaftale.rulebooks.calendar import CalendarDeadline

FEED_REFRESH = timedelta(hours=12)


def feed_user(*, token_sha256: str):
    """The active user whose feed has this token's hash, or NotFound (a wrong or revoked token: the same 404)."""
    feed = CalendarFeed.objects.select_related("user", "user__organisation").filter(
        token_sha256=token_sha256, user__is_active=True).first()
    if feed is None:
        raise NotFound("Kalenderen findes ikke.", message_en="Calendar feed not found.")
    return feed.user


def _status_text(calendar: CalendarYear, deadline: CalendarDeadline) -> str:
    cells = [cell for row in calendar.rows for cell in row.statuses
             if cell.deadline.key == deadline.key and cell.status is not None]
    if not calendar.whole_agreement:
        cell = cells[0]
        detail = f" ({cell.facts.detail})" if cell.facts and cell.facts.detail else ""
        return f"Status {calendar.today:%d.%m.%Y}: {cell.label}{detail}"
    counts = Counter(cell.status for cell in cells)
    parts = ", ".join(f"{STATUS_LABELS_DA[status].lower()}: {count}" for status, count in sorted(counts.items()))
    return f"Status {calendar.today:%d.%m.%Y} for {len(cells)} parter: {parts or 'ingen'}"


def _own_deadlines(calendar: CalendarYear) -> list[CalendarDeadline]:
    if calendar.whole_agreement:
        return calendar.deadlines
    own = {cell.deadline.key for row in calendar.rows for cell in row.statuses if cell.status is not None}
    return [deadline for deadline in calendar.deadlines if deadline.key in own]


def _event(calendar: CalendarYear, deadline: CalendarDeadline, *, organisation_id: int, base_url: str) -> Event:
    basis = deadline.basis
    why = (f"Kilde: {basis.source.doc}, {basis.source.section}" if basis.source else f"Antaget: {basis.assumed}")
    description = "\n".join([
        f"Hvem: {deadline.party_da}.", f"Vises af: {deadline.record_da}.", _status_text(calendar, deadline) + ".",
        why, f"Regelbog: {calendar.in_force.agreement.name}."])
    return Event.new(
        uid=f"{calendar.region.pk}-{organisation_id}-{deadline.key}-{deadline.due.isoformat()}@rammeaftale",
        summary=f"Frist: {deadline.name_da}", description=description, start=deadline.due,
        end=deadline.due + timedelta(days=1), stamp=datetime.now(UTC), url=f"{base_url}/aarshjul/?aar={calendar.year}",
        categories=["Rammeaftale"])


def calendar_feed_ics(*, user, today: date, base_url: str) -> bytes:
    """The feed of `user` as iCalendar bytes: the deadlines of this year and next (a year no rules govern is left
    out), so the subscription does not run empty at the turn of the year."""
    actor = actor_from_user(user)
    feed = Calendar.new(name=f"Rammeaftale: frister for {user.organisation}", prodid="-//Rammeaftale//Årshjul//DA",
                        refresh_interval=FEED_REFRESH, language="da")
    for year in (today.year, today.year + 1):
        try:
            calendar = calendar_for(actor=actor, year=year, today=today)
        except DomainError as error:
            if error.field == "year":
                continue
            raise
        for deadline in _own_deadlines(calendar):
            feed.add_component(_event(calendar, deadline, organisation_id=actor.organisation_id or 0,
                                      base_url=base_url.rstrip("/")))
    return feed.to_ical()
