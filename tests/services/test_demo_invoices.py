"""The demo's issued months (`rammeaftale demo --invoices`, as `make run` builds it): the real settlement run for
every seller of the region, each month up to last month, and nothing twice."""
from datetime import date

from rammeaftale.accounts.actor import Actor
from rammeaftale.billing.models import Invoice, SettlementRun
from rammeaftale.demo.invoices import _months, demo_invoices_issue
from tests.services.test_settlement import world  # noqa: F401 (the fixture)


def test_the_months_run_from_the_first_up_to_last_month():
    assert _months(date(2025, 11, 1), date(2026, 2, 7)) == [(2025, 11), (2025, 12), (2026, 1)]
    assert _months(date(2026, 2, 1), date(2026, 2, 7)) == []


def test_each_month_is_issued_by_the_real_run_once(world, region_syd):  # noqa: F811
    report = demo_invoices_issue(actor=Actor.system(username="demo"), regions=[region_syd], first=date(2026, 10, 1),
                                 today=date(2026, 12, 7))
    assert (report.months, report.runs, report.problems) == (2, 2, [])
    assert set(SettlementRun.objects.values_list("year", "month")) == {(2026, 10), (2026, 11)}
    invoices = Invoice.objects.filter(buyer=world["esbjerg"]).count()
    assert invoices == 2
    again = demo_invoices_issue(actor=Actor.system(username="demo"), regions=[region_syd], first=date(2026, 10, 1),
                                today=date(2026, 12, 7))
    assert again.problems == [] and Invoice.objects.filter(buyer=world["esbjerg"]).count() == invoices
