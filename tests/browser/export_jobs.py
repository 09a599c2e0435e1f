"""Ordering a document that the worker makes: the job page shows it queued, the real worker makes it, htmx's polling
shows the link, and the file downloads."""
from django.core.management import call_command
from playwright.sync_api import Locator, Page, expect


def order_and_download(page: Page, button: Locator, *, filename_start: str, magic: bytes) -> None:
    """Click the order button, run the worker (`db_worker --batch`) and download the file from the job page; then
    back to the page the order came from."""
    button.click()
    status = page.locator("#export-status")
    expect(status).to_contain_text("I kø")
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    link = page.get_by_role("link", name="Klar – hent filen")
    expect(link).to_be_visible(timeout=15_000)  # the page polls every second
    with page.expect_download() as info:
        link.click()
    assert info.value.suggested_filename.startswith(filename_start)
    with open(info.value.path(), "rb") as file:
        assert file.read(len(magic)) == magic
    page.go_back()
