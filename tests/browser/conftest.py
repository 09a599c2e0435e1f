"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server (no download)."""
import os
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread; Django would refuse its ORM calls there.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"


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
