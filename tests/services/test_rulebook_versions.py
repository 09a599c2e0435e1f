"""Rulebooks as versioned data: stored once per version, agreements point at them, a changed file needs a new version."""
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from rammeaftale import rulebooks
from rammeaftale.accounts.models import AuditEvent
from rammeaftale.core.errors import DomainError
from rammeaftale.registry import services
from rammeaftale.registry.models import Agreement, RulebookVersion
from rammeaftale.registry.rules import rulebook_of


def test_every_seed_agreement_gets_its_rulebook(agreements):
    names = {(a.region.name, a.year_from, a.year_to, a.rulebook.key) for a in Agreement.objects.all()}
    assert names == {
        ("Syddanmark", 2017, 2017, "syddanmark-2017"),
        ("Syddanmark", 2019, 2020, "syddanmark-2019-2020"),
        ("Hovedstaden", 2021, 2022, "hovedstaden-2021-2022"),
        ("Sjælland", 2025, 2026, "sjaelland-2025-2026"),
    }
    hovedstaden = Agreement.objects.get(rulebook__key="hovedstaden-2021-2022")
    rulebook = rulebook_of(hovedstaden.rulebook)
    assert str(rulebook.tariffs.overhead_norm_pct.value) == "6"
    assert AuditEvent.objects.filter(event_type="agreement.created").count() == 4


def test_loading_again_changes_nothing(agreements, system):
    services.agreements_from_rulebooks(actor=system)
    assert RulebookVersion.objects.count() == 4
    assert Agreement.objects.count() == 4


def test_a_changed_rulebook_without_a_new_version_is_refused(agreements, system, tmp_path, monkeypatch):
    edited = tmp_path / "syddanmark-2017.toml"
    original = (rulebooks.loader.DATA_DIR / "syddanmark-2017.toml").read_text(encoding="utf-8")
    edited.write_text(original.replace('deviation_threshold_pct = { value = "5"', 'deviation_threshold_pct = { value = "6"'),
                      encoding="utf-8")
    monkeypatch.setattr(rulebooks, "rulebook_keys", lambda: ["syddanmark-2017"])
    monkeypatch.setattr(rulebooks, "rulebook_load", lambda *, key: rulebooks.rulebook_load_path(path=edited))
    with pytest.raises(DomainError, match="hæv versionsnummeret"):
        services.rulebooks_sync(actor=system)
    assert RulebookVersion.objects.count() == 4


def test_a_new_version_is_stored_beside_the_old_and_the_agreement_moves_on(agreements, system, tmp_path, monkeypatch):
    edited = tmp_path / "syddanmark-2017.toml"
    original = (rulebooks.loader.DATA_DIR / "syddanmark-2017.toml").read_text(encoding="utf-8")
    assert "version = 5\n" in original
    edited.write_text(original.replace("version = 5\n", "version = 6\n", 1), encoding="utf-8")
    monkeypatch.setattr(rulebooks, "rulebook_keys", lambda: ["syddanmark-2017"])
    monkeypatch.setattr(rulebooks, "rulebook_load", lambda *, key: rulebooks.rulebook_load_path(path=edited))
    services.agreements_from_rulebooks(actor=system)
    assert list(RulebookVersion.objects.filter(key="syddanmark-2017").values_list("version", flat=True)) == [6, 5]
    assert Agreement.objects.get(year_from=2017).rulebook.version == 6
    assert AuditEvent.objects.filter(event_type="agreement.rulebook_changed").count() == 1


def test_a_demo_agreement_follows_its_borrowed_rulebook_to_the_new_version(agreements, system, tmp_path,
                                                                            monkeypatch, region_syd):
    """An installation's demo agreement borrows a rulebook version; a new version may add a section the old stored
    one lacks (v5: [calendar], [lifecycle]), so the demo moves on with the rulebook or its rules would not load."""
    old = Agreement.objects.get(year_from=2017).rulebook
    demo = services.agreement_create(actor=system, region=region_syd, name="Demoaftale 2030", year_from=2030,
                                     year_to=2030, rulebook=old, is_demo=True, note="Lånte regler")
    edited = tmp_path / "syddanmark-2017.toml"
    original = (rulebooks.loader.DATA_DIR / "syddanmark-2017.toml").read_text(encoding="utf-8")
    edited.write_text(original.replace("version = 5\n", "version = 6\n", 1), encoding="utf-8")
    monkeypatch.setattr(rulebooks, "rulebook_keys", lambda: ["syddanmark-2017"])
    monkeypatch.setattr(rulebooks, "rulebook_load", lambda *, key: rulebooks.rulebook_load_path(path=edited))
    services.agreements_from_rulebooks(actor=system)
    demo.refresh_from_db()
    assert demo.rulebook.version == 6
    assert AuditEvent.objects.filter(event_type="agreement.rulebook_changed", object_id=str(demo.pk)).count() == 1


def test_rulebooks_check_command_names_file_key_and_problem(tmp_path):
    bad = tmp_path / "syddanmark-2017.toml"
    source = rulebooks.loader.DATA_DIR / "syddanmark-2017.toml"
    bad.write_text(source.read_text(encoding="utf-8").replace('value = "2000"', "value = 2000.0"), encoding="utf-8")
    with pytest.raises(CommandError) as error:
        call_command("rulebooks", "check", str(bad))
    message = str(error.value)
    assert "syddanmark-2017.toml" in message and "high_min_daily_tariff_kr" in message
    assert error.value.returncode == 2


def test_a_rulebook_with_a_missing_parameter_is_named_and_exits_2(tmp_path):
    bad = tmp_path / "syddanmark-2017.toml"
    source = (rulebooks.loader.DATA_DIR / "syddanmark-2017.toml").read_text(encoding="utf-8")
    kept = [line for line in source.splitlines() if not line.startswith("claim_limit_months")]
    bad.write_text("\n".join(kept) + "\n", encoding="utf-8")
    with pytest.raises(CommandError) as error:
        call_command("rulebooks", "check", str(bad))
    assert "payment.claim_limit_months" in str(error.value) and "mangler" in str(error.value)
    assert error.value.returncode == 2


def test_rulebooks_check_command_accepts_a_good_rulebook(capsys):
    call_command("rulebooks", "check", "sjaelland-2025-2026")
    assert "OK: " in capsys.readouterr().out
