"""The documents the worker can make: for each kind, how its choices are checked when it is ordered (with the
orderer's permissions, so a refusal comes at once) and how it is made (again as the orderer, so it holds only what
they may see).

`prepare(actor, params, fmt)` returns the title and the cleaned choices, or raises a DomainError with a Danish
message; `make(actor, params, fmt, progress)` returns the finished file.
"""
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from rammeaftale.accounts.actor import Actor
from rammeaftale.core import clock
from rammeaftale.core.errors import DomainError, NotAllowed, NotFound
from rammeaftale.core.limits import YEAR_MAX, YEAR_MIN
from rammeaftale.core.spreadsheet import XLSX_CONTENT_TYPE as XLSX
from rammeaftale.occupancy import analysis as occupancy_analysis_module
from rammeaftale.occupancy import analysis_exports
from rammeaftale.occupancy import exports as occupancy_exports
from rammeaftale.occupancy.reporting import reporting_period
from rammeaftale.occupancy.selectors import can_compile, compiled_report
from rammeaftale.registry.models import Agreement, OfferType
from rammeaftale.registry.selectors import agreement_get, agreement_list, region_list
from rammeaftale.reports.pdf import Progress
from rammeaftale.tariffs import exports as tariff_exports
from rammeaftale.tariffs import selectors as tariff_selectors

PDF = "application/pdf"
CONTENT_TYPES = {"pdf": PDF, "xlsx": XLSX}


@dataclass(frozen=True)
class File:
    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class Kind:
    key: str
    formats: tuple[str, ...]
    prepare: Callable[[Actor, dict, str], tuple[str, dict]]
    make: Callable[[Actor, dict, str, Progress], File]


def _int(params: dict, name: str, label: str, *, required: bool = True) -> int | None:
    value = params.get(name)
    if value in (None, ""):
        if required:
            raise DomainError(f"{label} mangler.", field=name, message_en=f"{name} is missing")
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise DomainError(f"{label} skal være et heltal.", field=name,
                          message_en=f"{name} must be an integer") from None


def _year(params: dict) -> int:
    year = _int(params, "year", "Året")
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise DomainError(f"Året skal ligge i {YEAR_MIN}–{YEAR_MAX}.", field="year", message_en="year out of range")
    return year


def _offset(progress: Progress, done: int, extra_total: int) -> Progress:
    """A progress callback for a part that starts after `done` steps of a whole that has `extra_total` more."""
    return lambda part_done, part_total, label: progress(done + part_done, extra_total + part_total, label)


# The tariff list of one region (agreement) and year, with the list page's filters.


def _tariff_list_prepare(actor: Actor, params: dict, fmt: str) -> tuple[str, dict]:
    agreement = agreement_get(actor=actor, agreement_id=_int(params, "agreement", "Rammeaftalen"))
    offer_type = params.get("offer_type") or ""
    flag = params.get("flag") or ""
    clean = {"agreement": agreement.pk, "year": _year(params),
             "operator": _int(params, "operator", "Driftsherren", required=False),
             "offer_type": offer_type if offer_type in OfferType.values else "",
             "flag": flag if flag in tariff_selectors.FLAG_FILTERS else ""}
    return f"Takstoversigt {clean['year']}: {agreement.name}", clean


def _tariff_list_make(actor: Actor, params: dict, fmt: str, progress: Progress) -> File:
    progress(0, 3, "Henter taksterne")
    listing = tariff_selectors.tariff_list(
        actor=actor, agreement=agreement_get(actor=actor, agreement_id=params["agreement"]), year=params["year"],
        operator_id=params["operator"], offer_type=params["offer_type"], flag=params["flag"],
        with_calculations=fmt == "xlsx")  # the breakdowns are the XLSX's second sheet; the PDF has none
    if fmt == "pdf":
        content = tariff_exports.tariff_list_pdf(listing, progress=progress)
    else:
        content = tariff_exports.tariff_lists_xlsx([listing], progress=_offset(progress, 1, 1))
    return File(tariff_exports.export_filename(listing, fmt), CONTENT_TYPES[fmt], content)


# The whole country's tariff list: every region's agreement for the year, one after the other.


def national_agreements(actor: Actor, year: int) -> list[Agreement]:
    """Per region the agreement covering the year (a real one before a demo one), regions by name."""
    chosen: dict[int, Agreement] = {}
    for agreement in agreement_list(actor=actor):
        if not agreement.covers(year):
            continue
        current = chosen.get(agreement.region_id)
        if current is None or (current.is_demo and not agreement.is_demo):
            chosen[agreement.region_id] = agreement
    return sorted(chosen.values(), key=lambda agreement: agreement.region.name)


def _national_prepare(actor: Actor, params: dict, fmt: str) -> tuple[str, dict]:
    year = _year(params)
    if not national_agreements(actor, year):
        raise DomainError(f"Ingen rammeaftale dækker {year}.", field="year", message_en="no agreement covers the year")
    return f"Takstoversigt {year}: hele landet", {"year": year}


def _national_make(actor: Actor, params: dict, fmt: str, progress: Progress) -> File:
    year = params["year"]
    agreements = national_agreements(actor, year)
    count = len(agreements)
    listings = []
    for index, agreement in enumerate(agreements):
        progress(index, 2 * count + 1, f"Henter taksterne for {agreement.region.name}")
        listings.append(tariff_selectors.tariff_list(actor=actor, agreement=agreement, year=year,
                                                     with_calculations=fmt == "xlsx"))
    if fmt == "pdf":
        content = tariff_exports.tariff_lists_pdf(listings, title=f"Takstoversigt {year}: hele landet",
                                                  progress=_offset(progress, count - 1, count - 1))
    else:
        content = tariff_exports.tariff_lists_xlsx(listings, progress=_offset(progress, count, count))
    return File(f"takstoversigt-hele-landet-{year}.{fmt}", CONTENT_TYPES[fmt], content)


# The secretariat's compiled occupancy report of one period.


def _compiled_agreement(params: dict) -> Agreement:
    agreement = Agreement.objects.select_related("rulebook", "region").filter(
        pk=_int(params, "agreement", "Rammeaftalen")).first()
    if agreement is None:
        raise NotFound("Rammeaftalen findes ikke.", message_en="Agreement not found.")
    return agreement


def _compiled_prepare(actor: Actor, params: dict, fmt: str) -> tuple[str, dict]:
    agreement = _compiled_agreement(params)
    if not can_compile(actor, region_id=agreement.region_id):
        raise NotAllowed("Kun regionens sekretariat ser den samlede indberetning.",
                         message_en="only the region's secretariat sees the compiled report")
    period = reporting_period(agreement, str(params.get("code") or ""))
    clean = {"agreement": agreement.pk, "code": period.code, "today": clock.today().isoformat()}
    return f"Belægning {period.rule.name} {period.year}: {agreement.name}", clean


def _compiled_make(actor: Actor, params: dict, fmt: str, progress: Progress) -> File:
    compiled = compiled_report(actor=actor, agreement=_compiled_agreement(params), code=params["code"],
                               today=date.fromisoformat(params["today"]))
    if fmt == "pdf":
        content = occupancy_exports.compiled_pdf(compiled, progress=progress)
    else:
        content = occupancy_exports.compiled_xlsx(compiled)
    return File(occupancy_exports.compiled_filename(compiled, fmt), CONTENT_TYPES[fmt], content)


# The capacity and occupancy analysis of a region.


def _analysis_prepare(actor: Actor, params: dict, fmt: str) -> tuple[str, dict]:
    region_id = _int(params, "region", "Regionen")
    region = region_list(actor=actor).filter(pk=region_id).first()
    if region is None:
        raise NotFound("Regionen findes ikke.", message_en="Region not found.")
    today = clock.today()
    year_from, year_to = occupancy_analysis_module.analysis_years(params.get("year_from"), params.get("year_to"),
                                                                  today=today)
    clean = {"region": region.pk, "year_from": year_from, "year_to": year_to,
             "purchase_year": _int(params, "purchase_year", "Året for køb på tværs", required=False),
             "today": today.isoformat()}
    return f"Belægningsanalyse {year_from}–{year_to}: {region.name}", clean


def _analysis_make(actor: Actor, params: dict, fmt: str, progress: Progress) -> File:
    region = region_list(actor=actor).get(pk=params["region"])
    analysis = occupancy_analysis_module.occupancy_analysis(
        actor=actor, region=region, year_from=params["year_from"], year_to=params["year_to"],
        purchase_year=params["purchase_year"], today=date.fromisoformat(params["today"]))
    if fmt == "pdf":
        content = analysis_exports.analysis_pdf(analysis, progress=progress)
    else:
        content = analysis_exports.analysis_xlsx(analysis)
    return File(analysis_exports.export_filename(analysis, fmt), CONTENT_TYPES[fmt], content)


KINDS = {kind.key: kind for kind in (
    Kind("tariff_list", ("pdf", "xlsx"), _tariff_list_prepare, _tariff_list_make),
    Kind("tariff_list_national", ("pdf", "xlsx"), _national_prepare, _national_make),
    Kind("compiled_report", ("pdf", "xlsx"), _compiled_prepare, _compiled_make),
    Kind("analysis", ("pdf", "xlsx"), _analysis_prepare, _analysis_make),
)}
