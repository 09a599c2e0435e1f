"""Writes for the agreement's year: a user's secret calendar address (made, made anew, revoked) and the daily
reminders of deadlines not met."""
import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction

from rammeaftale.accounts.actor import Actor
from rammeaftale.accounts.audit import audit_record
from rammeaftale.core.errors import DomainError, NotAllowed
from rammeaftale.deadlines.models import CalendarFeed, DeadlineReminder
from rammeaftale.deadlines.selectors import REMINDED_ROLES, calendar_statuses, can_use_calendar
from rammeaftale.engine.deadlines import reminder_due
from rammeaftale.exchange.notifications import notify
from rammeaftale.parties.models import Organisation, OrganisationKind
from rammeaftale.registry.models import Agreement
from rammeaftale.rulebooks.display import date_da


def feed_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@transaction.atomic
def calendar_feed_create(*, actor: Actor) -> str:
    """A new secret address for the user's calendar; an earlier one stops working. Returns the token, which is
    shown once and never stored (only its hash)."""
    if actor.user_id is None or not can_use_calendar(actor):
        raise NotAllowed("Kun brugere med adgang til årshjulet kan abonnere på det.",
                         message_en="only users of the calendar may subscribe to it")
    replaced = CalendarFeed.objects.filter(user_id=actor.user_id).delete()[0] > 0
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed.objects.create(user_id=actor.user_id, token_sha256=feed_token_hash(token))
    audit_record(actor=actor, event_type="calendar_feed.regenerated" if replaced else "calendar_feed.created",
                 organisation_id=actor.organisation_id, obj=feed, before={"existed": replaced},
                 after={"user": actor.user_id})
    return token


@transaction.atomic
def calendar_feed_revoke(*, actor: Actor) -> bool:
    """The user's calendar address stops working; False when there was none."""
    if actor.user_id is None:
        raise NotAllowed()
    revoked = CalendarFeed.objects.filter(user_id=actor.user_id).delete()[0] > 0
    if revoked:
        audit_record(actor=actor, event_type="calendar_feed.revoked", organisation_id=actor.organisation_id,
                     before={"user": actor.user_id}, after=None)
    return revoked


@dataclass(frozen=True)
class ReminderResult:
    today: date
    sent: list[dict]  # one per organisation and deadline reminded: region, organisation, deadline, due, recipients


def _calendar_years(today: date, region: Organisation) -> list:
    """This year's calendar, and next year's when its first days are within a reminder's reach."""
    years = []
    for year in sorted({today.year, (today + timedelta(days=366)).year}):
        try:
            years.append(calendar_statuses(region=region, year=year, today=today))
        except DomainError as error:  # a year no rules govern has no deadlines to remind of
            if error.field != "year":
                raise
    return years


@transaction.atomic
def deadline_reminders_send(*, actor: Actor, today: date) -> ReminderResult:
    """Each responsible organisation's users are told, `calendar.reminder_days_before` days before a deadline it
    has not met (an open status), once per organisation and deadline (`DeadlineReminder`): run daily, safe to run
    again. The platform's run only."""
    if not actor.is_superuser:
        raise NotAllowed()
    regions = Organisation.objects.filter(
        kind=OrganisationKind.REGION, pk__in=Agreement.objects.values("region_id")).order_by("name")
    sent = []
    for region in regions:
        for calendar in _calendar_years(today, region):
            days_before = calendar.reminder_days
            already = set(DeadlineReminder.objects.filter(region=region, due__year=calendar.year).values_list(
                "organisation_id", "deadline_key", "due"))
            for row in calendar.rows:
                for cell in row.statuses:
                    deadline = cell.deadline
                    if cell.status is None or (row.party.pk, deadline.key, deadline.due) in already:
                        continue
                    if not reminder_due(due=deadline.due, status=cell.status, today=today, days_before=days_before):
                        continue
                    text = (f"Påmindelse: «{deadline.name_da}» har frist {date_da(deadline.due)} for {row.party}. "
                            f"Status: {cell.label.lower()}"
                            + (f" ({cell.facts.detail})." if cell.facts and cell.facts.detail else "."))
                    notes = notify(organisation_id=row.party.pk, roles=REMINDED_ROLES[deadline.party],
                                   kind="deadline.reminder", text=text, link=f"/aarshjul/?aar={calendar.year}")
                    DeadlineReminder.objects.create(organisation=row.party, region=region, deadline_key=deadline.key,
                                                    due=deadline.due, sent_on=today, recipients=len(notes))
                    sent.append({"region": region.name, "organisation": str(row.party), "deadline": deadline.key,
                                 "due": deadline.due.isoformat(), "recipients": len(notes)})
    if sent:
        audit_record(actor=actor, event_type="calendar.reminders_sent", organisation_id=None,
                     after={"today": today.isoformat(), "reminders": len(sent)})
    return ReminderResult(today=today, sent=sent)
