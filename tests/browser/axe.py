"""axe-core in the browser tests: a page's accessibility violations, named so a failure says which rule and where."""
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

_AXE = Axe()


def axe_violations(page: Page) -> list[str]:
    """Every violation on the page as «rule: selector, …»; empty when the page is clean."""
    results = _AXE.run(page)
    return [f"{violation['id']}: {', '.join(str(node['target']) for node in violation['nodes'])}"
            for violation in results.response["violations"]]
