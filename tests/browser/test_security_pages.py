"""Pages under the production headers in a real browser: the API's Swagger UI works under the Content Security
Policy (no inline script or style; the autouse fixture fails on any violation), and the error pages are Danish."""
import re

import pytest
from playwright.sync_api import Page, expect

from rammeaftale.accounts.models import Role
from tests.browser.test_pages import log_in

pytestmark = [pytest.mark.browser]


def test_the_api_documentation_works_under_the_content_security_policy(page: Page, live_server, transactional_db,
                                                                       esbjerg, make_user):
    make_user(esbjerg, Role.CASEWORKER, username="sagsbehandler")
    log_in(page, live_server, "sagsbehandler")
    expect(page).to_have_url(re.compile(r"/tilbud/$"))
    response = page.goto(f"{live_server.url}/api/docs")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Rammeaftale API")

    page.goto(f"{live_server.url}/findes-ikke/")
    expect(page.get_by_role("heading", name="Siden findes ikke")).to_be_visible()
    # The site's stylesheet applies (a blocked or missing stylesheet would leave the header unstyled).
    assert page.locator(".site-header").evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(22, 57, 92)"
