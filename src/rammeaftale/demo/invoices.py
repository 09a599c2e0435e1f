"""The demo's issued invoices: the monthly settlement of every seller of the demo regions, from January last year up
to last month, as the economists would have run it (`billing.settlement.settlement_issue_all`, the real run: numbers,
OIOUBL data, audit). Spending against P/L and the § 176 claim read invoices; without them the demo's economy pages
would be empty. Only `rammeaftale bootstrap` (`make run`) asks for them (`rammeaftale demo --invoices`)."""
from dataclasses import dataclass, field
from datetime import date

from rammeaftale.accounts.actor import Actor
from rammeaftale.billing.settlement import settlement_issue_all
from rammeaftale.core.errors import DomainError, NotAllowed
from rammeaftale.parties.models import Organisation
from rammeaftale.registry.models import Offer


@dataclass
class InvoicesReport:
    months: int = 0
    runs: int = 0
    problems: list[str] = field(default_factory=list)  # a seller's month the run refused, with why


def _months(first: date, today: date) -> list[tuple[int, int]]:
    months, year, month = [], first.year, first.month
    while (year, month) < (today.year, today.month):
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def demo_invoices_issue(*, actor: Actor, regions: list[Organisation], first: date, today: date) -> InvoicesReport:
    """Every month from `first` to the month before `today`, issued on the first day of the month after it."""
    if not actor.is_superuser:
        raise NotAllowed("Kun platformens administrator kan bygge demodata.")
    report = InvoicesReport()
    sellers = list(Organisation.objects.filter(pk__in=Offer.objects.filter(
        municipality__region__in=regions).values("operator_id")).order_by("pk"))
    if not sellers:
        return report
    for year, month in _months(first, today):
        issue = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
        for seller, result in zip(sellers, settlement_issue_all(actor=actor, sellers=sellers, year=year, month=month,
                                                                issue_date=issue), strict=True):
            if isinstance(result, DomainError):
                report.problems.append(f"{seller} {month:02d}/{year}: {result.message_da}")
            else:
                report.runs += 1
        report.months += 1
    return report
