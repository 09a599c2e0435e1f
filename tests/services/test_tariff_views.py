"""The tariff pages through Django's test client: the list with flags, filters, the htmx row and exports, the
breakdown, the P/L table, an offer's budget with approval and calculation, and the matching REST endpoints (the
category page: tests/services/test_category.py). Each form: success, the wrong role or organisation refused, the
Danish message beside the field, nothing written on error."""
import io
import re
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from rammeaftale.accounts.models import AuditEvent, Role
from rammeaftale.core.money import format_kr
from rammeaftale.registry import services as registry_services
from rammeaftale.registry.models import Agreement
from rammeaftale.tariffs import services
from rammeaftale.tariffs.models import (
    OccupancyApproval,
    PriceIndex,
    ServiceBudget,
    Tariff,
    TariffBudget,
    TariffCalculation,
    TariffExplanation,
)
from tests.conftest import TODAY

THIS_YEAR = TODAY.year
LAST_YEAR = THIS_YEAR - 1
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def world(agreements, region_syd, region_hovedstaden, esbjerg, odense, copenhagen, secretariat_syd, make_offer,
          make_user, actor_of, system):
    """Syddanmark on a demo agreement for last year and this; Esbjerg's Engen with a calculated tariff that rises
    above P/L, Odense's Solsikken with a published one that does too (Syddanmark's P/L cap is on the total
    expenses, so neither is flagged); Hovedstaden on a demo agreement for the same years, where Copenhagen's Lærken
    rises above its cap and needs an explanation; a user per role that matters here."""
    rulebook = Agreement.objects.get(rulebook__key="syddanmark-2019-2020").rulebook
    agreement = registry_services.agreement_create(
        actor=system, region=region_syd, name=f"Demoaftale {LAST_YEAR}–{THIS_YEAR}, Syddanmark", year_from=LAST_YEAR,
        year_to=THIS_YEAR, rulebook=rulebook, is_demo=True)
    engen = make_offer(esbjerg, name="Bostedet Engen", places=12)
    engen_basis = registry_services.service_create(actor=system, offer=engen, name="Døgnophold")
    engen_hours = registry_services.service_create(actor=system, offer=engen, name="Ekstra støtte (timer)",
                                                   kind="tillaeg", unit="hour")
    solsikken = make_offer(odense, name="Botilbuddet Solsikken", offer_type="residential")
    solsikken_basis = registry_services.service_create(actor=system, offer=solsikken, name="Døgnophold")
    kastanjen = make_offer(odense, name="Dagtilbuddet Kastanjen", offer_type="day", paragraphs=("sel-104",))
    kastanjen_basis = registry_services.service_create(actor=system, offer=kastanjen, name="Dagtilbud")
    hovedstaden = registry_services.agreement_create(
        actor=system, region=region_hovedstaden, name=f"Demoaftale {LAST_YEAR}–{THIS_YEAR}, Hovedstaden",
        year_from=LAST_YEAR, year_to=THIS_YEAR, is_demo=True,
        rulebook=Agreement.objects.get(rulebook__key="hovedstaden-2021-2022").rulebook)
    laerken = make_offer(copenhagen, name="Bofællesskabet Lærken")
    laerken_basis = registry_services.service_create(actor=system, offer=laerken, name="Basistakst")
    users = {
        "economist": make_user(esbjerg, Role.ECONOMIST, username="oekonom-esbjerg"),
        "caseworker": make_user(esbjerg, Role.CASEWORKER, username="sagsbehandler-esbjerg"),
        "odense_economist": make_user(odense, Role.ECONOMIST, username="oekonom-odense"),
        "secretariat": make_user(secretariat_syd, Role.SECRETARIAT, username="sekretariat-syd"),
        "kbh_economist": make_user(copenhagen, Role.ECONOMIST, username="oekonom-kbh"),
    }
    economist = actor_of(users["economist"])
    services.price_index_set(actor=system, year=THIS_YEAR, rate_pct=Decimal("2.5"), source="KL (test)")
    for year, pct in ((THIS_YEAR - 2, Decimal("96")), (LAST_YEAR, Decimal("98"))):
        services.actual_occupancy_set(actor=economist, offer=engen, year=year, occupancy_pct=pct)
    Tariff.objects.create(service=engen_basis, year=LAST_YEAR, amount_ore=200_000, origin="published")
    Tariff.objects.create(service=engen_hours, year=LAST_YEAR, amount_ore=45_000, origin="published")
    budget = services.tariff_budget_save(actor=economist, offer=engen, year=THIS_YEAR, lines=[
        services.ServiceBudgetInput(service=engen_basis, salaries_kr=Decimal(7_000_000), property_kr=Decimal(900_000),
                                    other_direct_kr=Decimal(800_000), overhead_pct=Decimal(6),
                                    depreciation_kr=Decimal(200_000), capital_book_value_kr=Decimal(3_000_000),
                                    interest_rate_pct=Decimal(4)),
        services.ServiceBudgetInput(service=engen_hours, salaries_kr=Decimal(900_000), overhead_pct=Decimal(6),
                                    budgeted_hours=Decimal(2000)),
    ]).budget
    services.tariff_budget_calculate(actor=economist, budget=budget)
    Tariff.objects.create(service=solsikken_basis, year=LAST_YEAR, amount_ore=300_000, origin="published")
    Tariff.objects.create(service=solsikken_basis, year=THIS_YEAR, amount_ore=330_000, origin="published")
    Tariff.objects.create(service=kastanjen_basis, year=LAST_YEAR, amount_ore=80_000, origin="published")
    Tariff.objects.create(service=kastanjen_basis, year=THIS_YEAR, amount_ore=81_000, origin="published")
    # Hovedstaden's 2019 base year is not on record: the cap is last year's 2,400 kr. × 1.025 = 2,460 kr.
    Tariff.objects.create(service=laerken_basis, year=LAST_YEAR, amount_ore=240_000, origin="published")
    Tariff.objects.create(service=laerken_basis, year=THIS_YEAR, amount_ore=259_000, origin="published")
    return {
        "hovedstaden": hovedstaden, "laerken_tariff": Tariff.objects.get(service=laerken_basis, year=THIS_YEAR),
        "agreement": agreement, "engen": engen, "solsikken": solsikken, "kastanjen": kastanjen, "users": users,
        "engen_tariff": Tariff.objects.get(service=engen_basis, year=THIS_YEAR),
        "engen_hours_tariff": Tariff.objects.get(service=engen_hours, year=THIS_YEAR),
        "solsikken_tariff": Tariff.objects.get(service=solsikken_basis, year=THIS_YEAR),
        "engen_basis": engen_basis, "engen_hours": engen_hours,
    }


@pytest.fixture
def as_user(client, world):
    def login(key):
        client.force_login(world["users"][key])
        return client
    return login


def _rows(html: str) -> dict[int, str]:
    """The list's rows by tariff id."""
    return {int(pk): row for pk, row in re.findall(r'<tr id="tariff-row-(\d+)"[^>]*>(.*?)</tr>', html, re.S)}


def _list(client, world, agreement="agreement", **params):
    return client.get(reverse("tariffs:tariff_list"), {"agreement": world[agreement].pk, "year": THIS_YEAR,
                                                       **params})


# The tariff list.


def test_every_tariff_page_needs_a_login(client, world):
    for url in (reverse("tariffs:tariff_list"), reverse("tariffs:price_index"),
                reverse("tariffs:tariff_detail", args=[world["engen_tariff"].pk]),
                reverse("tariffs:budget", args=[world["engen"].pk, THIS_YEAR]),
                reverse("tariffs:category", args=[world["engen"].pk, THIS_YEAR])):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/?next=")


def test_hovedstaden_flags_a_rise_above_the_cap_and_offers_the_operators_economist_the_form(as_user, world):
    html = _list(as_user("kbh_economist"), world, agreement="hovedstaden").content.decode()
    laerken = _rows(html)[world["laerken_tariff"].pk]
    assert "pris- og lønniveauet i 2019" in html and "skal forklares" in html  # the rulebook's rule, once
    assert "7,92 %" in laerken and "over P/L: forklaring mangler" in laerken and "Skriv forklaring" in laerken
    assert f"loft 2.460,00 kr. (takst {LAST_YEAR} × P/L {THIS_YEAR})" in laerken
    assert f"loft fra {LAST_YEAR}; basisåret 2019 findes ikke" in laerken
    # Esbjerg's economist sees the flag but may not explain Copenhagen's tariff.
    other = _rows(_list(as_user("economist"), world, agreement="hovedstaden").content.decode())
    assert "forklaring mangler" in other[world["laerken_tariff"].pk]
    assert "Skriv forklaring" not in other[world["laerken_tariff"].pk]
    unexplained = _rows(_list(as_user("caseworker"), world, agreement="hovedstaden",
                              flag="unexplained").content.decode())
    assert set(unexplained) == {world["laerken_tariff"].pk}


def test_syddanmark_shows_the_growth_but_flags_no_tariff_its_cap_is_on_the_total_expenses(as_user, world):
    html = _list(as_user("economist"), world).content.decode()
    rows = _rows(html)
    engen, solsikken = rows[world["engen_tariff"].pk], rows[world["solsikken_tariff"].pk]
    assert f"P/L {THIS_YEAR}:" in html and "<strong>2,50 %</strong>" in html
    assert "samlede udgifter, ikke den enkelte takst" in html
    assert "10,00 %" in solsikken  # 3,000 → 3,300 kr. against a P/L of 2.5 %
    for row in (engen, solsikken):
        assert "over P/L" not in row and "forklaring" not in row.lower() and "loft" not in row
    assert format_kr(world["engen_tariff"].amount_ore) in engen and "2.000,00 kr." in engen
    assert 'badge-warn">skal indberettes' not in html  # Syddanmark's rules have no report threshold
    kastanjen = next(row for row in rows.values() if "Dagtilbuddet Kastanjen" in row)
    assert "1,25 %" in kastanjen and "over P/L" not in kastanjen


def test_others_see_the_flags_and_the_explanation_but_no_form(as_user, world, actor_of):
    services.tariff_explanation_record(actor=actor_of(world["users"]["kbh_economist"]),
                                       tariff=world["laerken_tariff"], text="Ny nattevagt efter tilsynets påbud.")
    html = _list(as_user("caseworker"), world, agreement="hovedstaden").content.decode()
    laerken = _rows(html)[world["laerken_tariff"].pk]
    assert "over P/L, forklaret" in laerken and "Ny nattevagt efter tilsynets påbud." in laerken
    assert "Skriv forklaring" not in html and "Ret forklaringen" not in html


@pytest.mark.parametrize(("params", "expected"), [
    ({"flag": "unexplained"}, set()),  # Syddanmark asks no explanation of a single tariff
    ({"flag": "over_pl"}, set()),
    ({"flag": "report"}, set()),
    ({"offer_type": "day"}, {"kastanjen"}),
    ({"operator": "odense"}, {"solsikken", "kastanjen"}),
    ({"flag": "nonsense", "offer_type": "hotel"}, {"engen", "engen_hours", "solsikken", "kastanjen"}),
])
def test_the_filters_narrow_the_list(as_user, world, odense, params, expected):
    query = {key: (odense.pk if value == "odense" else value) for key, value in params.items()}
    rows = _rows(_list(as_user("caseworker"), world, **query).content.decode())
    ids = {"engen": world["engen_tariff"].pk, "engen_hours": world["engen_hours_tariff"].pk,
           "solsikken": world["solsikken_tariff"].pk,
           "kastanjen": Tariff.objects.get(service__offer=world["kastanjen"], year=THIS_YEAR).pk}
    assert set(rows) == {ids[name] for name in expected}


def test_last_year_has_no_previous_tariffs_to_flag(as_user, world):
    html = _list(as_user("caseworker"), world, year=LAST_YEAR).content.decode()
    assert f"Takstoversigt {LAST_YEAR}" in html and "over P/L" not in html.split('id="tariff-table"')[1]
    assert "mangler i P/L-tabellen" in html


def test_an_htmx_request_gets_only_the_rows(as_user, world):
    client = as_user("caseworker")
    response = client.get(reverse("tariffs:tariff_list"), {"agreement": world["agreement"].pk, "year": THIS_YEAR,
                                                           "offer_type": "residential"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html and 'id="tariff-table"' in html
    assert "3 takster" in html and "offer_type=residential" in html  # the export links follow the filters
    assert "HX-Request" in response["Vary"]


@pytest.mark.parametrize(("fmt", "content_type", "magic"), [("xlsx", XLSX, b"PK"), ("pdf", "application/pdf", b"%PDF-")])
def test_the_exports_respond_with_the_file(as_user, world, fmt, content_type, magic):
    response = as_user("caseworker").get(reverse("tariffs:tariff_list_export", args=[fmt]),
                                         {"agreement": world["agreement"].pk, "year": THIS_YEAR})
    assert response.status_code == 200 and response["Content-Type"] == content_type
    assert response.content.startswith(magic)
    assert f'filename="takstoversigt-syddanmark-{THIS_YEAR}.{fmt}"' in response["Content-Disposition"]
    if fmt == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(response.content))["Takstoversigt"]
        assert "Bostedet Engen" in [cell.value for cell in sheet["A"]]


def test_an_unknown_export_format_is_404(as_user, world):
    assert as_user("caseworker").get(reverse("tariffs:tariff_list_export", args=["doc"])).status_code == 404


# The breakdown.


def test_the_breakdown_shows_budget_occupancy_elements_checks_and_a_way_back(as_user, world):
    tariff = world["engen_tariff"]
    response = as_user("caseworker").get(reverse("tariffs:tariff_detail", args=[tariff.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    for text in ("Lønninger", "Ejendomsudgifter", "Øvrige direkte omkostninger", "Indirekte omkostninger (overhead)",
                 "Afskrivninger", "Forrentning af kapital", "7.000.000,00 kr.", "3.000.000,00 kr. × 4,00 %",
                 "Takstgrundlag / døgntakst", "Månedstakst", "Budgetteret belægning", "97,00 %",
                 "gennemsnit af de to foregående års faktiske belægning", "Inden for rammerne",
                 "Overhead 6,00 % af direkte omkostninger; regelbogen har ingen norm.", "Esbjerg Kommune i alt",
                 "Ekstra støtte (timer)"):
        assert text in html, text
    assert "over P/L" not in html and "Loft " not in html  # Syddanmark: no cap on the single tariff
    assert "P/L-loftet gælder de samlede udgifter, ikke den enkelte takst" in html
    assert format_kr(tariff.amount_ore) in html and format_kr(tariff.monthly_ore) in html
    assert f'href="/takster/?agreement={world["agreement"].pk}&amp;year={THIS_YEAR}"' in html
    assert "Budget {}".format(THIS_YEAR) not in html  # a caseworker cannot budget; the economist can
    economist_html = as_user("economist").get(reverse("tariffs:tariff_detail", args=[tariff.pk])).content.decode()
    assert reverse("tariffs:budget", args=[world["engen"].pk, THIS_YEAR]) in economist_html


def test_the_breakdown_of_a_hovedstaden_tariff_shows_its_cap_and_basis(as_user, world):
    html = as_user("caseworker").get(reverse("tariffs:tariff_detail",
                                             args=[world["laerken_tariff"].pk])).content.decode()
    assert f"Loft {THIS_YEAR}: 2.460,00 kr. (takst {LAST_YEAR} × P/L {THIS_YEAR})." in html
    assert "over P/L: forklaring mangler" in html and f"loft fra {LAST_YEAR}; basisåret 2019 findes ikke" in html


def test_an_hour_tariff_is_divided_by_hours_and_a_published_one_has_no_basis(as_user, world):
    client = as_user("caseworker")
    hours = client.get(reverse("tariffs:tariff_detail", args=[world["engen_hours_tariff"].pk])).content.decode()
    assert "2.000,00 budgetterede borgerrettede timer" in hours and "Pr. time" in hours
    published = client.get(reverse("tariffs:tariff_detail", args=[world["solsikken_tariff"].pk])).content.decode()
    assert "intet beregningsgrundlag at vise" in published
    assert client.get(reverse("tariffs:tariff_detail", args=[999_999])).status_code == 404


# Explanations.


def test_the_operators_economist_explains_a_rise_from_the_list_with_htmx(as_user, world):
    tariff = world["laerken_tariff"]
    response = as_user("kbh_economist").post(reverse("tariffs:tariff_explanation", args=[tariff.pk]),
                                         {"text": "Ny nattevagt efter tilsynets påbud."}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith(f'<tr id="tariff-row-{tariff.pk}"')
    assert "over P/L, forklaret" in html and "Forklaringen er gemt." in html
    assert TariffExplanation.objects.get(tariff=tariff).text == "Ny nattevagt efter tilsynets påbud."
    event = AuditEvent.objects.get(event_type="tariff.explained")
    assert event.after["text"] == "Ny nattevagt efter tilsynets påbud."


def test_without_javascript_the_explanation_page_saves_and_returns_to_the_breakdown(as_user, world):
    tariff = world["laerken_tariff"]
    client = as_user("kbh_economist")
    assert "Forklaring på stigningen" in client.get(reverse("tariffs:tariff_explanation",
                                                           args=[tariff.pk])).content.decode()
    response = client.post(reverse("tariffs:tariff_explanation", args=[tariff.pk]),
                           {"text": "Huslejen er steget efter renoveringen."}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("tariffs:tariff_detail", args=[tariff.pk])
    assert "Forklaringen er gemt." in response.content.decode()
    assert "Huslejen er steget efter renoveringen." in response.content.decode()


@pytest.mark.parametrize("user", ["economist", "odense_economist", "caseworker", "secretariat"])
def test_only_the_operators_staff_may_explain(as_user, world, user):
    response = as_user(user).post(reverse("tariffs:tariff_explanation", args=[world["laerken_tariff"].pk]),
                                  {"text": "Ny nattevagt efter tilsynets påbud."})
    assert response.status_code == 403 and "Kun driftsherrens" in response.content.decode()
    assert not TariffExplanation.objects.exists()


def test_no_explanation_where_the_rulebook_asks_none(as_user, world):
    kastanjen = Tariff.objects.get(service__offer=world["kastanjen"], year=THIS_YEAR)
    response = as_user("odense_economist").post(reverse("tariffs:tariff_explanation", args=[kastanjen.pk]),
                                                {"text": "Ingen grund, men vi prøver."})
    assert response.status_code == 403 and not TariffExplanation.objects.exists()
    # Engen rises above P/L, but Syddanmark's cap is on the total expenses: nothing to explain per tariff.
    client = as_user("economist")
    page = client.get(reverse("tariffs:tariff_explanation", args=[world["engen_tariff"].pk])).content.decode()
    assert "der skal ingen forklaring til" in page and "Gem forklaring" not in page
    response = client.post(reverse("tariffs:tariff_explanation", args=[world["engen_tariff"].pk]),
                           {"text": "Ny nattevagt efter tilsynets påbud."})
    assert response.status_code == 403 and not TariffExplanation.objects.exists()


@pytest.mark.parametrize("htmx", [True, False])
def test_a_too_short_explanation_is_refused_beside_the_field(as_user, world, htmx):
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    response = as_user("kbh_economist").post(reverse("tariffs:tariff_explanation", args=[world["laerken_tariff"].pk]),
                                         {"text": "Dyrere"}, **headers)
    html = response.content.decode()
    assert response.status_code == (200 if htmx else 400)  # htmx swaps only 2xx: the row returns with the error
    assert re.search(r'>\s*Dyrere</textarea>\s*<p class="field-error"[^>]*>'
                     r'Forklaringen skal sige, hvorfor taksten stiger mere end loftet eller den grænse, '
                     r'regelbogen sætter \(mindst 10 tegn\)\.</p>', html)
    assert not TariffExplanation.objects.exists()


# P/L.


def test_everyone_sees_the_pl_table_with_sources_and_example_badges(as_user, world, system):
    services.price_index_load_examples(actor=system)
    html = as_user("caseworker").get(reverse("tariffs:price_index")).content.decode()
    assert 'data-year="2020"' in html and "2,80 %" in html and "eksempeltal" in html
    assert 'href="https://www.kl.dk/' in html and "KL (test)" in html
    assert "Gem P/L" not in html  # only the secretariat maintains it


def test_the_secretariat_adds_a_year(as_user, world):
    client = as_user("secretariat")
    assert "Gem P/L" in client.get(reverse("tariffs:price_index")).content.decode()
    response = client.post(reverse("tariffs:price_index"), {
        "year": str(THIS_YEAR + 1), "rate_pct": "2,9", "source": "KL: Pris- og lønskøn (test)",
        "source_url": "https://www.kl.dk/"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("tariffs:price_index")
    assert f"P/L for {THIS_YEAR + 1} er gemt: 2,90 %." in response.content.decode()
    index = PriceIndex.objects.get(year=THIS_YEAR + 1)
    assert index.rate_pct == Decimal("2.90") and not index.is_example
    assert AuditEvent.objects.filter(event_type="price_index.set", after__year=THIS_YEAR + 1).exists()
    # Changing a year: the form comes pre-filled, the new rate replaces the old.
    assert 'value="2,9"' in client.get(reverse("tariffs:price_index"), {"year": THIS_YEAR + 1}).content.decode()
    client.post(reverse("tariffs:price_index"), {"year": str(THIS_YEAR + 1), "rate_pct": "3.1", "source": "KL"})
    assert PriceIndex.objects.get(year=THIS_YEAR + 1).rate_pct == Decimal("3.10")


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"year": "2030", "rate_pct": "to procent", "source": "KL"}, "rate_pct", "Skriv et tal"),
    ({"year": "2030", "rate_pct": "25", "source": "KL"}, "rate_pct", "P/L 25 % er ikke plausibel"),
    ({"year": "2030", "rate_pct": "2,5", "source": ""}, "source", "Angiv kilden til P/L-satsen."),
    ({"year": "1999", "rate_pct": "2,5", "source": "KL"}, "year", "Året skal ligge mellem 2000 og 2100."),
    ({"year": "", "rate_pct": "2,5", "source": "KL"}, "year", "Angiv året."),
])
def test_bad_pl_input_is_refused_beside_the_field_and_nothing_is_saved(as_user, world, data, field, message):
    before = list(PriceIndex.objects.values_list("year", "rate_pct"))
    response = as_user("secretariat").post(reverse("tariffs:price_index"), data)
    html = response.content.decode()
    assert response.status_code == 400
    assert re.search(rf'<label for="id_{field}">.*?<p class="field-error">{re.escape(message)}', html, re.S), html
    assert list(PriceIndex.objects.values_list("year", "rate_pct")) == before


@pytest.mark.parametrize("user", ["economist", "caseworker"])
def test_only_the_secretariat_keeps_the_pl_table(as_user, world, user):
    response = as_user(user).post(reverse("tariffs:price_index"), {"year": "2030", "rate_pct": "2", "source": "KL"})
    assert response.status_code == 403 and not PriceIndex.objects.filter(year=2030).exists()


# The budget.


def _budget_url(world, year=THIS_YEAR):
    return reverse("tariffs:budget", args=[world["engen"].pk, year])


def _budget_post(world, **changes) -> dict:
    basis, hours = f"s{world['engen_basis'].pk}", f"s{world['engen_hours'].pk}"
    data = {f"{basis}-salaries_kr": "7.500.000", f"{basis}-property_kr": "900000", f"{basis}-other_direct_kr": "800000",
            f"{basis}-overhead_pct": "6", f"{basis}-depreciation_kr": "200000", f"{basis}-budgeted_occupancy_pct": "",
            f"{basis}-places": "", f"{hours}-salaries_kr": "900000", f"{hours}-overhead_pct": "6",
            f"{hours}-budgeted_hours": "2000"}
    for key, value in changes.items():
        service, name = key.split("__")
        data[f"s{world[service].pk}-{name}"] = value
    return data


def test_the_budget_page_shows_the_saved_budget_and_its_basis(as_user, world):
    response = as_user("economist").get(_budget_url(world))
    html = response.content.decode()
    assert response.status_code == 200
    assert f"Budget {THIS_YEAR}: Bostedet Engen" in html and "12 pladser" in html
    assert "95–100,00 %" in html or "95–100 %" in html
    assert f"{THIS_YEAR - 2}: 96,00 %" in html and "97,00 % (bruges, når feltet er tomt)" in html
    assert 'name="s{}-salaries_kr" value="7000000"'.format(world["engen_basis"].pk) in html
    assert 'name="s{}-budgeted_hours"'.format(world["engen_hours"].pk) in html
    assert 'name="s{}-budgeted_occupancy_pct"'.format(world["engen_hours"].pk) not in html
    assert "Beregn takster for" in html


@pytest.mark.parametrize("user", ["odense_economist", "caseworker", "secretariat"])
def test_only_the_operators_staff_see_and_save_the_budget(as_user, world, user):
    client = as_user(user)
    assert client.get(_budget_url(world)).status_code == 403
    before = list(ServiceBudget.objects.values_list("salaries_ore", flat=True))
    assert client.post(_budget_url(world), _budget_post(world)).status_code == 403
    assert client.post(reverse("tariffs:budget_calculate", args=[world["engen"].pk, THIS_YEAR])).status_code == 403
    assert list(ServiceBudget.objects.values_list("salaries_ore", flat=True)) == before
    assert TariffCalculation.objects.count() == 1


def test_saving_the_budget_fills_the_defaults_and_says_so(as_user, world):
    response = as_user("economist").post(_budget_url(world), _budget_post(world), follow=True)
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == _budget_url(world)
    assert f"Budgettet for {THIS_YEAR} er gemt." in html and "gennemsnit af to tidligere år" in html
    line = ServiceBudget.objects.get(budget__offer=world["engen"], service=world["engen_basis"])
    assert (line.salaries_ore, line.places, line.budgeted_occupancy_pct, line.occupancy_from_actuals) == (
        750_000_000, 12, Decimal("97.00"), True)
    assert AuditEvent.objects.filter(event_type="tariff_budget.saved").count() == 2


@pytest.mark.parametrize(("changes", "service", "field", "message"), [
    ({"engen_basis__salaries_kr": "-5"}, "engen_basis", "salaries_kr", "Lønninger må ikke være negativ"),
    ({"engen_basis__property_kr": "12,3,4"}, "engen_basis", "property_kr", "Skriv et tal"),
    ({"engen_basis__budgeted_occupancy_pct": "0"}, "engen_basis", "budgeted_occupancy_pct",
     "budgetteret belægning skal være over 0 og højst 100 %"),
    ({"engen_basis__budgeted_occupancy_pct": "101"}, "engen_basis", "budgeted_occupancy_pct", "højst 100 %"),
    ({"engen_basis__places": "0"}, "engen_basis", "places", "kapaciteten skal være mindst 1 plads"),
    ({"engen_basis__overhead_kr": "1000"}, "engen_basis", "overhead_pct", "ikke begge"),
    ({"engen_hours__budgeted_hours": ""}, "engen_hours", "budgeted_hours", "This field is required."),
])
def test_bad_budget_input_is_shown_beside_the_field_and_nothing_is_saved(as_user, world, changes, service, field,
                                                                         message):
    before = list(ServiceBudget.objects.order_by("pk").values_list("pk", "salaries_ore", "budgeted_occupancy_pct"))
    response = as_user("economist").post(_budget_url(world), _budget_post(world, **changes))
    html = response.content.decode()
    assert response.status_code == 400 and "Budgettet er ikke gemt" in html
    field_id = f"id_s{world[service].pk}-{field}"
    assert re.search(rf'<label for="{field_id}">.*?<p class="field-error">[^<]*{re.escape(message)}', html, re.S) \
        or (message == "This field is required." and re.search(rf'<label for="{field_id}">.*?field-error', html, re.S))
    assert list(ServiceBudget.objects.order_by("pk").values_list("pk", "salaries_ore", "budgeted_occupancy_pct")) \
        == before


def test_calculating_lands_on_the_breakdown(as_user, world):
    client = as_user("economist")
    client.post(_budget_url(world), _budget_post(world))
    response = client.post(reverse("tariffs:budget_calculate", args=[world["engen"].pk, THIS_YEAR]), follow=True)
    tariff = Tariff.objects.get(service=world["engen_basis"], year=THIS_YEAR)
    assert response.redirect_chain[-1][0] == reverse("tariffs:tariff_detail", args=[tariff.pk])
    html = response.content.decode()
    assert f"Taksterne for {THIS_YEAR} er beregnet." in html and "7.500.000,00 kr." in html
    assert TariffCalculation.objects.count() == 2 and tariff.calculation == TariffCalculation.objects.first()


def test_occupancy_outside_the_bounds_needs_an_approval_before_calculating(as_user, world):
    client = as_user("economist")
    client.post(_budget_url(world), _budget_post(world, engen_basis__budgeted_occupancy_pct="92"))
    calculations = TariffCalculation.objects.count()
    response = client.post(reverse("tariffs:budget_calculate", args=[world["engen"].pk, THIS_YEAR]))
    html = response.content.decode()
    assert response.status_code == 400 and "Taksterne er ikke beregnet" in html
    field_id = f"id_s{world['engen_basis'].pk}-budgeted_occupancy_pct"
    assert re.search(rf'<label for="{field_id}">.*?<p class="field-error">[^<]*ligger uden for 95', html, re.S)
    assert TariffCalculation.objects.count() == calculations
    assert "Godkendelse af belægning: Døgnophold" in html

    approval_url = reverse("tariffs:budget_approval", args=[world["engen"].pk, THIS_YEAR, world["engen_basis"].pk])
    prefix = f"a{world['engen_basis'].pk}"
    refused = client.post(approval_url, {f"{prefix}-reason": "", f"{prefix}-approved_by": "Styregruppen",
                                         f"{prefix}-approved_on": f"{LAST_YEAR}-09-01"})
    assert refused.status_code == 400 and "En godkendelse skal have begrundelse og godkender." in \
        refused.content.decode()
    assert not OccupancyApproval.objects.exists()
    bad_date = client.post(approval_url, {f"{prefix}-reason": "Indfasning", f"{prefix}-approved_by": "Styregruppen",
                                          f"{prefix}-approved_on": "1. september"})
    assert bad_date.status_code == 400 and "Skriv datoen som åååå-mm-dd." in bad_date.content.decode()
    assert not OccupancyApproval.objects.exists()

    response = client.post(approval_url, {f"{prefix}-reason": "Nyt tilbud under indfasning",
                                          f"{prefix}-approved_by": "Den administrative styregruppe",
                                          f"{prefix}-approved_on": f"{LAST_YEAR}-09-01"}, follow=True)
    assert "Godkendelsen af belægningen for Døgnophold er registreret." in response.content.decode()
    assert OccupancyApproval.objects.get().value_pct == Decimal("92.00")
    # Saving the same budget again keeps the approval of the unchanged value.
    response = client.post(_budget_url(world), _budget_post(world, engen_basis__budgeted_occupancy_pct="92,00"),
                           follow=True)
    assert "godkendelsen af belægningen 92.00 % gælder fortsat" in response.content.decode()
    response = client.post(reverse("tariffs:budget_calculate", args=[world["engen"].pk, THIS_YEAR]), follow=True)
    html = response.content.decode()
    assert "Godkendt af Den administrative styregruppe" in html and "Nyt tilbud under indfasning" in html
    assert TariffCalculation.objects.count() == calculations + 1


def test_another_operators_line_cannot_be_approved(as_user, world):
    url = reverse("tariffs:budget_approval", args=[world["engen"].pk, THIS_YEAR, world["engen_basis"].pk])
    prefix = f"a{world['engen_basis'].pk}"
    response = as_user("odense_economist").post(url, {f"{prefix}-reason": "x", f"{prefix}-approved_by": "y",
                                                      f"{prefix}-approved_on": f"{LAST_YEAR}-09-01"})
    assert response.status_code == 403 and not OccupancyApproval.objects.exists()


def test_a_year_without_a_budget_or_agreement(as_user, world):
    client = as_user("economist")
    html = client.get(_budget_url(world, year=LAST_YEAR)).content.decode()
    assert "Gem budget" in html and "Beregn takster for" not in html  # no budget yet to calculate
    assert client.post(reverse("tariffs:budget_calculate", args=[world["engen"].pk, LAST_YEAR])).status_code == 404
    response = client.post(_budget_url(world, year=2045), _budget_post(world))  # beyond every agreement's rules
    assert response.status_code == 400 and "Ingen rammeaftale" in response.content.decode()
    assert not TariffBudget.objects.filter(year=2045).exists()


def test_the_offer_page_links_to_its_tariffs_budget_and_category(as_user, world):
    client = as_user("economist")
    html = client.get(reverse("registry:offer_detail", args=[world["engen"].pk])).content.decode()
    assert reverse("tariffs:offer_tariffs", args=[world["engen"].pk]) in html
    html = client.get(reverse("tariffs:offer_tariffs", args=[world["engen"].pk])).content.decode()
    assert f"Se og ret budget {THIS_YEAR}" in html and f"Budgettér {THIS_YEAR + 1}" in html
    assert reverse("tariffs:tariff_detail", args=[world["engen_tariff"].pk]) in html
    html = as_user("caseworker").get(reverse("tariffs:offer_tariffs", args=[world["engen"].pk])).content.decode()
    assert "Se og ret budget" not in html and "Budgettér" not in html and "Gemt, beregnet" in html


# The REST endpoints.


def test_the_pl_api_lists_and_the_secretariat_sets(as_user, world):
    listed = as_user("caseworker").get("/api/tariffs/price-index").json()
    assert listed[0] == {"year": THIS_YEAR, "rate_pct": "2.50", "source": "KL (test)", "source_url": "",
                         "is_example": False}
    refused = as_user("economist").put(f"/api/tariffs/price-index/{THIS_YEAR + 1}",
                                       {"rate_pct": "2.9", "source": "KL"}, content_type="application/json")
    assert refused.status_code == 403 and refused.json()["message"] == "Kun sekretariatet kan vedligeholde P/L-tabellen."
    client = as_user("secretariat")
    bad = client.put(f"/api/tariffs/price-index/{THIS_YEAR + 1}", {"rate_pct": "2.9", "source": " "},
                     content_type="application/json")
    assert bad.status_code == 400 and bad.json() == {"code": "invalid", "field": "source",
                                                     "message": "Angiv kilden til P/L-satsen.", "detail": ""}
    floats = client.put(f"/api/tariffs/price-index/{THIS_YEAR + 1}", {"rate_pct": 2.9, "source": "KL"},
                        content_type="application/json")
    assert floats.status_code == 422 and floats.json()["field"] == "rate_pct"
    assert not PriceIndex.objects.filter(year=THIS_YEAR + 1).exists()
    done = client.put(f"/api/tariffs/price-index/{THIS_YEAR + 1}", {"rate_pct": "2.9", "source": "KL"},
                      content_type="application/json")
    assert done.status_code == 200 and done.json()["rate_pct"] == "2.90"


def test_the_explanation_api(as_user, world):
    url = f"/api/tariffs/{world['laerken_tariff'].pk}/explanation"
    assert as_user("odense_economist").post(url, {"text": "Ny nattevagt efter påbud."},
                                            content_type="application/json").status_code == 403
    client = as_user("kbh_economist")
    short = client.post(url, {"text": "dyrt"}, content_type="application/json")
    assert short.status_code == 400 and short.json()["field"] == "text"
    assert not TariffExplanation.objects.exists()
    done = client.post(url, {"text": "Ny nattevagt efter påbud."}, content_type="application/json")
    assert done.status_code == 200 and done.json()["text"] == "Ny nattevagt efter påbud."
    within = Tariff.objects.get(service__offer=world["kastanjen"], year=THIS_YEAR)
    refused = as_user("odense_economist").post(f"/api/tariffs/{within.pk}/explanation",
                                               {"text": "Ingen grund, men alligevel."}, content_type="application/json")
    assert refused.status_code == 400 and refused.json()["field"] == "tariff_id"
    syddanmark = as_user("economist").post(f"/api/tariffs/{world['engen_tariff'].pk}/explanation",
                                           {"text": "Ny nattevagt efter påbud."}, content_type="application/json")
    assert syddanmark.status_code == 400 and "regelbogen kræver forklaret" in syddanmark.json()["message"]
    assert TariffExplanation.objects.count() == 1


def test_the_budget_api_saves_and_calculates(as_user, world):
    url = f"/api/tariffs/budgets/{world['engen'].pk}/{THIS_YEAR}"
    lines = [{"service_id": world["engen_basis"].pk, "salaries_kr": "7500000", "overhead_pct": "6"},
             {"service_id": world["engen_hours"].pk, "salaries_kr": "900000", "budgeted_hours": "2000"}]
    assert as_user("odense_economist").put(url, {"lines": lines}, content_type="application/json").status_code == 403
    client = as_user("economist")
    bad = client.put(url, {"lines": [lines[0], {**lines[1], "budgeted_hours": "0"}]}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["field"] == "lines[1].budgeted_hours"
    foreign = client.put(url, {"lines": [{"service_id": 999_999}]}, content_type="application/json")
    assert foreign.status_code == 400 and foreign.json()["field"] == "lines[0].service_id"
    assert ServiceBudget.objects.get(service=world["engen_basis"]).salaries_ore == 700_000_000
    saved = client.put(url, {"lines": lines}, content_type="application/json")
    body = saved.json()
    assert saved.status_code == 200 and body["lines"][0]["salaries_kr"] == "7500000.00"
    assert body["lines"][0]["budgeted_occupancy_pct"] == "97.00" and "gennemsnit" in body["notes"][0]
    calculated = client.post(url + "/calculate")
    assert calculated.status_code == 200
    tariff = Tariff.objects.get(service=world["engen_basis"], year=THIS_YEAR)
    assert calculated.json()["tariffs"][0]["amount_ore"] == tariff.amount_ore
    assert calculated.json()["result"]["services"][0]["breakdown"][0]["amount"] == "7500000.00"
