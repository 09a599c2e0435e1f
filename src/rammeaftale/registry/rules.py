"""Which rules apply: the agreement and rulebook that govern a region on a day. Every caller asks here.

The fallback policy, written once (docs/rulebooks.md, "Which rules apply on a day"):

1. The region's agreement whose years hold the day's year (the newest, should two overlap).
2. Else the region's newest agreement that ended before that year: an agreement's rules go on until a new one is
   made (the standard contract's "Uden denne orientering gælder hidtidige vilkår uændret", research § 6), for at
   most `RULES_CARRY_YEARS` years, and every page and answer that uses them says so (`warning_da`).
3. Else there are no rules: before the region's first agreement, too long after its last, or a region without
   agreements. A Danish `DomainError` names the day and what the region has.

The decision is by year today because agreements run in whole years; the selector takes a day so that callers
state which day decides (the day of service, the day notice was given, the report period …). The parsed rulebook
is cached by its checksum (a stored version never changes); the lookup is one indexed query on a small table, so
a new agreement is seen at once by every process.
"""
from dataclasses import dataclass
from datetime import date

from rammeaftale.core.errors import DomainError
from rammeaftale.parties.models import Organisation
from rammeaftale.registry.models import Agreement, RulebookVersion
from rammeaftale.rulebooks import rulebook_from_data
from rammeaftale.rulebooks.models import Rulebook

RULES_CARRY_YEARS = 10  # project policy, not an agreement's rule: beyond this a day is "far outside" every agreement

_PARSED: dict[str, Rulebook] = {}


def rulebook_of(version: RulebookVersion) -> Rulebook:
    """The typed rules of one stored version (parsed once per checksum). A version read without its content
    (`defer("rulebook__content")`, as the agreement lists do) loads it here, the first time only."""
    rulebook = _PARSED.get(version.sha256)
    if rulebook is None:
        rulebook = rulebook_from_data(data=version.content, origin=f"{version.key} v{version.version}")
        _PARSED[version.sha256] = rulebook
    return rulebook


@dataclass(frozen=True)
class RulesInForce:
    """The answer: the agreement, its typed rulebook, and whether it is used outside its own years."""

    region: Organisation
    on: date
    agreement: Agreement
    rulebook: Rulebook

    @property
    def outside_years(self) -> bool:
        return not self.agreement.covers(self.on.year)

    @property
    def warning_da(self) -> str | None:
        if not self.outside_years:
            return None
        return (f"Ingen rammeaftale for {self.region} dækker {self.on.year}; reglerne fra «{self.agreement.name}» "
                f"({_years(self.agreement)}) anvendes, til en ny aftale er indlæst.")

    @property
    def warning_en(self) -> str | None:
        if not self.outside_years:
            return None
        return (f"no agreement of region {self.region.code} covers {self.on.year}; the rules of agreement "
                f"{self.agreement.pk} ({_years(self.agreement)}) are carried on")


def _years(agreement: Agreement) -> str:
    if agreement.year_from == agreement.year_to:
        return str(agreement.year_from)
    return f"{agreement.year_from}–{agreement.year_to}"


def _agreement_on(agreements: list[Agreement], on: date) -> Agreement | None:
    """The policy: the agreement covering the year, else the latest earlier one within RULES_CARRY_YEARS."""
    year = on.year
    agreement = next((a for a in agreements if a.year_from <= year <= a.year_to), None)
    if agreement is None:
        earlier = [a for a in agreements if a.year_to < year]
        latest = max(earlier, key=lambda a: (a.year_to, a.year_from), default=None)
        if latest is not None and year - latest.year_to <= RULES_CARRY_YEARS:
            agreement = latest
    return agreement


def _agreements():
    # The rulebook's content (tens of KB of JSON) only when this process has not parsed that version yet.
    return (Agreement.objects.select_related("rulebook", "region").defer("rulebook__content")
            .order_by("-year_from", "-pk"))


def rules_in_force(*, region: Organisation | int, on: date) -> RulesInForce:
    """The rules that govern `region` on the day `on`, by the policy above; DomainError when there are none."""
    if not isinstance(region, Organisation):
        region = Organisation.objects.get(pk=region)
    agreements = list(_agreements().filter(region_id=region.pk))
    agreement = _agreement_on(agreements, on)
    if agreement is None:
        have = ", ".join(_years(a) for a in sorted(agreements, key=lambda a: a.year_from)) or "ingen aftaler"
        raise DomainError(
            f"Ingen rammeaftale for {region} gælder den {on:%d.%m.%Y} (regionens aftaler: {have}); "
            "reglerne for dagen kan ikke fastlægges.",
            field="date", code="no_agreement",
            message_en=f"no agreement of region {region.code or region.pk} governs {on.isoformat()}",
        )
    return RulesInForce(region=region, on=on, agreement=agreement, rulebook=rulebook_of(agreement.rulebook))


def rules_in_force_by_region(*, on: date) -> dict[int, RulesInForce]:
    """`rules_in_force` for every region that has rules on the day, by region id, in one query (a region without
    rules that day is left out, where `rules_in_force` would refuse)."""
    by_region: dict[int, list[Agreement]] = {}
    for agreement in _agreements():
        by_region.setdefault(agreement.region_id, []).append(agreement)
    result = {}
    for region_id, agreements in by_region.items():
        agreement = _agreement_on(agreements, on)
        if agreement is not None:
            result[region_id] = RulesInForce(region=agreement.region, on=on, agreement=agreement,
                                             rulebook=rulebook_of(agreement.rulebook))
    return result
