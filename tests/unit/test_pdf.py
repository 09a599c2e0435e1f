"""The PDF writer pauses Python's cyclic garbage collector while it works and leaves it as it found it."""
import gc

from rammeaftale.reports.pdf import collector_paused, html_to_pdf


def test_the_collector_is_paused_for_the_block_and_back_after_it():
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():  # another document in another thread
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_the_collector_is_back_after_a_failed_document_and_stays_off_when_it_was_off():
    try:
        with collector_paused():
            raise ValueError
    except ValueError:
        pass
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_pdf_is_written_with_the_collector_back_on():
    assert html_to_pdf("<!doctype html><html lang='da'><title>Prøve</title><p>Hej</p></html>").startswith(b"%PDF-")
    assert gc.isenabled()
