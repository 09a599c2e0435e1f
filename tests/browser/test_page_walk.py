"""Every role's day (issue 16, part 3): each demo user logs in and opens every page of its menu and the first pages
each of them links to (details, filters, sub-pages; downloads left out). A page fails on
a status of 500 or more, technical text (a stored key like `occupancy.deviation_threshold_pct`, an object
representation like `Offer object (12)`, an ISO timestamp or date, a money amount or percentage with an English
decimal point, an English sentence) or any accessibility violation that axe-core finds."""
import re
from datetime import date
from pathlib import Path

import axe_playwright_python
import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

from rammeaftale.accounts.actor import Actor
from rammeaftale.billing.settlement import month_add
from rammeaftale.demo.build import demo_build
from rammeaftale.demo.catalogue import DEMO_PASSWORD, DEMO_USERS
from rammeaftale.demo.invoices import demo_invoices_issue
from rammeaftale.demo.placements import demo_placements_build
from rammeaftale.demo.reports import demo_reports_build
from rammeaftale.parties.models import Organisation, OrganisationKind
from rammeaftale.rulebooks.sources import document_sources
from tests.browser.test_pages import log_in
from tests.conftest import TODAY

pytestmark = [pytest.mark.browser]

AXE = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(encoding="utf-8")
TECHNICAL = {
    "a stored key": re.compile(r"\b[a-z]+(?:_[a-z]+)*\.[a-z]+(?:_[a-z]+)+\b"),
    "an object representation": re.compile(r"\b\w+ object \(\d+\)"),
    "an ISO timestamp": re.compile(r"\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}"),
    "an ISO date": re.compile(r"(?<![\w/-])\d{4}-\d{2}-\d{2}(?![\w-])"),
    "an English decimal point": re.compile(r"(?<![\d.,])\d+\.\d{1,2}(?= ?(?:kr\b|%))"),
    "an English sentence": re.compile(r"\b(?:the|and|with|please|not found|which|this is|error)\b", re.IGNORECASE),
}

# Part 2, one look: every table and button in the page's content has the app's own style (table.data, .button; the
# audit trail's before/after table is its own), and an amount in a table cell stands right-aligned.
ONE_LOOK = """() => {
  const found = [];
  for (const table of document.querySelectorAll("main table:not(.data):not(.diff__table)")) {
    found.push(`a table without the common look (table.data): ${(table.id || table.textContent).trim().slice(0, 60)}`);
  }
  for (const button of document.querySelectorAll("main button:not(.button)")) {
    found.push(`a button without the common look (.button): ${button.textContent.trim().slice(0, 60)}`);
  }
  for (const cell of document.querySelectorAll("main td, main th")) {
    const text = cell.textContent.trim();
    const amount = /^[−-]?\\d{1,3}(\\.\\d{3})*,\\d{2} kr\\.$/.test(text);
    if (amount && !["right", "end"].includes(getComputedStyle(cell).textAlign)) {
      found.push(`an amount not right-aligned: ${text}`);
    }
  }
  return [...new Set(found)].slice(0, 5);
}"""


@pytest.fixture
def demo(transactional_db):
    system = Actor.system(username="demo")
    demo_build(actor=system, region_codes=["1083"], seed=1, year_from=TODAY.year - 1, year_to=TODAY.year)
    region = Organisation.objects.get(kind=OrganisationKind.REGION, code="1083")
    demo_placements_build(actor=system, regions=[region], seed=1, first_day=date(TODAY.year - 1, 1, 1), today=TODAY)
    demo_reports_build(actor=system, regions=[region], seed=1, today=TODAY)
    last = date(*month_add(TODAY.year, TODAY.month, -1), 1)
    demo_invoices_issue(actor=system, regions=[region], first=last, today=TODAY)


SKIP = re.compile(r"\.(xlsx|pdf|ics|xml|csv|json)(\?|$)|/eksport|/logout|/log-ud|/admin/|/api/|#")
LINKS_PER_PAGE = 8  # the first links of each menu page's content: its detail pages, filters, sub-pages
LAW_URLS = {doc.url for doc in document_sources().values() if doc.kind == "law" and doc.url}
RULE_LINK = re.compile(r"^(/rammeaftaler/\d+/)#(regel-[\w-]+)$")


def _rule_links(page: Page) -> tuple[list[str], list[tuple[str, str]]]:
    """Part 7: the links of the page's lead sentence (and of any rule source in it): the laws' official texts it
    links, and the rules on an agreement page (address, anchor)."""
    hrefs = page.locator("main .lead a[href], main .rule-source a[href]").evaluate_all(
        "links => links.map(link => link.getAttribute('href'))")
    laws = [href for href in hrefs if href in LAW_URLS]
    rules = [(found[1], found[2]) for href in hrefs if (found := RULE_LINK.match(href))]
    return laws, rules


def _links_in_main(page: Page) -> list[str]:
    hrefs = page.locator("main a[href^='/']").evaluate_all("links => links.map(link => link.getAttribute('href'))")
    seen, found = set(), []
    for href in hrefs:
        path = href.split("?")[0]
        if SKIP.search(href) or path in seen:
            continue
        seen.add(path)
        found.append(href)
    return found[:LINKS_PER_PAGE]


def _problems(page: Page, url: str) -> list[str]:
    try:
        return _page_problems(page, url)
    except PlaywrightError as error:  # a page that kills the browser's renderer is named, not only «Target crashed»
        raise AssertionError(f"{url}: {error.message}") from error


def _page_problems(page: Page, url: str) -> list[str]:
    response = page.goto(url)
    problems = []
    if response is None or response.status >= 500:
        problems.append(f"status {response.status if response else 'none'}")
    text = page.locator("main").inner_text()
    for what, pattern in TECHNICAL.items():
        found = pattern.search(text)
        if found:
            start = max(found.start() - 40, 0)
            problems.append(f"{what}: «{text[start:found.end() + 20]!s}»".replace("\n", " "))
    problems += page.evaluate(ONE_LOOK)
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    for violation in result["violations"]:
        node = violation["nodes"][0]["html"][:160] if violation["nodes"] else ""
        problems.append(f"axe {violation['id']}: {violation['help']} ({len(violation['nodes'])}; {node})")
    return problems


def _walk(page: Page, live_server, username: str) -> dict[str, list[str]]:
    page.goto("about:blank")  # nothing of the last user's page may set a cookie after the clearing
    page.context.clear_cookies()
    log_in(page, live_server, username, DEMO_PASSWORD)
    page.wait_for_url(lambda url: "/login/" not in url)
    menu = page.get_by_role("navigation", name="Hovedmenu").get_by_role("link")
    links = {menu.nth(index).get_attribute("href") for index in range(menu.count())}
    links |= {"/"}
    failures, visited, deeper, anchors = {}, set(), [], set()
    for href in sorted(links):
        problems = _problems(page, f"{live_server.url}{href}")
        if page.locator("main .lead").count() == 0:  # part 7: each page says in a sentence what it is for
            problems.append("no sentence saying what the page is for (.lead)")
        laws, rules = _rule_links(page)  # ... and which rule it follows, with a link to the rule's source
        if not laws and not rules:
            problems.append("the lead links no rule (an agreement's rule or a law's text)")
        anchors.update(rules)
        visited.add(href)
        deeper += _links_in_main(page)
        if problems:
            failures[href] = problems
    for href in deeper:  # one level further: the pages the menu's pages lead to
        if href in visited:
            continue
        visited.add(href)
        problems = _problems(page, f"{live_server.url}{href}")
        anchors.update(_rule_links(page)[1])
        if problems:
            failures[href] = problems
    for address, anchor in sorted(anchors):  # every rule linked is a row of that agreement's page
        page.goto(f"{live_server.url}{address}")
        if page.locator(f"[id='{anchor}']").count() != 1:
            failures[f"{address}#{anchor}"] = ["a page links a rule the agreement page has no row for"]
    assert len(visited) > len(links), username
    return failures


def test_every_page_of_every_roles_menu_reads_as_danish_and_passes_axe(page: Page, live_server, demo):
    """All the demo users in one walk over one demo (a demo build per user cost the suite minutes)."""
    _demo_tells_the_truth()
    page.context.add_init_script(AXE)  # before each page's own scripts, outside its Content Security Policy
    failures = {f"{user.username} {href}": problems for user in DEMO_USERS
                for href, problems in _walk(page, live_server, user.username).items()}
    assert failures == {}, "\n".join(f"{where}: {problem}" for where, problems in failures.items()
                                     for problem in problems)


def _demo_tells_the_truth() -> None:
    """Issue 16, part 6: an explanation of occupancy «over det budgetterede» stands only where it is over, and every
    placement has the one number format."""
    from rammeaftale.occupancy.models import OccupancyReportLine
    from rammeaftale.placements.models import Placement

    explained = OccupancyReportLine.objects.exclude(challenges="")
    assert explained.exists()
    for line in explained:
        over = "over det budgetterede" in line.challenges or "Flere henvendelser" in line.challenges
        assert over == (line.actual_pct > line.budgeted_pct), (line.actual_pct, line.budgeted_pct, line.challenges)
    references = list(Placement.objects.values_list("reference", flat=True))
    assert references and all(re.fullmatch(r"P\d{7,}", reference) for reference in references)
