"""Issue 15's «Done when» in a real browser on the demo region (Syddanmark): the region announces a capacity
reduction, a buyer reads it and comments, it is decided after the consultation and the capacity changes from its
date; an offer is closed and its buyers are notified; a municipality takes over a regional offer on 1 January and
each side sees its own placements."""
from datetime import date

import pytest
from django.db.models import Count, Q
from playwright.sync_api import Page, expect

from rammeaftale.accounts.actor import Actor
from rammeaftale.accounts.models import Role, User
from rammeaftale.demo.build import demo_build
from rammeaftale.demo.catalogue import DEMO_PASSWORD
from rammeaftale.demo.placements import demo_placements_build
from rammeaftale.exchange.models import Notification
from rammeaftale.lifecycle.models import OfferProposal
from rammeaftale.lifecycle.services import lifecycle_apply_due, placements_from
from rammeaftale.parties.models import Organisation, OrganisationKind
from rammeaftale.placements.models import HOLDING_STATUSES, Placement
from rammeaftale.registry.models import Offer, OfferCapacity
from tests.browser.test_pages import log_in
from tests.conftest import PASSWORD, TODAY

pytestmark = [pytest.mark.browser]


@pytest.fixture
def demo(transactional_db):
    demo_build(actor=Actor.system(username="demo"), region_codes=["1083"], seed=1, year_from=TODAY.year - 1,
               year_to=TODAY.year)
    region = Organisation.objects.get(kind=OrganisationKind.REGION, code="1083")
    demo_placements_build(actor=Actor.system(username="demo"), regions=[region], seed=1,
                          first_day=date(TODAY.year - 1, 1, 1), today=TODAY)
    return region


def _log_in(page: Page, live_server, username: str, password: str = PASSWORD) -> None:
    page.goto("about:blank")  # no request of the last page (the inbox count) may set a cookie after the clearing
    page.context.clear_cookies()
    log_in(page, live_server, username, password)
    page.wait_for_url(lambda url: "/login/" not in url)  # the session is set before the next page is opened


def _propose(page: Page, live_server, offer: Offer, kind: str, effective: date, places: int | None = None):
    page.goto(f"{live_server.url}/tilbud/{offer.pk}/")
    page.get_by_role("link", name="Foreslå en ændring").click()
    page.get_by_label("Ændring").select_option(kind)
    page.get_by_label("Virkning fra").fill(effective.isoformat())
    if places is not None:
        page.get_by_label("Pladser fra datoen").fill(str(places))
    page.get_by_label("Begrundelse").fill("Regionsrådets budgetforlig")
    page.get_by_role("button", name="Stil forslaget").click()


def _decide(page: Page, reference: str):
    page.get_by_label("Beslutning").fill(reference)
    page.get_by_role("button", name="Registrér beslutningen").click()
    expect(page.locator(".messages, [role=status]").first).to_contain_text("Beslutningen er registreret")


def test_capacity_closure_and_takeover_in_the_browser(page: Page, live_server, demo, make_user, monkeypatch,
                                                     screenshot_dir):
    region = demo
    make_user(region, Role.OPERATOR, Role.ECONOMIST, username="region-drift")
    esbjerg = Organisation.objects.get(kind=OrganisationKind.MUNICIPALITY, code="561")
    regional = list(Offer.objects.filter(operator=region).annotate(
        held=Count("placements", filter=Q(placements__status__in=HOLDING_STATUSES))).order_by("-held", "pk"))
    reduced, closed = regional[0], regional[1]
    first_day = date(2027, 4, 1)  # 3 months' notice from 6 December (assumed bilag 12 parameter)
    occupied = placements_from(reduced, first_day).filter(start_date__lte=first_day).count()
    before = OfferCapacity.objects.filter(offer=reduced, valid_from__lte=first_day).order_by("-valid_from").first()
    places = max(occupied, before.places - 2)
    assert places < before.places

    # 1. The region announces a capacity reduction: it goes to consultation
    _log_in(page, live_server, "region-drift")
    _propose(page, live_server, reduced, "capacity", first_day, places)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Ændring af kapacitet: {reduced.name}")
    expect(page.locator("main")).to_contain_text("I høring — høringsfrist 20. december 2026")
    proposal = OfferProposal.objects.get(offer=reduced)
    page.screenshot(path=screenshot_dir / "aendring-hoering.png", full_page=True)

    # 2. A buyer sees it in its inbox and comments
    _log_in(page, live_server, "oekonomi", DEMO_PASSWORD)  # Esbjerg's economist
    assert Notification.objects.filter(user__organisation=esbjerg, kind="lifecycle.consultation").exists()
    page.goto(f"{live_server.url}/aendringer/")
    page.get_by_role("link", name=reduced.name).first.click()
    page.get_by_label("Høringssvar").fill("Esbjerg har borgere i tilbuddet; vi beder om en overgangsperiode.")
    page.get_by_role("button", name="Send høringssvar").click()
    expect(page.locator("main")).to_contain_text("Esbjerg Kommune")

    # 3. After the consultation the region decides; the capacity changes from the date
    monkeypatch.setenv("RAMMEAFTALE_TODAY", "2026-12-21")
    _log_in(page, live_server, "region-drift", PASSWORD)
    page.goto(f"{live_server.url}/aendringer/{proposal.pk}/")
    _decide(page, "Regionsrådet 21.12.2026, punkt 4")
    page.goto(f"{live_server.url}/tilbud/{reduced.pk}/")
    capacity = page.locator("#capacity-title + table, section[aria-labelledby=capacity-title] table")
    expect(capacity.first).to_contain_text("1. april 2027")
    assert OfferCapacity.objects.get(offer=reduced, valid_from=first_day).places == places

    # 4. Closing an offer: its buyers are notified
    _propose(page, live_server, closed, "closure", date(2027, 5, 1))
    closure = OfferProposal.objects.get(offer=closed)
    monkeypatch.setenv("RAMMEAFTALE_TODAY", "2027-01-05")
    page.goto(f"{live_server.url}/aendringer/{closure.pk}/")
    _decide(page, "Regionsrådet 5.1.2027")
    buyers = set(placements_from(closed, date(2027, 5, 1)).values_list("paying_municipality_id", flat=True))
    notified = set(Notification.objects.filter(kind="lifecycle.closure").values_list("user__organisation_id",
                                                                                    flat=True))
    with_users = set(User.objects.filter(organisation_id__in=buyers, is_active=True).values_list(
        "organisation_id", flat=True))  # the demo has users in a few municipalities only
    assert esbjerg.pk in with_users and with_users <= notified
    page.goto(f"{live_server.url}/tilbud/{closed.pk}/")
    expect(page.locator("main")).to_contain_text("lukker 1. maj 2027")

    # 5. The municipality where a regional offer lies announces its takeover on 1 January 2028 and decides it
    taken = next(offer for offer in regional[2:] if Placement.objects.filter(offer=offer).exists())
    where = taken.municipality
    make_user(where, Role.ECONOMIST, Role.OPERATOR, username="overtager")
    _log_in(page, live_server, "overtager", PASSWORD)
    _propose(page, live_server, taken, "takeover", date(2028, 1, 1))
    takeover = OfferProposal.objects.get(offer=taken)
    expect(page.locator("main")).to_contain_text(f"{where} (fra {region} frem til da)")
    _decide(page, "Byrådet 10.1.2027, punkt 12")

    # On 1 January 2028 the daily run moves the offer: each side sees its own period's placements
    monkeypatch.setenv("RAMMEAFTALE_TODAY", "2028-01-01")
    assert lifecycle_apply_due(actor=Actor.system(), today=date(2028, 1, 1)).takeovers == 1
    ended_before = Placement.objects.filter(offer=taken, end_date__lte=date(2028, 1, 1)).order_by("pk").first()
    page.goto(f"{live_server.url}/tilbud/{taken.pk}/")
    expect(page.locator("main")).to_contain_text(f"{region} til 1. januar 2028")
    running = Placement.objects.filter(offer=taken, end_date__isnull=True, status__in=HOLDING_STATUSES).first()
    assert ended_before is not None and running is not None
    page.goto(f"{live_server.url}/placeringer/{running.pk}/")  # the new operator sees what runs into its time
    expect(page.locator("main")).to_contain_text(running.reference)
    page.goto(f"{live_server.url}/placeringer/{ended_before.pk}/")  # but not what ended before it
    expect(page.locator("main")).not_to_contain_text(ended_before.reference)
    _log_in(page, live_server, "region-drift")  # the former keeps what it had
    page.goto(f"{live_server.url}/placeringer/{ended_before.pk}/")
    expect(page.locator("main")).to_contain_text(ended_before.reference)
    takeover.refresh_from_db()
    assert takeover.applied_on == date(2028, 1, 1)
