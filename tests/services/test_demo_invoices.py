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


def test_the_demos_posting_file_has_an_account_on_every_line_and_its_seller_a_real_looking_bank_account(db):
    """Issue 16: 6 of 29 lines of the demo's posting file had no account string (BL § 32, SEL § 85 and § 105 had no
    default), and its bank account was the placeholder 9999."""
    import csv
    import io

    from rammeaftale.billing.documents import posting_csv
    from rammeaftale.billing.models import InvoiceLine, PaymentAccount
    from rammeaftale.billing.settlement import settlement_plan
    from rammeaftale.demo.build import demo_build
    from rammeaftale.demo.placements import demo_placements_build
    from rammeaftale.parties.models import Organisation, OrganisationKind
    from tests.conftest import TODAY

    actor = Actor.system(username="demo")
    demo_build(actor=actor, region_codes=["1083"], seed=1, year_from=TODAY.year, year_to=TODAY.year)
    region = Organisation.objects.get(kind=OrganisationKind.REGION, code="1083")
    demo_placements_build(actor=actor, regions=[region], seed=1, first_day=date(TODAY.year, 1, 1), today=TODAY)
    report = demo_invoices_issue(actor=actor, regions=[region], first=date(TODAY.year, 11, 1), today=TODAY)
    assert report.runs and report.problems == []
    lines = InvoiceLine.objects.filter(invoice__run__year=TODAY.year, invoice__run__month=11)
    assert lines.count() > 1000 and not lines.filter(account_code="").exists()
    assert {unit for unit in lines.values_list("unit", flat=True)} >= {"day"}
    esbjerg = Organisation.objects.get(kind=OrganisationKind.MUNICIPALITY, code="561")
    rows = list(csv.DictReader(io.StringIO(posting_csv(Invoice.objects.filter(buyer=esbjerg)).decode("utf-8-sig")),
                               delimiter=";"))
    assert len(rows) > 20
    assert [row for row in rows if not row["Kontostreng"] or row["Kontostreng"] == "MANGLER KONTERING"] == []
    assert [row for row in rows if not row["Lovgrundlag"]] == []
    assert {row["Enhed"] for row in rows} >= {"døgn", "dag"}
    # The December preview of every seller warns of nothing missing
    odense = Organisation.objects.get(kind=OrganisationKind.MUNICIPALITY, code="461")
    plan = settlement_plan(actor=actor, seller=odense, year=TODAY.year, month=12, issue_date=TODAY)
    assert plan.invoices and plan.missing_accounts == []
    accounts = list(PaymentAccount.objects.all())
    assert accounts and all(a.reg_no != "9999" and len(a.reg_no) == 4 and len(a.account_no) == 10
                            and a.account_no[0] >= "4" for a in accounts)
