"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server (no download)."""
import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

# Playwright's sync API runs an event loop in the test thread; Django would refuse its ORM calls there.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"

# `make test` runs two workers on this 2-core machine, each with its own live server and Chromium: an assertion waits
# up to 15 s for the page to settle (Playwright's default is 5 s), not longer for anything a user could wait on.
expect.set_options(timeout=15_000)


@pytest.fixture(scope="session")
def browser_type_launch_args():
    # A missing browser is a failure, never a skip: the pages are only tested here.
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium mangler: {CHROMIUM} findes ikke (apt-get install chromium).", pytrace=False)
    return {
        "executable_path": CHROMIUM,
        "args": [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture
def screenshot_dir(pytestconfig) -> Path:
    """test-results/ (gitignored); pytest-playwright empties it at the start of each run."""
    path = Path(pytestconfig.rootpath) / pytestconfig.getoption("--output")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(autouse=True)
def no_content_security_policy_violations(request):
    """Every page a browser test opens runs under the site's Content Security Policy (django-csp, as in
    production): an inline script or style, or anything loaded from elsewhere, fails the test."""
    if "page" not in request.fixturenames:
        yield
        return
    page = request.getfixturevalue("page")
    violations: list[str] = []
    page.context.on("console", lambda message: violations.append(f"{page.url}: {message.text}")
                    if "Content Security Policy" in message.text else None)
    yield
    assert not violations, "\n".join(violations)
