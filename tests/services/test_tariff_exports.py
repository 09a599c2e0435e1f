"""The tariff list exports: the XLSX opens with the tariffs and flags, the PDF renders with the list."""
import io
import subprocess
from decimal import Decimal

import openpyxl
import pytest

from rammeaftale.accounts.models import Role
from rammeaftale.registry import services as registry_services
from rammeaftale.registry.models import Agreement
from rammeaftale.tariffs import services
from rammeaftale.tariffs.exports import tariff_list_pdf, tariff_list_xlsx
from rammeaftale.tariffs.models import Tariff
from rammeaftale.tariffs.selectors import tariff_list
from tests.spreadsheets import AT_SUM, HYPERLINK, assert_text_not_formula


@pytest.fixture
def listed(agreements, copenhagen, make_offer, make_user, actor_of, system):
    offer = make_offer(copenhagen, name="Bofællesskabet Engen", places=12)
    basis = registry_services.service_create(actor=system, offer=offer, name="Basistakst")
    economist = actor_of(make_user(copenhagen, Role.ECONOMIST))
    Tariff.objects.create(service=basis, year=2021, amount_ore=240_000, origin="published")
    budget = services.tariff_budget_save(actor=economist, offer=offer, year=2022, lines=[services.ServiceBudgetInput(
        service=basis, salaries_kr=Decimal(10_000_000), overhead_pct=Decimal(6), depreciation_kr=Decimal(250_000),
        capital_book_value_kr=Decimal(3_000_000), interest_rate_pct=Decimal(5), true_up_kr=Decimal(-370_000),
        budgeted_occupancy_pct=Decimal(95))]).budget
    services.tariff_budget_calculate(actor=economist, budget=budget)
    services.price_index_set(actor=system, year=2022, rate_pct=Decimal("2.8"), source="KL (test)")
    return tariff_list(actor=economist, agreement=Agreement.objects.get(rulebook__key="hovedstaden-2021-2022"), year=2022)


def test_xlsx_export_holds_the_tariffs_the_change_and_the_breakdown(listed):
    book = openpyxl.load_workbook(io.BytesIO(tariff_list_xlsx(listed)))
    sheet = book["Takstoversigt"]
    assert "pris- og lønniveauet i 2019" in sheet["A4"].value  # the rulebook's growth rule under the title
    header = [cell.value for cell in sheet[5]]
    assert header[:7] == ["Tilbud", "Driftsherre", "Tilbudstype", "Ydelse", "Enhed", "Takst 2021", "Takst 2022"]
    assert header[8:11] == ["Ændring %", "Loft 2022", "Bemærkning"]
    row = [cell.value for cell in sheet[6]]
    assert row[0] == "Bofællesskabet Engen" and row[5] == 2400 and row[6] == 2554.67 and row[8] == 6.44
    assert row[9] == 2467.2  # no 2019 tariff on record: 2021's 2,400 kr. × P/L 2022 (2.8 %)
    assert row[10] == ("over P/L – forklaring mangler: loft 2.467,20 kr. (takst 2021 × P/L 2022); "
                       "loft fra 2021; basisåret 2019 findes ikke")
    breakdown = [[cell.value for cell in line] for line in book["Specifikation"].iter_rows(min_row=2)]
    assert ["Bofællesskabet Engen", "Basistakst", "Indirekte omkostninger (overhead)", 600000, 144.2] in breakdown


def test_pdf_export_renders_the_list(listed):
    pdf = tariff_list_pdf(listed)
    assert pdf.startswith(b"%PDF-") and len(pdf) > 3000
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    assert "Takstoversigt 2022" in text and "2.554,67 kr." in text and "forklaring mangler" in text
    assert "loft 2.467,20 kr." in text and "pris- og lønniveauet i 2019" in " ".join(text.split())


def test_xlsx_export_writes_a_formula_in_a_name_as_text(listed, system):
    """Issue 11: an offer named =HYPERLINK(…) became a live formula in the export (xlsxwriter's default)."""
    offer = listed.rows[0].tariff.service.offer
    type(offer).objects.filter(pk=offer.pk).update(name=HYPERLINK)
    type(offer.operator).objects.filter(pk=offer.operator_id).update(name=AT_SUM)
    hostile = tariff_list(actor=system, agreement=listed.agreement, year=2022, with_calculations=True)
    assert_text_not_formula(tariff_list_xlsx(hostile), HYPERLINK, AT_SUM)
