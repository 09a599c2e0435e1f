"""What a demo region is made of: region names, towns, name parts, offer archetypes and the two scales."""
from dataclasses import dataclass
from decimal import Decimal

from rammeaftale.accounts.models import Role
from rammeaftale.demo import published as pools
from rammeaftale.registry.models import Category, OfferType, ServiceKind, ServiceUnit
from rammeaftale.registry.regions import REGION_ALIASES, REGION_CODES  # noqa: F401 (the demo's region names)

# The region's own rulebook where one exists; Nordjylland and Midtjylland borrow Syddanmark's for the demo.
DEMO_RULEBOOKS = {
    "1081": "syddanmark-2019-2020",
    "1082": "syddanmark-2019-2020",
    "1083": "syddanmark-2019-2020",
    "1084": "hovedstaden-2021-2022",
    "1085": "sjaelland-2025-2026",
}

# Where the demo users sit: in Syddanmark Esbjerg buys and Odense runs offers, so buying across municipalities
# can be shown; elsewhere the largest municipality buys and the second largest runs offers.
DEMO_USER_MUNICIPALITIES = {"1083": ("561", "461")}
NATIONAL_USERS_REGION = "1083"
DEMO_PASSWORD = "demo1234"


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    place: str  # "buyer" / "operator" municipality, or "secretariat"
    first_name: str
    last_name: str


DEMO_OPERATOR = "driftsherre"  # the demo operator, who confirms its offers' free places
DEMO_USERS = (
    DemoUser("sagsbehandler", Role.CASEWORKER, "buyer", "Sara", "Sagsbehandler"),
    DemoUser("oekonomi", Role.ECONOMIST, "buyer", "Øjvind", "Økonomi"),
    DemoUser(DEMO_OPERATOR, Role.OPERATOR, "operator", "Dorthe", "Driftsherre"),
    # The selling side's economist: runs the operator municipality's monthly settlement.
    DemoUser("oekonomi-odense", Role.ECONOMIST, "operator", "Otto", "Økonomi"),
    DemoUser("sekretariat", Role.SECRETARIAT, "secretariat", "Søren", "Sekretariat"),
    DemoUser("admin", Role.ADMINISTRATOR, "secretariat", "Anna", "Administrator"),
    # The buying municipality's administrator: creates its caseworkers and economists under «Brugere».
    DemoUser("admin-kommune", Role.ADMINISTRATOR, "buyer", "Karin", "Kommuneadministrator"),
)


@dataclass(frozen=True)
class DemoScale:
    """Offers per 100,000 inhabitants; `national` is the benchmark density (about 7,000 offers in all)."""

    key: str
    municipal_offers_per_100k: Decimal
    min_municipal_offers: int
    regional_offers_per_100k: Decimal
    min_regional_offers: int
    private_operators_per_100k: Decimal
    min_private_operators: int
    secured_offers: tuple[int, int]
    nationwide_offers: tuple[int, int]


SCALES = {
    "region": DemoScale("region", Decimal(24), 2, Decimal(2), 8, Decimal("1.5"), 5, (1, 2), (1, 3)),
    "national": DemoScale("national", Decimal("101.5"), 4, Decimal(7), 12, Decimal(5), 10, (2, 3), (2, 4)),
}

# Main towns and postcodes per municipality code (the first is the main town); addresses are drawn among them.
TOWNS: dict[str, tuple[tuple[str, str], ...]] = {
    "101": (("2100", "København Ø"), ("2200", "København N"), ("2300", "København S"),
            ("2400", "København NV"), ("2450", "København SV"), ("2500", "Valby"), ("2700", "Brønshøj"),
            ("2720", "Vanløse")),
    "147": (("2000", "Frederiksberg"),),
    "151": (("2750", "Ballerup"), ("2740", "Skovlunde")),
    "153": (("2605", "Brøndby"), ("2660", "Brøndby Strand")),
    "155": (("2791", "Dragør"),),
    "157": (("2820", "Gentofte"), ("2900", "Hellerup"), ("2920", "Charlottenlund")),
    "159": (("2860", "Søborg"), ("2880", "Bagsværd")),
    "161": (("2600", "Glostrup"),),
    "163": (("2730", "Herlev"),),
    "165": (("2620", "Albertslund"),),
    "167": (("2650", "Hvidovre"),),
    "169": (("2630", "Taastrup"), ("2640", "Hedehusene")),
    "173": (("2800", "Kongens Lyngby"),),
    "175": (("2610", "Rødovre"),),
    "183": (("2635", "Ishøj"),),
    "185": (("2770", "Kastrup"),),
    "187": (("2625", "Vallensbæk"),),
    "190": (("3520", "Farum"), ("3500", "Værløse")),
    "201": (("3450", "Allerød"),),
    "210": (("3480", "Fredensborg"), ("2990", "Nivå")),
    "217": (("3000", "Helsingør"), ("3100", "Hornbæk")),
    "219": (("3400", "Hillerød"),),
    "223": (("2970", "Hørsholm"),),
    "230": (("2840", "Holte"), ("3460", "Birkerød")),
    "240": (("3660", "Stenløse"), ("3650", "Ølstykke"), ("2765", "Smørum")),
    "250": (("3600", "Frederikssund"), ("3630", "Jægerspris")),
    "253": (("2670", "Greve"),),
    "259": (("4600", "Køge"),),
    "260": (("3300", "Frederiksværk"), ("3390", "Hundested")),
    "265": (("4000", "Roskilde"),),
    "269": (("2680", "Solrød Strand"),),
    "270": (("3200", "Helsinge"), ("3250", "Gilleleje")),
    "306": (("4500", "Nykøbing Sj"), ("4550", "Asnæs")),
    "316": (("4300", "Holbæk"),),
    "320": (("4690", "Haslev"), ("4640", "Faxe")),
    "326": (("4400", "Kalundborg"),),
    "329": (("4100", "Ringsted"),),
    "330": (("4200", "Slagelse"), ("4220", "Korsør"), ("4230", "Skælskør")),
    "336": (("4660", "Store Heddinge"),),
    "340": (("4180", "Sorø"),),
    "350": (("4330", "Hvalsø"), ("4320", "Lejre")),
    "360": (("4930", "Maribo"), ("4900", "Nakskov")),
    "370": (("4700", "Næstved"),),
    "376": (("4800", "Nykøbing F"), ("4840", "Nørre Alslev")),
    "390": (("4760", "Vordingborg"),),
    "400": (("3700", "Rønne"), ("3730", "Nexø")),
    "410": (("5500", "Middelfart"),),
    "420": (("5610", "Assens"), ("5620", "Glamsbjerg")),
    "430": (("5750", "Ringe"), ("5600", "Faaborg")),
    "440": (("5300", "Kerteminde"), ("5330", "Munkebo")),
    "450": (("5800", "Nyborg"),),
    "461": (("5000", "Odense C"), ("5200", "Odense V"), ("5210", "Odense NV"), ("5220", "Odense SØ"),
            ("5230", "Odense M"), ("5250", "Odense SV")),
    "479": (("5700", "Svendborg"),),
    "480": (("5400", "Bogense"), ("5450", "Otterup")),
    "482": (("5900", "Rudkøbing"),),
    "492": (("5970", "Ærøskøbing"), ("5960", "Marstal")),
    "510": (("6100", "Haderslev"), ("6500", "Vojens")),
    "530": (("7200", "Grindsted"), ("7190", "Billund")),
    "540": (("6400", "Sønderborg"), ("6430", "Nordborg")),
    "550": (("6270", "Tønder"),),
    "561": (("6700", "Esbjerg"), ("6705", "Esbjerg Ø"), ("6710", "Esbjerg V"), ("6715", "Esbjerg N"),
            ("6740", "Bramming"), ("6760", "Ribe")),
    "563": (("6720", "Fanø"),),
    "573": (("6800", "Varde"),),
    "575": (("6600", "Vejen"), ("6630", "Rødding")),
    "580": (("6200", "Aabenraa"),),
    "607": (("7000", "Fredericia"),),
    "615": (("8700", "Horsens"),),
    "621": (("6000", "Kolding"),),
    "630": (("7100", "Vejle"), ("7300", "Jelling")),
    "657": (("7400", "Herning"),),
    "661": (("7500", "Holstebro"),),
    "665": (("7620", "Lemvig"),),
    "671": (("7600", "Struer"),),
    "706": (("8400", "Ebeltoft"), ("8410", "Rønde")),
    "707": (("8500", "Grenaa"),),
    "710": (("8370", "Hadsten"), ("8450", "Hammel")),
    "727": (("8300", "Odder"),),
    "730": (("8900", "Randers C"), ("8920", "Randers NV"), ("8930", "Randers NØ")),
    "740": (("8600", "Silkeborg"),),
    "741": (("8305", "Samsø"),),
    "746": (("8660", "Skanderborg"), ("8680", "Ry")),
    "751": (("8000", "Aarhus C"), ("8200", "Aarhus N"), ("8210", "Aarhus V"), ("8220", "Brabrand"),
            ("8240", "Risskov"), ("8260", "Viby J"), ("8270", "Højbjerg")),
    "756": (("7430", "Ikast"), ("7330", "Brande")),
    "760": (("6950", "Ringkøbing"), ("6900", "Skjern")),
    "766": (("8722", "Hedensted"), ("7160", "Tørring")),
    "773": (("7900", "Nykøbing M"),),
    "779": (("7800", "Skive"),),
    "787": (("7700", "Thisted"),),
    "791": (("8800", "Viborg"),),
    "810": (("9700", "Brønderslev"),),
    "813": (("9900", "Frederikshavn"), ("9300", "Sæby"), ("9990", "Skagen")),
    "820": (("9600", "Aars"), ("9640", "Farsø")),
    "825": (("9940", "Læsø"),),
    "840": (("9530", "Støvring"), ("9520", "Skørping")),
    "846": (("9500", "Hobro"), ("9550", "Mariager")),
    "849": (("9440", "Aabybro"), ("9460", "Brovst")),
    "851": (("9000", "Aalborg"), ("9200", "Aalborg SV"), ("9210", "Aalborg SØ"), ("9220", "Aalborg Øst"),
            ("9400", "Nørresundby")),
    "860": (("9800", "Hjørring"), ("9850", "Hirtshals")),
}

STREETS = (
    "Skovvej", "Møllevej", "Kirkevej", "Søndergade", "Nørregade", "Vestergade", "Østergade", "Engvej",
    "Bøgevej", "Birkevej", "Egevej", "Lindevej", "Rosenvænget", "Stationsvej", "Skolevej", "Parkvej",
    "Bakkevej", "Fasanvej", "Strandvejen", "Toftevej", "Grønnegade", "Havnegade", "Åvej", "Mosevej",
    "Kløvervej", "Hybenvej", "Ahornvej", "Solvej", "Kastanievej", "Vibevej", "Lærkevej", "Granvej",
    "Industrivej", "Tværvej", "Rugvænget",
)

# Offer and operator names are a first part and an ending: Lærke + reden = Lærkereden.
NAME_FIRSTS = (
    "Lærke", "Bøge", "Ege", "Birke", "Linde", "Aske", "Rønne", "Hylde", "Kastanje", "Pile", "Elle", "Hassel",
    "Gran", "Fyrre", "Sol", "Sø", "Eng", "Mose", "Skov", "Strand", "Bakke", "Dal", "Å", "Hav", "Vibe",
    "Svane", "Trane", "Hjorte", "Rose", "Kløver", "Lyng", "Valmue", "Mølle", "Kilde", "Fjord", "Vester",
    "Øster", "Sønder",
)
NAME_ENDINGS = (
    "gården", "huset", "bo", "lund", "ly", "højen", "bakken", "reden", "toften", "vangen", "holm", "engen",
    "hjemmet",
)

PRIVATE_OPERATOR_FORMS = (
    "Opholdsstedet {root} ApS", "Opholdsstedet {root} ApS", "Socialpædagogisk Opholdssted {root} ApS",
    "{root} Bo- og Naturtilbud ApS", "Botilbuddet {root} A/S", "Den selvejende institution {root}",
    "Fonden {root}", "{root} Socialpædagogik ApS",
)


@dataclass(frozen=True)
class ExtraService:
    """A tilvalg or tillæg some offers of an archetype have: priced from a pool or as a share of the basis."""

    name: str
    kind: str
    unit: str
    probability_pct: int
    pool: str | None = None
    share_of_basis_pct: tuple[int, int] | None = None


@dataclass(frozen=True)
class Archetype:
    """A kind of offer: type, legal basis, target groups, names, its basis service and its price pool."""

    key: str
    offer_type: str
    paragraphs: tuple[str, ...]
    target_groups: tuple[str, ...]
    prefixes: tuple[str, ...]
    description: str
    basis_name: str
    pool: str
    places: tuple[int, int]
    weights: tuple[int, int, int]  # municipality, region, private operator (relative, 0 = never)
    basis_unit: str = ServiceUnit.DAY
    short_stay: bool = False
    extras: tuple[ExtraService, ...] = ()
    category: str | None = None  # a fixed category (sikret, landsdækkende); else drawn per operator kind
    month_unit_for_private_pct: int = 0


SUPPORT_HOURS = ExtraService(
    "Ekstra støtte efter § 85 (timer)", ServiceKind.SUPPLEMENT, ServiceUnit.HOUR, 35, pool=pools.HOUR)
SPECIAL_NEEDS = ExtraService(
    "Særlige behov for støtte", ServiceKind.OPTIONAL, ServiceUnit.DAY, 30, share_of_basis_pct=(25, 60))
ESCORT_HOURS = ExtraService(
    "Ledsagelse (timer)", ServiceKind.SUPPLEMENT, ServiceUnit.HOUR, 60, pool=pools.HOUR)
INTERNAL_SCHOOL = ExtraService("Intern skole", ServiceKind.OPTIONAL, ServiceUnit.DAY, 40, pool=pools.SCHOOL)

ADULTS = ("udviklingshaemning", "autisme", "hjerneskade", "fysisk-handicap", "sindslidelse")
CHILDREN = ("boern-unge", "adfaerd", "autisme", "udviklingshaemning")

ARCHETYPES = (
    Archetype(
        key="bo_108", offer_type=OfferType.RESIDENTIAL, paragraphs=("sel-108",),
        target_groups=ADULTS + ("doevblindhed",), prefixes=("Bostedet", "Botilbuddet", "Bocentret"),
        description="Længerevarende botilbud efter serviceloven § 108 med døgndækning.",
        basis_name="Døgnophold", pool=pools.RESIDENTIAL_ADULT, places=(8, 36), weights=(18, 4, 3),
        extras=(SPECIAL_NEEDS, SUPPORT_HOURS),
    ),
    Archetype(
        key="bo_107", offer_type=OfferType.RESIDENTIAL, paragraphs=("sel-107",),
        target_groups=ADULTS + ("spiseforstyrrelse",),
        prefixes=("Botilbuddet", "Udslusningen", "Bo- og udviklingscentret"),
        description="Midlertidigt botilbud efter serviceloven § 107.",
        basis_name="Midlertidigt ophold", pool=pools.RESIDENTIAL_ADULT, places=(6, 24), weights=(12, 3, 4),
        extras=(SPECIAL_NEEDS, SUPPORT_HOURS),
    ),
    Archetype(
        key="aflastning_voksne", offer_type=OfferType.RESIDENTIAL, paragraphs=("sel-107",),
        target_groups=ADULTS, prefixes=("Aflastningstilbuddet", "Akutpladserne"),
        description="Aflastning og akutophold for voksne efter serviceloven § 107.",
        basis_name="Aflastningsdøgn", pool=pools.RESPITE, places=(2, 8), weights=(3, 0, 1), short_stay=True,
    ),
    Archetype(
        key="bofaellesskab", offer_type=OfferType.RESIDENTIAL, paragraphs=("sel-105", "sel-85"),
        target_groups=ADULTS, prefixes=("Bofællesskabet", "Boligerne"),
        description="Boliger efter § 105, stk. 2, med socialpædagogisk støtte efter serviceloven § 85.",
        basis_name="Socialpædagogisk støtte, døgn", pool=pools.RESIDENTIAL_ADULT, places=(6, 30),
        weights=(10, 0, 1), extras=(SUPPORT_HOURS,),
    ),
    Archetype(
        key="boern_doegn", offer_type=OfferType.RESIDENTIAL, paragraphs=("bl-43",),
        target_groups=CHILDREN, prefixes=("Døgninstitutionen", "Ungehuset", "Opholdsstedet"),
        description="Anbringelsessted for børn og unge efter barnets lov § 43.",
        basis_name="Døgnophold", pool=pools.RESIDENTIAL_CHILD, places=(4, 16), weights=(6, 2, 8),
        extras=(INTERNAL_SCHOOL, SUPPORT_HOURS), month_unit_for_private_pct=50,
    ),
    Archetype(
        key="aflastning_boern", offer_type=OfferType.RESIDENTIAL, paragraphs=("bl-32",),
        target_groups=CHILDREN + ("fysisk-handicap",), prefixes=("Aflastningshuset", "Aflastningstilbuddet"),
        description="Aflastning for hjemmeboende børn og unge efter barnets lov § 32.",
        basis_name="Aflastningsdøgn", pool=pools.RESPITE, places=(3, 10), weights=(4, 1, 2), short_stay=True,
    ),
    Archetype(
        key="misbrug_doegn", offer_type=OfferType.RESIDENTIAL, paragraphs=("sel-101", "sel-107"),
        target_groups=("misbrug", "sindslidelse"), prefixes=("Behandlingshjemmet", "Døgnbehandlingen"),
        description="Døgnbehandling af stofmisbrug efter serviceloven § 101 med ophold efter § 107.",
        basis_name="Døgnbehandling", pool=pools.RESIDENTIAL_ADULT, places=(8, 20), weights=(1, 1, 2),
        extras=(SUPPORT_HOURS,),
    ),
    Archetype(
        key="krisecenter", offer_type=OfferType.RESIDENTIAL, paragraphs=("sel-109",),
        target_groups=("voldsramte",), prefixes=("Krisecentret", "Kvindehuset"),
        description="Krisecenter for kvinder efter serviceloven § 109; akut optagelse døgnet rundt.",
        basis_name="Krisecenterophold", pool=pools.SHELTER, places=(6, 16), weights=(2, 0, 1),
        short_stay=True,
    ),
    Archetype(
        key="forsorgshjem", offer_type=OfferType.RESIDENTIAL, paragraphs=("sel-110",),
        target_groups=("hjemloeshed", "misbrug", "sindslidelse"), prefixes=("Forsorgshjemmet", "Herberget"),
        description="Midlertidigt ophold for hjemløse efter serviceloven § 110.",
        basis_name="Ophold", pool=pools.SHELTER, places=(10, 40), weights=(2, 1, 0),
    ),
    Archetype(
        key="dag_104", offer_type=OfferType.DAY, paragraphs=("sel-104",), target_groups=ADULTS,
        prefixes=("Aktivitetscentret", "Samværstilbuddet", "Værestedet", "Dagcentret"),
        description="Aktivitets- og samværstilbud efter serviceloven § 104.",
        basis_name="Dagtilbud, fuldtidsplads", pool=pools.DAY_ACTIVITY, places=(10, 60), weights=(12, 2, 2),
        extras=(SPECIAL_NEEDS,),
    ),
    Archetype(
        key="dag_103", offer_type=OfferType.DAY, paragraphs=("sel-103",), target_groups=ADULTS,
        prefixes=("Værkstedet", "Værkstederne", "Produktionshuset"),
        description="Beskyttet beskæftigelse efter serviceloven § 103.",
        basis_name="Beskæftigelse, fuldtidsplads", pool=pools.DAY_WORK, places=(15, 80), weights=(8, 1, 1),
        extras=(SPECIAL_NEEDS,),
    ),
    Archetype(
        key="dagbehandling", offer_type=OfferType.DAY, paragraphs=("bl-32",),
        target_groups=("boern-unge", "adfaerd", "autisme"), prefixes=("Dagbehandlingen", "Familiehuset"),
        description="Dagbehandling for børn og unge efter barnets lov § 32.",
        basis_name="Dagbehandling", pool=pools.DAY_TREATMENT, places=(6, 24), weights=(5, 1, 2),
        extras=(SPECIAL_NEEDS,),
    ),
    Archetype(
        key="ambulant_85", offer_type=OfferType.OUTPATIENT, paragraphs=("sel-85",), target_groups=ADULTS,
        prefixes=("Bostøtten", "Støttecentret", "Mentorkorpset"),
        description="Ambulant socialpædagogisk støtte efter serviceloven § 85, visiteret i timer.",
        basis_name="Socialpædagogisk støtte (timer)", basis_unit=ServiceUnit.HOUR, pool=pools.HOUR,
        places=(20, 120), weights=(8, 1, 1),
    ),
    Archetype(
        key="ambulant_101", offer_type=OfferType.OUTPATIENT, paragraphs=("sel-101",),
        target_groups=("misbrug",), prefixes=("Misbrugscentret", "Rusmiddelcentret"),
        description="Ambulant behandling af stofmisbrug efter serviceloven § 101.",
        basis_name="Ambulant behandling (timer)", basis_unit=ServiceUnit.HOUR, pool=pools.HOUR,
        places=(20, 100), weights=(3, 1, 1),
    ),
    Archetype(
        key="specialskole", offer_type=OfferType.EDUCATION, paragraphs=("fsl-20-2",), target_groups=CHILDREN,
        prefixes=("Specialskolen", "Heldagsskolen", "Skolen ved"),
        description="Specialundervisning efter folkeskoleloven § 20, stk. 2.",
        basis_name="Skoletilbud, fuldtid", pool=pools.SCHOOL, places=(20, 120), weights=(6, 1, 1),
        extras=(SPECIAL_NEEDS,),
    ),
)

# Run by the region only, a few per region, with a fixed category.
SECURED = Archetype(
    key="sikret", offer_type=OfferType.RESIDENTIAL, paragraphs=("bl-43",), target_groups=("adfaerd", "dom"),
    prefixes=("Sikret institution", "Den sikrede afdeling"),
    description="Sikret døgninstitution for unge efter barnets lov § 43 (lands- og landsdelsdækkende).",
    basis_name="Sikret døgnophold", pool=pools.SECURED, places=(6, 16), weights=(0, 0, 0),
    extras=(ESCORT_HOURS, INTERNAL_SCHOOL), category=Category.SECURED,
)
NATIONWIDE = Archetype(
    key="landsdaekkende", offer_type=OfferType.RESIDENTIAL, paragraphs=("sel-107", "sel-108"),
    target_groups=("doevblindhed", "hjerneskade", "spiseforstyrrelse", "dom"),
    prefixes=("Specialcentret", "Videnscentret"),
    description="Lands- og landsdelsdækkende tilbud med højt specialiseret døgnindsats efter serviceloven "
                "§§ 107 og 108.",
    basis_name="Specialiseret døgnophold", pool=pools.SECURED, places=(4, 20), weights=(0, 0, 0),
    extras=(SPECIAL_NEEDS, ESCORT_HOURS), category=Category.NATIONWIDE,
)

# Category of an offer without a fixed one, by operator kind: (category, weight).
CATEGORY_WEIGHTS = {
    "municipality": ((Category.LOCAL, 60), (Category.CLUSTER, 25), (Category.HIGHLY_SPECIALISED, 15)),
    "region": ((Category.HIGHLY_SPECIALISED, 70), (Category.CLUSTER, 20), (Category.LOCAL, 10)),
    "private_operator": ((Category.LOCAL, 85), (Category.CLUSTER, 15)),
}
CATEGORY_CHANGE_PCT = 6  # share of offers whose category changes from a later demo year on
CAPACITY_CHANGE_PCT = 20  # share of offers with a second capacity record in a later year
INTERNAL_NOTE_PCT = 10
VARIATION_PCT = 5  # drawn prices vary up to this much either side of the published row they come from
PL_RANGE_TENTHS = (20, 30)  # P/L-like yearly index, 2.0–3.0 %, drawn per year


# The ages an archetype's offers are approved for (years; None: no bound), by its legal basis: Barnets lov and the
# special schools (Folkeskoleloven) under 18, Serviceloven's adult paragraphs from 18, secured units for 12–17-year-olds.
# Demo data: a real offer's ages are its approval's (Tilbudsportalen «Alder fra/til»).
AGES: dict[str, tuple[int | None, int | None]] = {
    "bo_108": (18, None), "bo_107": (18, None), "aflastning_voksne": (18, None), "bofaellesskab": (18, None),
    "boern_doegn": (0, 17), "aflastning_boern": (0, 17), "misbrug_doegn": (18, None), "krisecenter": (18, None),
    "forsorgshjem": (18, None), "dag_104": (18, None), "dag_103": (18, None), "dagbehandling": (6, 17),
    "ambulant_85": (18, None), "ambulant_101": (18, None), "specialskole": (6, 17), "sikret": (12, 17),
    "landsdaekkende": (None, None),
}
