"""Where a party stands with a deadline of the agreement's year, derived from what its records show (never typed by
a user), and when it is reminded of it."""

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class DeadlineStatus(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    DONE_LATE = "done_late"  # met, but after the deadline: shown, not hidden as done
    LATE = "late"  # the deadline has passed and it is not met
    NOT_APPLICABLE = "not_applicable"  # nothing for this party to do (no offers that report), or no records yet


STATUS_LABELS_DA = {
    DeadlineStatus.NOT_STARTED: "Ikke påbegyndt",
    DeadlineStatus.IN_PROGRESS: "I gang",
    DeadlineStatus.DONE: "Færdig",
    DeadlineStatus.DONE_LATE: "Færdig for sent",
    DeadlineStatus.LATE: "For sent",
    DeadlineStatus.NOT_APPLICABLE: "Ikke relevant",
}

OPEN = frozenset({DeadlineStatus.NOT_STARTED, DeadlineStatus.IN_PROGRESS})


@dataclass(frozen=True)
class PartyFacts:
    """What one party's records show for one deadline."""

    applicable: bool = True  # False: the party has nothing to do for it (or the records are not kept yet)
    started: bool = False  # some of the needed records exist (a budget, a draft report, some categories)
    done: bool = False  # every needed record exists
    done_on: date | None = None  # the day the last needed record was made, where the records keep the day
    detail: str = ""  # Danish: what the records show, e.g. "3 af 5 ydelser har en godkendt takst for 2028"


def deadline_status(*, due: date, facts: PartyFacts, today: date) -> DeadlineStatus:
    """The status on `today` of a deadline due on `due` (the day itself is in time: "senest den 1. maj")."""
    if not facts.applicable:
        return DeadlineStatus.NOT_APPLICABLE
    if facts.done:
        late = facts.done_on is not None and facts.done_on > due
        return DeadlineStatus.DONE_LATE if late else DeadlineStatus.DONE
    if today > due:
        return DeadlineStatus.LATE
    return DeadlineStatus.IN_PROGRESS if facts.started else DeadlineStatus.NOT_STARTED


def reminder_due(*, due: date, status: DeadlineStatus, today: date, days_before: int) -> bool:
    """Whether a party should be reminded today: the deadline is open for it and `days_before` days away or
    nearer (a missed daily run still reminds on the next day, up to the deadline itself)."""
    return status in OPEN and 0 <= (due - today).days <= days_before
