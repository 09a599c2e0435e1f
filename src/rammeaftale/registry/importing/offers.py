"""Offers from a CSV or XLSX file: every row is checked first, then all rows are written or none."""
import difflib
import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction

from rammeaftale.accounts.actor import Actor
from rammeaftale.accounts.audit import audit_record
from rammeaftale.accounts.permissions import can_import_offers, can_manage_offer
from rammeaftale.core.chunks import chunks
from rammeaftale.core.errors import DomainError
from rammeaftale.core.ids import IdentifierError, cvr_clean, ean_clean
from rammeaftale.parties.models import OPERATOR_KINDS, Organisation, OrganisationKind
from rammeaftale.registry import services
from rammeaftale.registry.importing.columns import (
    COLUMN_NAMES,
    MAX_LENGTHS,
    OPERATOR_COLUMNS,
    REQUIRED_COLUMNS,
    Cell,
    CellError,
    ServiceSpec,
    age_read,
    as_text,
    category_read,
    date_read,
    digits_code,
    header_key,
    list_read,
    loose_key,
    offer_type_read,
    paragraph_key,
    places_read,
    services_read,
    year_read,
    yes_no_read,
)
from rammeaftale.registry.importing.files import FileProblem, table_read, template_build
from rammeaftale.registry.models import LegalParagraph, Offer, ServiceKind, ServiceUnit, TargetGroup


@dataclass(frozen=True)
class ImportRowError:
    """One problem, placed as the user sees the file: row 1 is the header, 0 the file as a whole."""

    row: int
    column: str  # the column's name; "" when the problem is the whole row or file
    message: str  # Danish

    def __str__(self) -> str:
        if self.row == 0:
            return self.message
        where = f"række {self.row}" + (f", kolonne {self.column}" if self.column else "")
        return f"{where}: {self.message}"

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


def _count(number: int, singular: str, plural: str) -> str:
    return f"{_number(number)} {singular if number == 1 else plural}"


def _number(number: int) -> str:
    return f"{number:,}".replace(",", ".")  # Danish thousands: 1.000


@dataclass
class ImportResult:
    """The outcome of one file: the counts when it was saved, or every error when it was not (nothing saved)."""

    filename: str
    sha256: str = ""
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    operators_created: int = 0
    dry_run: bool = False
    errors: list[ImportRowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary_da(self) -> str:
        """One Danish sentence for the page or the console; the errors themselves are in `errors`."""
        if not self.ok:
            rows = len({error.row for error in self.errors if error.row > 1})
            where = f" i {_count(rows, 'række', 'rækker')}" if rows else ""
            errors = _count(len(self.errors), "fejl", "fejl")
            return f"{self.filename} er ikke indlæst: {errors}{where}. Intet er gemt."
        rows = _count(self.rows, "række", "rækker")
        changes = (f"{_number(self.created)} tilbud oprettet, {_number(self.updated)} opdateret, "
                   f"{_number(self.unchanged)} uændret")
        if self.operators_created:
            operators = _count(self.operators_created, "ny privat driftsherre", "nye private driftsherrer")
            changes += f"; {operators} oprettet"
        if self.dry_run:
            return (f"{self.filename} er kontrolleret uden fejl ({rows}) og ville give: {changes}. "
                    "Intet er gemt.")
        return f"{self.filename}: {rows} indlæst: {changes}."

    def as_dict(self) -> dict:
        return {
            "ok": self.ok, "filename": self.filename, "sha256": self.sha256, "rows": self.rows,
            "created": self.created, "updated": self.updated, "unchanged": self.unchanged,
            "operators_created": self.operators_created, "dry_run": self.dry_run,
            "summary": self.summary_da(), "errors": [error.as_dict() for error in self.errors],
        }


def offers_import(*, actor: Actor, filename: str, content: bytes, dry_run: bool = False) -> ImportResult:
    """Create or update offers from a CSV or XLSX file, matched on Tilbudsportalen-id; all rows or none.

    Every row is validated before anything is written; then one transaction writes through the registry's
    services (each offer gets its own audit events) and one `offers.imported` event describes the file. With
    `dry_run` the writes are made and rolled back, so the result says what the file would do.
    """
    result = ImportResult(
        filename=filename.replace("\\", "/").rsplit("/", 1)[-1], sha256=hashlib.sha256(content).hexdigest(),
        dry_run=dry_run,
    )
    _OfferImport(actor=actor, result=result).run(filename=filename, content=content)
    result.errors.sort(key=lambda error: (error.row, _column_order(error.column)))
    if not result.ok:
        result.created = result.updated = result.unchanged = result.operators_created = 0
    return result


def offers_import_template(*, filename: str) -> bytes:
    """An empty import file with the header row, as CSV or XLSX by the file name's extension."""
    return template_build(filename=filename)


def _column_order(column: str) -> int:
    return COLUMN_NAMES.index(column) if column in COLUMN_NAMES else len(COLUMN_NAMES)


@dataclass
class _NewOperator:
    """A private operator the file introduces by an unknown CVR number; created once, on its first row."""

    cvr: str
    name: str
    ean: str
    region: Organisation
    row: int
    organisation: Organisation | None = None
    failed: bool = False

    def __str__(self) -> str:
        return f"{self.name} (CVR {self.cvr})"


@dataclass
class _Plan:
    """A validated row: everything the write phase needs, already resolved to model objects."""

    row: int
    operator_column: str
    offer: Offer | None
    operator: Organisation | None
    new_operator: _NewOperator | None
    fields: dict  # OfferInput values given by the row; a column the file leaves out keeps the stored value
    paragraphs: list[LegalParagraph]
    target_groups: list[TargetGroup] | None
    places: int
    valid_from: date
    category: tuple[int, str] | None
    services: list[ServiceSpec]


class _WriteError(Exception):
    def __init__(self, column: str, message: str):
        super().__init__(message)
        self.column = column
        self.message = message


class _RollBack(Exception):
    """Leaves the import's transaction without keeping anything."""


_OFFER_FIELD_COLUMNS = {
    "name": "tilbudsnavn", "municipality": "beliggenhedskommune", "offer_type": "tilbudstype",
    "paragraphs": "paragraffer", "postcode": "postnr", "tilbudsportalen_id": "tilbudsportalen_id",
    "address": "adresse", "city": "by", "description": "beskrivelse", "internal_note": "intern_note",
    "age_from": "alder_fra", "age_to": "alder_til",
}
_OPERATOR_FIELD_COLUMNS = {"cvr": "driftsherre_cvr", "ean": "driftsherre_ean", "name": "driftsherre_navn"}


class _OfferImport:
    def __init__(self, *, actor: Actor, result: ImportResult):
        self.actor = actor
        self.result = result
        self.tp_rows: dict[str, int] = {}
        self.new_operators: dict[str, _NewOperator] = {}
        self.new_eans: dict[str, _NewOperator] = {}

    def run(self, *, filename: str, content: bytes) -> None:
        if not can_import_offers(self.actor):
            self.error(0, "", "du har ikke adgang til at indlæse tilbud")
            return
        try:
            table = table_read(filename=filename, content=content)
        except FileProblem as exc:
            self.error(0, "", str(exc))
            return
        self.result.rows = len(table.rows)
        positions = self.header_check(table.header)
        if self.result.ok and not table.rows:
            self.error(0, "", "filen indeholder ingen tilbud, kun overskriftsrækken")
        if not self.result.ok:
            return
        rows = [(number, self.row_cells(number, positions, cells)) for number, cells in table.rows]
        self.lookups_load(cells for _, cells in rows)
        plans = [self.row_plan(number, cells) for number, cells in rows]
        if self.result.ok:
            self.write([plan for plan in plans if plan is not None])

    def error(self, row: int, column: str, message: str) -> None:
        self.result.errors.append(ImportRowError(row, column, message))

    # --- the header and the cells ------------------------------------------------------------------------

    def header_check(self, header: list[str]) -> dict[str, int]:
        """Column name -> position; unknown, doubled and missing columns are errors on row 1."""
        positions: dict[str, int] = {}
        for position, text in enumerate(header):
            if not text.strip():
                continue
            name = header_key(text)
            if name not in COLUMN_NAMES:
                guess = difflib.get_close_matches(name, COLUMN_NAMES, n=1)
                hint = f" (mente du «{guess[0]}»?)" if guess else ""
                self.error(1, text.strip(), f"ukendt kolonne «{text.strip()}»{hint}")
            elif name in positions:
                first = positions[name] + 1
                self.error(1, name, f"kolonnen står to gange (kolonne {first} og {position + 1})")
            else:
                positions[name] = position
        for name in REQUIRED_COLUMNS:
            if name not in positions:
                self.error(1, name, "kolonnen mangler; den skal være med")
        if not any(name in positions for name in OPERATOR_COLUMNS):
            self.error(1, OPERATOR_COLUMNS[0],
                       "kolonnen mangler: filen skal have driftsherre_kode eller driftsherre_cvr")
        return positions

    def row_cells(self, row: int, positions: dict[str, int], cells: list[Cell]) -> dict[str, Cell]:
        """The row's cells by column name; only the columns the file has."""
        named = {name: cells[at] if at < len(cells) else "" for name, at in positions.items()}
        used = set(positions.values())
        for position, cell in enumerate(cells):
            if cell != "" and position not in used:
                self.error(row, f"kolonne {position + 1}",
                           "cellen har en værdi, men kolonnen har ingen overskrift")
        return named

    # --- reference data, loaded once -----------------------------------------------------------------------

    def lookups_load(self, rows: Iterable[dict[str, Cell]]) -> None:
        tp_ids, cvrs, eans = set(), set(), set()
        for cells in rows:
            tp_ids.add(as_text(cells.get("tilbudsportalen_id", "")).strip())
            cvrs.add(re.sub(r"\D", "", as_text(cells.get("driftsherre_cvr", ""))))
            eans.add(re.sub(r"\D", "", as_text(cells.get("driftsherre_ean", ""))))
        public = Organisation.objects.filter(
            kind__in=[OrganisationKind.MUNICIPALITY, OrganisationKind.REGION]
        ).exclude(code="")
        self.public_operators = {organisation.code: organisation for organisation in public}
        self.regions = {
            organisation.pk: organisation for organisation in self.public_operators.values()
            if organisation.kind == OrganisationKind.REGION
        }
        self.municipalities = {
            code: organisation for code, organisation in self.public_operators.items()
            if organisation.kind == OrganisationKind.MUNICIPALITY
        }
        self.paragraphs: dict[str, LegalParagraph] = {}
        ambiguous = set()
        for paragraph in LegalParagraph.objects.all():
            for key in {paragraph_key(paragraph.code), paragraph_key(paragraph.label)}:
                if key in self.paragraphs and self.paragraphs[key] != paragraph:
                    ambiguous.add(key)
                self.paragraphs[key] = paragraph
        for key in ambiguous:
            del self.paragraphs[key]
        self.target_groups: dict[str, TargetGroup] = {}
        for group in TargetGroup.objects.all():
            self.target_groups[loose_key(group.code)] = group
            self.target_groups[loose_key(group.name)] = group
        self.by_cvr: dict[str, Organisation] = {}
        for chunk in chunks(cvrs - {""}):
            self.by_cvr.update((o.cvr, o) for o in Organisation.objects.filter(cvr__in=chunk))
        self.by_ean: dict[str, Organisation] = {}
        for chunk in chunks(eans - {""}):
            self.by_ean.update((o.ean, o) for o in Organisation.objects.filter(ean__in=chunk))
        self.offers: dict[str, Offer] = {}
        for chunk in chunks(tp_ids - {""}):
            offers = Offer.objects.filter(tilbudsportalen_id__in=chunk).select_related(
                "operator", "municipality"
            ).prefetch_related("paragraphs", "target_groups", "services", "capacities", "categories")
            self.offers.update((offer.tilbudsportalen_id, offer) for offer in offers)

    # --- one row -------------------------------------------------------------------------------------------

    def row_plan(self, row: int, cells: dict[str, Cell]) -> _Plan | None:
        """The row checked against the rules and the reference data; None when it has errors (recorded)."""
        errors_before = len(self.result.errors)

        def read(column: str, reader: Callable, *, required: bool = False):
            cell = cells.get(column, "")
            if cell == "":
                if required:
                    self.error(row, column, "skal udfyldes")
                return None
            try:
                return reader(cell)
            except CellError as exc:
                self.error(row, column, str(exc))
                return None

        def text(column: str) -> str:
            value = as_text(cells.get(column, "")).strip()
            limit = MAX_LENGTHS.get(column)
            if limit and len(value) > limit:
                self.error(row, column, f"højst {limit} tegn (der står {len(value)})")
            return value

        tp_id = self._tp_id(row, cells)
        name = text("tilbudsnavn")
        if not name:
            self.error(row, "tilbudsnavn", "skal udfyldes")
        municipality = read("beliggenhedskommune", self._municipality, required=True)
        operator_column, operator, new_operator = self._operator(row, cells, municipality)
        offer_type = read("tilbudstype", offer_type_read, required=True)
        paragraphs = read("paragraffer", lambda cell: self._paragraphs(row, cell), required=True)
        target_groups = (read("maalgrupper", lambda cell: self._target_groups(row, cell)) or []
                         if "maalgrupper" in cells else None)
        places = read("pladser", places_read, required=True)
        valid_from = read("pladser_fra", date_read, required=True)
        category = self._category(row, cells)
        service_specs = read("ydelser", services_read) or []

        fields = {
            "name": name, "tilbudsportalen_id": tp_id, "municipality": municipality, "offer_type": offer_type,
        }
        for column, key in (("adresse", "address"), ("by", "city"), ("beskrivelse", "description"),
                            ("intern_note", "internal_note")):
            if column in cells:
                fields[key] = text(column)
        if "postnr" in cells:
            fields["postcode"] = self._postcode(row, cells["postnr"])
        if "korte_forloeb" in cells:
            fields["is_short_stay"] = bool(read("korte_forloeb", yes_no_read))
        for column, key in (("alder_fra", "age_from"), ("alder_til", "age_to")):
            if column in cells:
                fields[key] = read(column, age_read)

        offer = self.offers.get(tp_id) if tp_id else None
        if offer is not None and (operator is not None or new_operator is not None):
            if operator is None or offer.operator_id != operator.pk:
                self.error(row, "tilbudsportalen_id", (
                    f"Tilbudsportalen-id {tp_id} tilhører tilbuddet «{offer.name}» hos {offer.operator}; "
                    "et tilbud kan ikke skifte driftsherre ved indlæsning"))
        if municipality is not None and (operator is not None or new_operator is not None):
            self._permission_check(row, operator_column, operator or new_operator, municipality, offer)
        if offer is not None:
            self._category_lock_check(row, offer, category)
            self._services_check(row, offer, service_specs)

        if len(self.result.errors) > errors_before:
            return None
        return _Plan(
            row=row, operator_column=operator_column, offer=offer, operator=operator,
            new_operator=new_operator, fields=fields, paragraphs=paragraphs, target_groups=target_groups,
            places=places, valid_from=valid_from, category=category, services=service_specs,
        )

    def _tp_id(self, row: int, cells: dict[str, Cell]) -> str:
        tp_id = as_text(cells.get("tilbudsportalen_id", "")).strip()
        if not tp_id:
            self.error(row, "tilbudsportalen_id", "skal udfyldes")
        elif not tp_id.isdigit() or len(tp_id) > 20:
            self.error(row, "tilbudsportalen_id", f"ugyldigt Tilbudsportalen-id «{tp_id}»: skal være et tal")
        elif tp_id in self.tp_rows:
            self.error(row, "tilbudsportalen_id",
                       f"Tilbudsportalen-id {tp_id} står også i række {self.tp_rows[tp_id]}")
        else:
            self.tp_rows[tp_id] = row
        return tp_id

    def _municipality(self, cell: Cell) -> Organisation:
        municipality = self.municipalities.get(digits_code(cell))
        if municipality is None:
            raise CellError(f"ukendt kommunekode «{cell}»")
        return municipality

    def _postcode(self, row: int, cell: Cell) -> str:
        postcode = as_text(cell).strip()
        if postcode.isdigit() and len(postcode) == 3:
            postcode = "0" + postcode  # Excel drops the leading zero of 0800 Høje Taastrup
        if postcode and not (postcode.isdigit() and len(postcode) == 4):
            self.error(row, "postnr", f"ugyldigt postnummer «{cell}»: skal være fire cifre")
        return postcode

    def _operator(self, row: int, cells: dict[str, Cell], municipality: Organisation | None):
        """(column, known operator, or a new private operator to create); errors recorded."""
        code = as_text(cells.get("driftsherre_kode", "")).strip()
        cvr_text = as_text(cells.get("driftsherre_cvr", "")).strip()
        column = "driftsherre_cvr" if cvr_text or "driftsherre_kode" not in cells else "driftsherre_kode"
        if code and cvr_text:
            self.error(row, "driftsherre_cvr",
                       "udfyld enten driftsherre_kode eller driftsherre_cvr, ikke begge")
            return column, None, None
        if not code and not cvr_text:
            self.error(row, column, (
                "skal udfyldes: driftsherrens kommune- eller regionskode (driftsherre_kode) "
                "eller CVR-nummer (driftsherre_cvr)"))
            return column, None, None
        ean = self._ean(row, cells)
        if code:
            operator = self.public_operators.get(digits_code(code))
            if operator is None:
                self.error(row, column, f"ukendt kommune- eller regionskode «{code}»")
                return column, None, None
            self._ean_matches(row, operator, ean)
            return column, operator, None
        try:
            cvr = cvr_clean(cvr_text)
        except IdentifierError as exc:
            self.error(row, column, str(exc))
            return column, None, None
        operator = self.by_cvr.get(cvr)
        if operator is not None:
            if operator.kind not in OPERATOR_KINDS:
                self.error(row, column,
                           f"CVR-nummer {cvr} tilhører {operator}, som ikke kan være driftsherre")
                return column, None, None
            self._ean_matches(row, operator, ean)
            return column, operator, None
        return column, None, self._new_operator(row, cells, cvr, ean, municipality)

    def _ean(self, row: int, cells: dict[str, Cell]) -> str | None:
        """The cleaned EAN; "" when empty, None when invalid (recorded)."""
        text = as_text(cells.get("driftsherre_ean", "")).strip()
        if not text:
            return ""
        try:
            return ean_clean(text)
        except IdentifierError as exc:
            self.error(row, "driftsherre_ean", str(exc))
            return None

    def _ean_matches(self, row: int, operator: Organisation, ean: str | None) -> None:
        if ean and operator.ean and operator.ean != ean:
            self.error(row, "driftsherre_ean",
                       f"EAN-nummer {ean} passer ikke med {operator}s registrerede EAN-nummer {operator.ean}")

    def _new_operator(self, row: int, cells: dict[str, Cell], cvr: str, ean: str | None,
                      municipality: Organisation | None) -> _NewOperator | None:
        name = as_text(cells.get("driftsherre_navn", "")).strip()
        known = self.new_operators.get(cvr)
        if known is not None:
            if name and name != known.name:
                self.error(row, "driftsherre_navn",
                           f"CVR-nummer {cvr} har navnet «{known.name}» i række {known.row}")
            if ean and ean != known.ean:
                self.error(row, "driftsherre_ean",
                           f"CVR-nummer {cvr} har EAN-nummer {known.ean or '(intet)'} i række {known.row}")
            return known
        if not name:
            self.error(row, "driftsherre_navn", (
                f"CVR-nummer {cvr} er ukendt: skriv driftsherrens navn for at oprette en ny privat "
                "driftsherre"))
            return None
        if len(name) > MAX_LENGTHS["driftsherre_navn"]:
            limit = MAX_LENGTHS["driftsherre_navn"]
            self.error(row, "driftsherre_navn", f"højst {limit} tegn (der står {len(name)})")
            return None
        if ean:
            holder = self.by_ean.get(ean) or self.new_eans.get(ean)
            if holder is not None:
                self.error(row, "driftsherre_ean", f"EAN-nummer {ean} er allerede registreret hos {holder}")
                return None
        if ean is None or municipality is None:
            return None
        new = _NewOperator(cvr=cvr, name=name, ean=ean, region=self.regions[municipality.region_id], row=row)
        self.new_operators[cvr] = new
        if ean:
            self.new_eans[ean] = new
        return new

    def _paragraphs(self, row: int, cell: Cell) -> list[LegalParagraph]:
        found: list[LegalParagraph] = []
        for item in list_read(cell):
            key = paragraph_key(item)
            paragraph = self.paragraphs.get(key)
            if paragraph is None:
                hint = ": skriv lovens forkortelse foran, fx «SEL § 107»" if key[:1].isdigit() else ""
                self.error(row, "paragraffer", f"ukendt paragraf «{item}»{hint}")
            elif paragraph not in found:
                found.append(paragraph)
        if not found and not list_read(cell):
            raise CellError("skal udfyldes")
        return found

    def _target_groups(self, row: int, cell: Cell) -> list[TargetGroup]:
        found: list[TargetGroup] = []
        for item in list_read(cell):
            group = self.target_groups.get(loose_key(item))
            if group is None:
                self.error(row, "maalgrupper", f"ukendt målgruppe «{item}»")
            elif group not in found:
                found.append(group)
        return found

    def _category(self, row: int, cells: dict[str, Cell]) -> tuple[int, str] | None:
        category_cell, year_cell = cells.get("kategori", ""), cells.get("kategori_aar", "")
        if category_cell == "" and year_cell == "":
            return None
        if category_cell == "":
            self.error(row, "kategori", "skal udfyldes, når kategori_aar er udfyldt")
            return None
        if year_cell == "":
            self.error(row, "kategori_aar", "skal udfyldes, når kategori er udfyldt")
            return None
        try:
            category = category_read(category_cell)
        except CellError as exc:
            self.error(row, "kategori", str(exc))
            category = None
        try:
            year = year_read(year_cell)
        except CellError as exc:
            self.error(row, "kategori_aar", str(exc))
            return None
        return (year, category) if category else None

    def _permission_check(self, row: int, column: str, operator: Organisation | _NewOperator,
                          municipality: Organisation, offer: Offer | None) -> None:
        # A new private operator has no id yet; 0 matches nobody's organisation, so only the platform and the
        # secretariat of the offer's region qualify, as private_operator_create requires.
        operator_id = operator.pk if isinstance(operator, Organisation) else 0
        allowed = can_manage_offer(self.actor, operator_id=operator_id, region_id=municipality.region_id)
        if offer is not None:
            allowed = allowed and can_manage_offer(
                self.actor, operator_id=offer.operator_id, region_id=offer.municipality.region_id
            )
        if not allowed:
            self.error(row, column, f"du må ikke indlæse tilbud for {operator}")

    def _category_lock_check(self, row: int, offer: Offer, category: tuple[int, str] | None) -> None:
        if category is None:
            return
        year, code = category
        for record in offer.categories.all():
            if record.year == year and record.decided_at is not None and record.category != code:
                self.error(row, "kategori", (
                    f"kategorien for {year} er låst ({record.get_category_display()}) efter en vurdering; "
                    "en ny kategori kan først gælde fra næste år"))

    def _services_check(self, row: int, offer: Offer, specs: list[ServiceSpec]) -> None:
        existing = {service.name.lower(): service for service in offer.services.all()}
        for spec in specs:
            service = existing.get(spec.name.lower())
            if service is not None and (service.unit, service.kind) != (spec.unit, spec.kind):
                kind, unit = ServiceKind(service.kind).label.lower(), ServiceUnit(service.unit).label
                self.error(row, "ydelser", (
                    f"ydelsen «{service.name}» findes allerede som {kind} pr. {unit} og kan ikke ændres "
                    "ved indlæsning"))

    # --- the write phase -----------------------------------------------------------------------------------

    def write(self, plans: list[_Plan]) -> None:
        result = self.result
        changed: dict[str, list[str]] = {"created": [], "updated": []}
        try:
            with transaction.atomic():
                for plan in plans:
                    try:
                        outcome = self._plan_write(plan)
                    except _WriteError as exc:
                        self.error(plan.row, exc.column, exc.message)
                        continue
                    if outcome == "unchanged":
                        result.unchanged += 1
                    else:
                        changed[outcome].append(plan.fields["tilbudsportalen_id"])
                result.created, result.updated = len(changed["created"]), len(changed["updated"])
                result.operators_created = sum(1 for new in self.new_operators.values() if new.organisation)
                if not result.ok or result.dry_run:
                    raise _RollBack
                audit_record(
                    actor=self.actor, event_type="offers.imported",
                    organisation_id=self.actor.organisation_id,
                    after={
                        "file": result.filename, "sha256": result.sha256, "rows": result.rows,
                        "created": result.created, "updated": result.updated, "unchanged": result.unchanged,
                        "operators_created": result.operators_created,
                        "created_tilbudsportalen_ids": changed["created"],
                        "updated_tilbudsportalen_ids": changed["updated"],
                    },
                )
        except _RollBack:
            pass

    def _plan_write(self, plan: _Plan) -> str:
        """Writes one row through the services; returns created, updated or unchanged."""
        operator = plan.operator or self._operator_create(plan)
        data = self._offer_input(plan, operator)
        offer_columns = {**_OFFER_FIELD_COLUMNS, "operator": plan.operator_column}
        offer = plan.offer
        if offer is None:
            offer = _service_call(offer_columns, plan.operator_column, services.offer_create,
                                  actor=self.actor, data=data)
            outcome = "created"
        elif _offer_differs(offer, data):
            _service_call(offer_columns, plan.operator_column, services.offer_update,
                          actor=self.actor, offer=offer, data=data)
            outcome = "updated"
        else:
            outcome = "unchanged"
        stored = plan.offer is not None
        capacities = offer.capacities.all() if stored else []
        if not any(c.valid_from == plan.valid_from and c.places == plan.places for c in capacities):
            _service_call({"valid_from": "pladser_fra"}, "pladser", services.offer_capacity_set,
                          actor=self.actor, offer=offer, valid_from=plan.valid_from, places=plan.places,
                          note=f"indlæst fra {self.result.filename}"[:200])
            outcome = "updated" if outcome == "unchanged" else outcome
        if plan.category is not None:
            year, category = plan.category
            categories = offer.categories.all() if stored else []
            if not any(c.year == year and c.category == category for c in categories):
                _service_call({}, "kategori", services.offer_category_set, actor=self.actor, offer=offer,
                              year=year, category=category, reason=f"indlæst fra {self.result.filename}")
                outcome = "updated" if outcome == "unchanged" else outcome
        existing = {service.name.lower() for service in offer.services.all()} if stored else set()
        for spec in plan.services:
            if spec.name.lower() not in existing:
                _service_call({}, "ydelser", services.service_create, actor=self.actor, offer=offer,
                              name=spec.name, kind=spec.kind, unit=spec.unit)
                outcome = "updated" if outcome == "unchanged" else outcome
        return outcome

    def _operator_create(self, plan: _Plan) -> Organisation:
        new = plan.new_operator
        if new.organisation is not None:
            return new.organisation
        if new.failed:
            raise _WriteError("driftsherre_cvr",
                              f"driftsherren {new} kunne ikke oprettes (se række {new.row})")
        try:
            new.organisation = services.private_operator_create(
                actor=self.actor, name=new.name, cvr=new.cvr, ean=new.ean, region=new.region
            )
        except DomainError as exc:
            new.failed = True
            column = _OPERATOR_FIELD_COLUMNS.get(exc.field, "driftsherre_cvr")
            raise _WriteError(column, exc.message_da) from exc
        return new.organisation

    def _offer_input(self, plan: _Plan, operator: Organisation) -> services.OfferInput:
        offer = plan.offer
        stored = {} if offer is None else {
            "address": offer.address, "postcode": offer.postcode, "city": offer.city,
            "is_short_stay": offer.is_short_stay, "description": offer.description,
            "internal_note": offer.internal_note, "age_from": offer.age_from, "age_to": offer.age_to,
        }
        if plan.target_groups is not None:
            target_groups = plan.target_groups
        else:
            target_groups = list(offer.target_groups.all()) if offer is not None else []
        return services.OfferInput(
            operator=operator, paragraphs=plan.paragraphs, target_groups=target_groups,
            **{**stored, **plan.fields},
        )


def _service_call(columns: dict[str, str], default_column: str, function: Callable, **kwargs):
    """A registry service; its DomainError becomes an error on the row's matching column."""
    try:
        return function(**kwargs)
    except DomainError as exc:
        raise _WriteError(columns.get(exc.field, default_column), exc.message_da) from exc


def _offer_differs(offer: Offer, data: services.OfferInput) -> bool:
    stored = (
        offer.operator_id, offer.municipality_id, offer.name, offer.offer_type, offer.address, offer.postcode,
        offer.city, offer.tilbudsportalen_id, offer.is_short_stay, offer.description, offer.internal_note,
        offer.age_from, offer.age_to,
    )
    given = (
        data.operator.pk, data.municipality.pk, data.name.strip(), data.offer_type, data.address,
        data.postcode, data.city, data.tilbudsportalen_id, data.is_short_stay, data.description,
        data.internal_note, data.age_from, data.age_to,
    )
    return (
        stored != given
        or {p.pk for p in offer.paragraphs.all()} != {p.pk for p in data.paragraphs}
        or {g.pk for g in offer.target_groups.all()} != {g.pk for g in data.target_groups}
    )
