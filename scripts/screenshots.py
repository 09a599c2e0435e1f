"""Full-page screenshots of the pages an economist and the secretariat work in, for a running demo.

    .venv/bin/python scripts/screenshots.py http://127.0.0.1:8000 docs/screenshots/after

Logs in as the demo users (password demo1234), opens each page (or the first link on a page that leads to it) and
saves a PNG per page. Works against older versions of the app too, so the same pages can be taken before and after a
change (the closing note of issue 16 shows both). Uses Debian's Chromium, as the browser tests do.
"""
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "demo1234"

# (file name, user, path to open, CSS selector of a link to follow from it, or None)
PAGES = [
    ("settlement", "oekonomi-odense", "/afregning/", None),
    ("invoice-list", "oekonomi", "/afregning/fakturaer/", None),
    ("invoice", "oekonomi", "/afregning/fakturaer/", "table a[href*='/afregning/fakturaer/']"),
    ("occupancy-report", "oekonomi", "/belaegning/", "a[href*='/belaegning/indberetning/']"),
    ("compiled-report", "sekretariat", "/belaegning/", "a[href*='/belaegning/samlet/']"),
    ("placements", "sagsbehandler", "/placeringer/", None),
    ("audit", "admin", "/revisionsspor/", None),
]


def log_in(page, base: str, username: str) -> None:
    page.goto("about:blank")
    page.context.clear_cookies()
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit], form input[type=submit]").last.click()
    page.wait_for_load_state("networkidle")


def main(base: str, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--headless=new", "--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        user = None
        for name, username, path, follow in PAGES:
            if username != user:
                log_in(page, base, username)
                user = username
            page.goto(base + path)
            if follow:
                link = page.locator(follow).first
                if not link.count():
                    print(f"{name}: no link {follow} on {path}", file=sys.stderr)
                    continue
                link.click()
            page.wait_for_load_state("networkidle")
            target = out / f"{name}.png"
            page.screenshot(path=str(target), full_page=True)
            print(f"{target}  {page.url}")
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1].rstrip("/"), Path(sys.argv[2]))
