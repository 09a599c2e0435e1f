"""The offer import's columns (Danish headers modelled on Tilbudsportalen) and how each cell is read."""
import re
from dataclasses import dataclass
from datetime import date

from rammeaftale.registry.models import AGE_MAX, Category, OfferType, ServiceKind, ServiceUnit


@dataclass(frozen=True)
class Column:
    name: str
    required: bool  # the column must be in the header and filled in on every row
    kind_da: str
    example: str
    rule_da: str


COLUMNS: tuple[Column, ...] = (
    Column("tilbudsportalen_id", True, "tal", "100101",
           "Tilbuddets id på Tilbudsportalen. Et tilbud med samme id opdateres, ellers oprettes det. "
           "Må kun stå én gang i filen."),
    Column("tilbudsnavn", True, "tekst", "Bostedet Kildebakken", "Højst 200 tegn."),
    Column("driftsherre_kode", False, "kode", "561",
           "Kommunekode (fx 561 Esbjerg) eller regionskode (fx 1083 Syddanmark) for en offentlig "
           "driftsherre. Udfyld enten denne eller driftsherre_cvr."),
    Column("driftsherre_cvr", False, "CVR-nummer", "12345674",
           "CVR-nummer for driftsherren (8 cifre med gyldigt kontrolciffer). Er CVR-nummeret ukendt, "
           "oprettes en ny privat driftsherre med navnet i driftsherre_navn."),
    Column("driftsherre_navn", False, "tekst", "Opholdsstedet Lærkereden ApS",
           "Kræves kun, når en ny privat driftsherre skal oprettes; ellers bruges det ikke."),
    Column("driftsherre_ean", False, "EAN-nummer", "5790001234560",
           "EAN/GLN-nummer (13 cifre med gyldigt kontrolciffer). Gemmes på en ny privat driftsherre; for en "
           "kendt driftsherre skal det passe med det registrerede EAN-nummer, hvis der er et."),
    Column("adresse", False, "tekst", "Kildevej 12", "Højst 200 tegn."),
    Column("postnr", False, "postnummer", "6700",
           "Fire cifre (tre cifre får et foranstillet 0, fx 800 → 0800)."),
    Column("by", False, "tekst", "Esbjerg", "Højst 100 tegn."),
    Column("beliggenhedskommune", True, "kommunekode", "561",
           "Kommunekoden for kommunen, hvor tilbuddet ligger."),
    Column("tilbudstype", True, "valg", "døgn",
           "døgn, dag, ambulant eller undervisning (også residential, day, outpatient, education)."),
    Column("korte_forloeb", False, "ja/nej", "nej",
           "ja, hvis tilbuddet har korte forløb, akutpladser eller aflastning; tom betyder nej."),
    Column("paragraffer", True, "liste", "SEL § 107; SEL § 108",
           "Lovgrundlag adskilt af ; eller komma, med lovens forkortelse (SEL, BL, FSL, STU) eller som koder "
           "(sel-107,sel-108). «§ 107» uden lov afvises, fordi samme nummer findes i flere love."),
    Column("maalgrupper", False, "liste", "Udviklingshæmning; autisme",
           "Målgruppernes navne eller koder adskilt af ;."),
    Column("alder_fra", False, "heltal", "18", "Den yngste alder, tilbuddet er godkendt til (år); tom: ingen grænse."),
    Column("alder_til", False, "heltal", "", "Den ældste alder (år), ikke under alder_fra; tom: ingen grænse."),
    Column("pladser", True, "heltal", "24", "Antal pladser fra datoen i pladser_fra; 0 eller derover."),
    Column("pladser_fra", True, "dato", "2025-01-01",
           "Datoen, pladsantallet gælder fra: 2025-01-01, 01-01-2025 eller 1.1.2025."),
    Column("kategori", False, "valg", "klynge",
           "hoejt_specialiseret, klynge, lokal, landsdaekkende eller sikret (også de danske betegnelser). "
           "Udfyldes sammen med kategori_aar."),
    Column("kategori_aar", False, "årstal", "2026",
           "Året, kategorien gælder for. Udfyldes sammen med kategori."),
    Column("ydelser", False, "liste", "Basis:døgn; Ekstra støtte:time:tillaeg",
           "Ydelser adskilt af ;, hver som navn:enhed eller navn:enhed:type. Enhed: døgn, dag, måned eller "
           "time. Type: basis (standard), tilvalg eller tillaeg. Nye ydelser oprettes; eksisterende ændres "
           "ikke."),
    Column("beskrivelse", False, "tekst", "Længerevarende botilbud for voksne …", ""),
    Column("intern_note", False, "tekst", "Ny afdeling åbner i 2026",
           "Kun synlig for driftsherrens egne brugere og regionens sekretariat."),
)
COLUMN_NAMES = tuple(column.name for column in COLUMNS)
REQUIRED_COLUMNS = tuple(column.name for column in COLUMNS if column.required)
OPERATOR_COLUMNS = ("driftsherre_kode", "driftsherre_cvr")

MAX_LENGTHS = {"tilbudsnavn": 200, "driftsherre_navn": 200, "adresse": 200, "by": 100}


class CellError(ValueError):
    """A cell that cannot be read; the message is Danish and fits after «række N, kolonne X: »."""


Cell = str | date


def fold(text: str) -> str:
    """Lower case with æ, ø, å spelt out, so «Korte forløb» and «korte_forloeb» meet."""
    return text.strip().lower().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")


def header_key(text: str) -> str:
    return re.sub(r"[\s\-]+", "_", fold(text))


def loose_key(text: str) -> str:
    """Only letters and digits: «Højt specialiseret» and «hoejt_specialiseret» give the same key."""
    return re.sub(r"[^a-z0-9]", "", fold(text))


def as_text(cell: Cell) -> str:
    return cell.isoformat() if isinstance(cell, date) else cell


def whole_number(cell: Cell) -> int:
    text = as_text(cell).replace(" ", "")
    if not re.fullmatch(r"-?\d+", text):
        raise CellError(f"«{cell}» er ikke et helt tal")
    return int(text)


def age_read(cell: Cell) -> int:
    age = whole_number(cell)
    if not 0 <= age <= AGE_MAX:
        raise CellError(f"alderen skal være mellem 0 og {AGE_MAX} år (fik {age})")
    return age


def places_read(cell: Cell) -> int:
    places = whole_number(cell)
    if places < 0:
        raise CellError(f"kapaciteten må ikke være negativ ({places} pladser)")
    return places


_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DANISH_DATE = re.compile(r"(\d{1,2})[-./](\d{1,2})[-./](\d{4})")


def date_read(cell: Cell) -> date:
    if isinstance(cell, date):
        return cell
    if match := _ISO_DATE.fullmatch(cell):
        year, month, day = match.groups()
    elif match := _DANISH_DATE.fullmatch(cell):
        day, month, year = match.groups()
    else:
        raise CellError(f"ugyldig dato «{cell}»: skriv fx 2025-01-01, 01-01-2025 eller 1.1.2025")
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        raise CellError(f"ugyldig dato «{cell}»: den dag findes ikke") from None


def year_read(cell: Cell) -> int:
    text = as_text(cell)
    if not re.fullmatch(r"\d{4}", text) or not 2000 <= int(text) <= 2099:
        raise CellError(f"ugyldigt år «{cell}»: skriv et årstal, fx 2026")
    return int(text)


_YES = {"ja", "j", "x", "1", "sand", "true", "yes"}
_NO = {"", "nej", "n", "0", "falsk", "false", "no"}


def yes_no_read(cell: Cell) -> bool:
    key = fold(as_text(cell))
    if key in _YES:
        return True
    if key in _NO:
        return False
    raise CellError(f"«{cell}» skal være ja eller nej")


_OFFER_TYPES = {
    **{loose_key(value): value for value in OfferType.values},
    **{loose_key(label): value for value, label in OfferType.choices},
    "doegn": OfferType.RESIDENTIAL, "doegntilbud": OfferType.RESIDENTIAL, "botilbud": OfferType.RESIDENTIAL,
    "dag": OfferType.DAY, "ambulant": OfferType.OUTPATIENT, "undervisning": OfferType.EDUCATION,
}


def offer_type_read(cell: Cell) -> str:
    offer_type = _OFFER_TYPES.get(loose_key(as_text(cell)))
    if offer_type is None:
        raise CellError(f"ukendt tilbudstype «{cell}»: brug døgn, dag, ambulant eller undervisning")
    return str(offer_type)


_CATEGORIES = {
    **{loose_key(value): value for value in Category.values},
    **{loose_key(label): value for value, label in Category.choices},
}


def category_read(cell: Cell) -> str:
    category = _CATEGORIES.get(loose_key(as_text(cell)))
    if category is None:
        raise CellError(
            f"ukendt kategori «{cell}»: brug hoejt_specialiseret, klynge, lokal, landsdaekkende eller sikret"
        )
    return str(category)


_UNITS = {
    "doegn": ServiceUnit.DAY, "dag": ServiceUnit.DAY, "day": ServiceUnit.DAY,
    "maaned": ServiceUnit.MONTH, "md": ServiceUnit.MONTH, "month": ServiceUnit.MONTH,
    "time": ServiceUnit.HOUR, "timer": ServiceUnit.HOUR, "hour": ServiceUnit.HOUR,
}
_SERVICE_KINDS = {
    **{loose_key(value): value for value in ServiceKind.values},
    **{loose_key(label): value for value, label in ServiceKind.choices},
}


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    unit: str
    kind: str


def services_read(cell: Cell) -> list[ServiceSpec]:
    """«Basis:døgn; Ekstra støtte:time:tillaeg» -> one ServiceSpec per entry; the kind defaults to basis."""
    specs: list[ServiceSpec] = []
    for entry in filter(None, (part.strip() for part in as_text(cell).split(";"))):
        parts = [part.strip() for part in entry.split(":")]
        if len(parts) not in (2, 3) or not parts[0]:
            raise CellError(f"ydelsen «{entry}» skal skrives som navn:enhed eller navn:enhed:type")
        name, unit_text, kind_text = parts[0], parts[1], parts[2] if len(parts) == 3 else "basis"
        unit = _UNITS.get(loose_key(unit_text))
        if unit is None:
            raise CellError(
                f"ukendt enhed «{unit_text}» for ydelsen «{name}»: brug døgn, dag, måned eller time"
            )
        kind = _SERVICE_KINDS.get(loose_key(kind_text))
        if kind is None:
            raise CellError(
                f"ukendt ydelsestype «{kind_text}» for ydelsen «{name}»: brug basis, tilvalg eller tillaeg"
            )
        if len(name) > 200:
            raise CellError(f"ydelsens navn «{name[:40]}…» er længere end 200 tegn")
        if any(spec.name.lower() == name.lower() for spec in specs):
            raise CellError(f"ydelsen «{name}» står to gange")
        specs.append(ServiceSpec(name=name, unit=str(unit), kind=str(kind)))
    return specs


# A comma separates list items, except the one in «FSL § 20, stk. 2».
_LIST_SEPARATOR = re.compile(r"[;,](?!\s*stk\.)", re.IGNORECASE)


def list_read(cell: Cell) -> list[str]:
    items: list[str] = []
    for item in _LIST_SEPARATOR.split(as_text(cell)):
        item = " ".join(item.split())
        if item and item not in items:
            items.append(item)
    return items


_LAW_NAMES = {"serviceloven": "sel", "barnetslov": "bl", "folkeskoleloven": "fsl", "stuloven": "stu"}


def paragraph_key(text: str) -> str:
    """«SEL § 107», «sel-107», «Serviceloven §107» -> «sel107»; «FSL § 20, stk. 2» -> «fsl20stk2»."""
    key = loose_key(text)
    for name, short in _LAW_NAMES.items():
        if key.startswith(name):
            return short + key[len(name):]
    return key


def digits_code(cell: Cell) -> str:
    """An official code without leading zeros («0561» -> «561»), or the text itself when it is not digits."""
    text = as_text(cell).strip()
    return str(int(text)) if text.isdigit() else text
