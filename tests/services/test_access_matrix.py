"""The access matrix from the live OpenAPI schema: every operation × role × own and foreign organisation.

No foreign data in any answer, no write on a foreign object (issue 11, Build 4(a)).

The world: Odense (A) and Esbjerg (B) in Syddanmark, København (C) in Hovedstaden. Each has a user of every
role, an offer it operates (internal note, tariff, budget, category), placements bought by each (some from the
others), an issued settlement month (invoices) and an occupancy report with texts. Every object that holds
data someone may not see carries unique strings (citizen names, CPR numbers full and masked, birth dates,
addresses, contacts, placement references, invoice numbers and amounts, report texts, internal notes, users'
names and e-mails); the matrix searches every answer body (JSON, CSV, XML, XLSX unzipped, PDF as text) for the
strings the acting role may not see according to the table VISIBILITY below.

Each operation of `/api/openapi.json` is called by a user of each role of A (the secretariat: Syddanmark's)
and anonymously, with its path parameters filled from the world three ways: with A's objects (own), B's
(foreign, same region) and C's (far, other region). Request bodies are built from the schema's requestBody
(names the test knows get values from the world, the rest a minimal value of their type). An unsafe method on
a foreign object that the role may not change (WRITES below) must be refused (401/403/404; 400/422 are counted
separately) and must leave every row of the database as it was. Every request runs in a savepoint that is
rolled back, so the world is the same for each. A path parameter the test cannot fill fails the test naming
the operation: a new endpoint is inside the matrix or the suite is red.
"""

import base64
import io
import json
import re
import subprocess
import zipfile
from dataclasses import dataclass, field, fields
from datetime import date
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from stdnum import ean as stdnum_ean

from rammeaftale.accounts.actor import Actor, actor_from_user
from rammeaftale.accounts.models import Role
from rammeaftale.billing.models import AccountMapping, Invoice, InvoiceKind, PaymentAccount
from rammeaftale.billing.settlement import settlement_issue
from rammeaftale.core.money import ore_to_kr
from rammeaftale.exchange.requests import Need, vacancy_request_send
from rammeaftale.occupancy.services import report_draft, report_line_explain
from rammeaftale.parties.models import Organisation, OrganisationKind
from rammeaftale.placements.services import PlacementRequest, placement_request
from rammeaftale.registry import services as registry_services
from rammeaftale.registry.models import Agreement, LegalParagraph, OfferCategory
from rammeaftale.tariffs.models import ServiceBudget, Tariff, TariffBudget, TariffOrigin
from tests.conftest import PASSWORD, TODAY

YEAR = TODAY.year
MONTH = f"{YEAR}-11"  # the settlement month issued in the world
PERIOD = f"{YEAR}-Q3"  # the occupancy report period drafted in the world

ROLES = ("caseworker", "economist", "operator", "secretariat", "administrator", "anonymous")
# Whose objects fill the path: A's (own); shared with another party (cross: the placement Esbjerg bought in
# Odense's offer, Esbjerg's invoice to Odense; for other objects A's own again); B's (foreign, same region);
# C's (far, other region).
SIDES = ("own", "cross", "foreign", "far")
UNSAFE = {"post", "put", "patch", "delete"}

# --- the access rules, from accounts/permissions.py, occupancy/selectors.py and docs/architecture.md "Roles"
#
# The acting user belongs to A (Odense), or for the secretariat to Syddanmark's secretariat, whose region
# holds A and B. Each rule says when that role may see a kind of data of an object; "A" is the acting
# organisation.
#
# placement  citizen name, masked CPR, birth date, address, contact, reference: the buying side's caseworkers,
#            economists and administrators (A acting or paying), the selling operator's operator staff,
#            economists and administrators (A operates the offer). An operator sees the placements in its
#            own offer bought by another municipality: they are its own data. The secretariat sees only
#            aggregates, never a citizen. (can_see_placement)
# full_cpr   only as the answer of the logged read (POST …/cpr) or in the unmasked contract PDF, and only to
#            the buying side's caseworkers and the operator's operator staff. (can_see_full_cpr)
# invoice    number and amounts: economists and administrators of the seller or the buyer.
#            (can_see_invoices_of)
# report     the occupancy report's texts: the operator's own users, and the secretariat of the agreement's
#            region, which compiles the region's reports (the region's aggregate is its own data).
#            (can_see_report)
# note       an offer's internal note: the operator's own users and the secretariat of the offer's region.
#            (can_see_offer_internals)
# request    a vacancy request's need (forespørgsel): the requesting municipality's caseworkers and
#            administrators, and the operator staff and administrators of the offer it went to.
#            (can_see_vacancy_request)
# user       a user's name and e-mail: the user's own organisation (GET /api/me). Usernames are not secret:
#            the audit trail names who acted, also another organisation's user acting on one's own objects.
#
# Master data is public to every logged-in user and is no marker: organisations, agreements, offers (names,
# capacity, services, categories), tariffs and their calculations, the P/L table. Anonymous sees nothing.
BUYER_ROLES = {"caseworker", "economist", "administrator"}
SELLER_ROLES = {"operator", "economist", "administrator"}
VISIBILITY = {
    "placement": lambda role, o: (
        (role in BUYER_ROLES and "A" in o.buyers) or (role in SELLER_ROLES and o.operator == "A")
    ),
    "full_cpr": lambda role, o: (
        (role == "caseworker" and "A" in o.buyers) or (role == "operator" and o.operator == "A")
    ),
    "invoice": lambda role, o: role in {"economist", "administrator"} and "A" in o.parties,
    "report": lambda role, o: (
        (role != "secretariat" and o.owner == "A") or (role == "secretariat" and o.region == "syd")
    ),
    "note": lambda role, o: (
        (role != "secretariat" and o.owner == "A") or (role == "secretariat" and o.region == "syd")
    ),
    "user": lambda role, o: role != "secretariat" and o.owner == "A",
    "request": lambda role, o: (
        (role in {"caseworker", "administrator"} and "A" in o.buyers)
        or (role in {"operator", "administrator"} and o.operator == "A")
    ),
}
# Operations whose answer may carry the full CPR number (to those full_cpr allows): the logged read and the
# contract.
FULL_CPR_OPERATIONS = {
    ("post", "/api/placements/{placement_id}/cpr"),
    ("get", "/api/placements/{placement_id}/contract.pdf"),
}
# Writes on another organisation's object that are legitimate: the region's secretariat maintains the offers
# of its region (can_manage_offer). Every other unsafe call on a foreign or far object must be refused.
WRITES = {("secretariat", "foreign", "post", "/api/offers/{offer_id}/capacity")}
# Path parameters that name no object (a year, a month): the same value on every side.
NOT_OBJECTS = {"year", "month"}


@dataclass
class Secret:
    """One object's unique strings and who it belongs to, as VISIBILITY reads them."""

    kind: str
    strings: list[str]
    owner: str = ""
    region: str = ""
    buyers: tuple[str, ...] = ()
    operator: str = ""
    parties: tuple[str, ...] = ()


@dataclass
class World:
    orgs: dict[str, Organisation]
    users: dict[tuple[str, str], object]  # (org key, role) -> User
    ids: dict[str, dict[str, object]]  # path/body parameter name -> side -> value
    secrets: list[Secret] = field(default_factory=list)


def _gln(body: str) -> str:
    return body + stdnum_ean.calc_check_digit(body)


SHARED = {"placement_id", "invoice_id", "recipient_id"}  # path parameters whose cross side is not A's own object
PLACEMENT_SIDES = {"own": "AA", "cross": "BA", "foreign": "BB", "far": "CC"}
# Placements: key -> the acting (buying) municipality, the operator, the paying municipality, the CPR number
# (a distinct birth date each) and the start day. PA: Esbjerg buys in its own offer and names Odense as payer.
PLACEMENTS = {
    "AA": ("A", "A", "A", "1103711234", date(YEAR, 11, 1)),
    "AB": ("A", "B", "A", "1204721234", date(YEAR, 11, 1)),
    "BA": ("B", "A", "B", "1305731234", date(YEAR, 11, 1)),
    "BB": ("B", "B", "B", "1406741234", date(YEAR, 11, 1)),
    "CB": ("C", "B", "C", "1507751234", date(YEAR, 11, 11)),
    "CC": ("C", "C", "C", "1608761234", date(YEAR, 11, 1)),
    "PA": ("B", "B", "A", "1709771234", date(YEAR, 11, 1)),
}
# Vacancy requests (forespørgsler): key -> the requesting municipality and the operator of the offer asked. BA:
# Esbjerg asks Odense's offer, which Odense's operator answers.
REQUESTS = {"AA": ("A", "A"), "BA": ("B", "A"), "BB": ("B", "B"), "CC": ("C", "C")}
DAILY_TARIFF = {"A": 211_111, "B": 233_333, "C": 255_557}  # øre, distinct so every invoice total is unique


def _build_world(system: Actor, make_offer, make_user) -> World:
    orgs = {
        "A": Organisation.objects.get(kind=OrganisationKind.MUNICIPALITY, code="461"),
        "B": Organisation.objects.get(kind=OrganisationKind.MUNICIPALITY, code="561"),
        "C": Organisation.objects.get(kind=OrganisationKind.MUNICIPALITY, code="101"),
        "S": Organisation.objects.get(kind=OrganisationKind.SECRETARIAT, code="1083"),
        "T": Organisation.objects.get(kind=OrganisationKind.SECRETARIAT, code="1084"),
    }
    region = {"A": "syd", "B": "syd", "C": "hovedstaden"}
    syd_rules = Agreement.objects.get(rulebook__key="syddanmark-2019-2020").rulebook
    syd = registry_services.agreement_create(
        actor=system,
        region=orgs["A"].region,
        name=f"Matrixaftale {YEAR}, Syddanmark",
        year_from=YEAR,
        year_to=YEAR,
        rulebook=syd_rules,
        is_demo=True,
    )
    hovedstaden = Agreement.objects.filter(region=orgs["C"].region).order_by("-year_to").first()
    for number, key in enumerate("ABC", start=1):
        Organisation.objects.filter(pk=orgs[key].pk).update(
            ean=_gln(f"57980000{number:04d}"),
            cvr=f"3520911{number}",
            address=f"Rådhusvej {number}",
            postcode=f"{5000 + number}",
            city=orgs[key].name,
        )
        orgs[key].refresh_from_db()
        PaymentAccount.objects.create(organisation=orgs[key], reg_no="1234", account_no=f"000123456{number}")
    AccountMapping.objects.create(
        paragraph=LegalParagraph.objects.get(code="sel-108"), account_code="5.38.50"
    )

    world = World(orgs=orgs, users={}, ids={})
    for key in ("A", "B", "C"):
        for role in ("caseworker", "economist", "operator", "administrator"):
            world.users[key, role] = make_user(
                orgs[key],
                role,
                username=f"matrix-{key.lower()}-{role}",
                first_name="Matrix",
                last_name=f"Efternavnx{key}{role}",
                email=f"{role}.{key.lower()}@matrix.invalid",
            )
            world.secrets.append(
                Secret("user", [f"Efternavnx{key}{role}", f"{role}.{key.lower()}@matrix.invalid"], owner=key)
            )
    world.users["S", "secretariat"] = make_user(orgs["S"], Role.SECRETARIAT, username="matrix-s-secretariat")
    world.users["T", "secretariat"] = make_user(orgs["T"], Role.SECRETARIAT, username="matrix-t-secretariat")

    offers, basis, tariffs = {}, {}, {}
    for key in ("A", "B", "C"):
        note = f"Interntnotat{key}matrix"
        offers[key] = make_offer(
            orgs[key],
            name=f"Botilbuddet Matrix {key}",
            places=10,
            internal_note=note,
            tilbudsportalen_id=f"90000{ord(key)}",
        )
        world.secrets.append(Secret("note", [note], owner=key, region=region[key]))
        basis[key] = registry_services.service_create(
            actor=system, offer=offers[key], name="Døgnophold", unit="day"
        )
        tariffs[key] = Tariff.objects.create(
            service=basis[key], year=YEAR, amount_ore=DAILY_TARIFF[key], origin=TariffOrigin.PUBLISHED
        )
        OfferCategory.objects.create(offer=offers[key], year=YEAR, category="klynge", reason="matrix")
        rules = syd.rulebook if region[key] == "syd" else hovedstaden.rulebook
        budget = TariffBudget.objects.create(offer=offers[key], year=YEAR, rulebook=rules)
        ServiceBudget.objects.create(
            budget=budget,
            service=basis[key],
            salaries_ore=600_000_000,
            places=10,
            budgeted_occupancy_pct=Decimal(95),
        )

    placements = {}
    for number, (key, (buyer, operator, payer, cpr, start)) in enumerate(PLACEMENTS.items(), start=1):
        name = f"Matrixborger {key}"
        address, email = f"Borgervej {key} 7", f"kontakt.{key.lower()}@matrix.invalid"
        outside = region[buyer] != region[operator]
        # With the payer's consent (issue 11, Build 1) a purchase paid by another carries a reason.
        asks_payer = payer != buyer and "payer_justification" in {f.name for f in fields(PlacementRequest)}
        placements[key] = placement_request(
            actor=actor_from_user(world.users[buyer, "caseworker"]),
            reserve=True,
            request=PlacementRequest(
                offer=offers[operator],
                paying_municipality=orgs[payer],
                citizen_name=name,
                cpr=cpr,
                start_date=start,
                citizen_address=address,
                contact_name=f"Kontaktperson{key}",
                contact_phone=f"70001{number:03d}",
                contact_email=email,
                payment_agreement=f"Betalingsaftale{key}" if outside else "",
                payment_agreement_follows_tariff_principles=True if outside else None,
                **({"payer_justification": "Borgeren har opholdskommune her (matrix)"} if asks_payer else {}),
            ),
        )
        birth = date(1900 + int(cpr[4:6]), int(cpr[2:4]), int(cpr[0:2]))
        # The paying municipality is on the buying side once it is bound: at once where no consent is asked
        # for, else only after it has accepted (issue 11, Build 1: until then it sees no citizen).
        # The placement's number is no personal data: the payer answers the request by it.
        bound = getattr(placements[key], "payer_consent", "not_needed") in ("not_needed", "accepted")
        buyers = (buyer, payer) if bound else (buyer,)
        citizen = [name, address, email, f"Kontaktperson{key}", f"{cpr[:6]}-****", birth.isoformat()]
        world.secrets.append(Secret("placement", citizen, buyers=buyers, operator=operator))
        world.secrets.append(
            Secret("placement", [placements[key].reference], buyers=(buyer, payer), operator=operator)
        )
        world.secrets.append(
            Secret("full_cpr", [cpr, f"{cpr[:6]}-{cpr[6:]}"], buyers=buyers, operator=operator)
        )

    vacancy_requests = {}
    for key, (buyer, operator) in REQUESTS.items():
        need = f"Behovx{key}matrix"
        vacancy_requests[key] = vacancy_request_send(
            actor=actor_from_user(world.users[buyer, "caseworker"]), offer_ids=[offers[operator].pk],
            need=Need(start_date=date(YEAR, 12, 20), description=need), answer_by=None, today=TODAY)
        world.secrets.append(Secret("request", [need], buyers=(buyer,), operator=operator))

    for key in ("A", "B"):
        settlement_issue(
            actor=actor_from_user(world.users[key, "economist"]),
            seller=orgs[key],
            year=YEAR,
            month=11,
            issue_date=date(YEAR, 12, 1),
        )
    invoices = {}
    for invoice in Invoice.objects.filter(kind=InvoiceKind.INVOICE).select_related("seller", "buyer"):
        seller = next(k for k in "ABC" if orgs[k].pk == invoice.seller_id)
        buyer = next(k for k in "ABC" if orgs[k].pk == invoice.buyer_id)
        invoices[seller + buyer] = invoice
        world.secrets.append(
            Secret(
                "invoice",
                [invoice.number, str(invoice.total_ore), str(ore_to_kr(invoice.total_ore))],
                parties=(seller, buyer),
            )
        )
    assert set(invoices) == {"AB", "BA", "BC"}, (
        invoices
    )  # A sells to B; B sells to A and C; AA and CC are internal

    reports = {}
    for key in ("A", "B"):
        actor = actor_from_user(world.users[key, "economist"])
        reports[key] = report_draft(actor=actor, agreement=syd, operator=orgs[key], code=PERIOD)
        line = reports[key].lines.get()
        report_line_explain(
            actor=actor,
            line=line,
            assessment="no_effect",
            challenges=f"Udfordringx{key}matrix",
            initiatives=f"Initiativx{key}matrix",
        )
        world.secrets.append(
            Secret("report", [f"Udfordringx{key}matrix", f"Initiativx{key}matrix"], owner=key, region="syd")
        )

    def sides(values: dict[str, object]) -> dict[str, object]:
        return {
            "own": values["A"],
            "cross": values["A"],
            "foreign": values["B"],
            "far": values.get("C", values["B"]),
        }

    lines = {key: report.lines.get().pk for key, report in reports.items()}
    world.ids = {
        "offer_id": sides({k: o.pk for k, o in offers.items()}),
        "service_id": sides({k: s.pk for k, s in basis.items()}),
        "tariff_id": sides({k: t.pk for k, t in tariffs.items()}),
        "agreement_id": sides({"A": syd.pk, "B": syd.pk, "C": hovedstaden.pk}),
        "placement_id": {side: placements[key].pk for side, key in PLACEMENT_SIDES.items()},
        "placement_service_id": {
            side: placements[key].services.get().pk for side, key in PLACEMENT_SIDES.items()
        },
        "invoice_id": {
            "own": invoices["AB"].pk,
            "cross": invoices["BA"].pk,
            "foreign": invoices["BC"].pk,
            "far": invoices["BC"].pk,
        },
        "report_id": sides({k: r.pk for k, r in reports.items()}),
        "line_id": sides(lines),
        "request_id": {side: vacancy_requests[key].pk for side, key in
                       {"own": "AA", "cross": "AA", "foreign": "BB", "far": "CC"}.items()},
        "recipient_id": {side: vacancy_requests[key].recipients.get().pk for side, key in PLACEMENT_SIDES.items()},
        "offer_ids": sides({k: [o.pk] for k, o in offers.items()}),
        "organisation_id": sides({k: o.pk for k, o in orgs.items() if k in "ABC"}),
        "paying_municipality_id": sides({k: o.pk for k, o in orgs.items() if k in "ABC"}),
        "region": sides({k: orgs[k].region_id for k in "ABC"}),
        "agreement": sides({"A": syd.pk, "B": syd.pk, "C": hovedstaden.pk}),
        "offer": sides({k: o.pk for k, o in offers.items()}),
        "operator": sides({k: o.pk for k, o in orgs.items() if k in "ABC"}),
        "year": dict.fromkeys(SIDES, YEAR),
        "month": dict.fromkeys(SIDES, MONTH),
        "period": dict.fromkeys(SIDES, PERIOD),
        # Not parameters: what an uploaded offer file names (the side's offer, operated by the side's
        # organisation).
        "file": sides({k: _offer_file(offers[k], orgs[k]) for k in "ABC"}),
    }
    return world


def _offer_file(offer, operator: Organisation) -> bytes:
    """An offer import (CSV) that changes the side's existing offer: its places and internal note."""
    header = (
        "tilbudsportalen_id;tilbudsnavn;driftsherre_kode;beliggenhedskommune;tilbudstype;paragraffer;pladser;"
        "pladser_fra;intern_note"
    )
    row = (
        f"{offer.tilbudsportalen_id};{offer.name};{operator.code};{operator.code};døgn;SEL § 108;7;"
        f"{YEAR}-12-01;"
        "Rettet ved import"
    )
    return f"{header}\n{row}\n".encode()


# --- the operations of the live schema, and how to fill them ------------------------------------------------


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    spec: dict

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path}"

    def parameters(self, where: str) -> list[dict]:
        return [p for p in self.spec.get("parameters", []) if p["in"] == where]

    @property
    def object_parameters(self) -> list[str]:
        return [p["name"] for p in self.parameters("path") if p["name"] not in NOT_OBJECTS]


def live_schema() -> dict:
    response = Client().get("/api/openapi.json")
    assert response.status_code == 200, response.content[:500]
    return response.json()


def operations_of(schema: dict) -> list[Operation]:
    return [
        Operation(method, path, spec)
        for path, methods in schema["paths"].items()
        for method, spec in methods.items()
        if method in {"get", "head", "options", *UNSAFE}
    ]


# Body and query fields the world gives meaning to (the rest get a minimal value of their schema type).
FIELD_VALUES = {
    "citizen_name": "Ny Matrixborger",
    "cpr": "0101921234",
    "start_date": f"{YEAR}-12-15",
    "reason": "Matrixprøve",
    "given_on": TODAY.isoformat(),
    "moved_out_on": f"{YEAR + 1}-01-31",
    "end_date": f"{YEAR + 1}-06-01",
    "day": f"{YEAR}-12-01",
    "minutes": 60,
    "rate_pct": "2.5",
    "source": "KL",
    "text": "Matrixforklaring",
    "assessment": "no_effect",
    "valid_from": f"{YEAR}-12-01",
    "places": 9,
    "note": "matrix",
    "reserve": True,
    "budgeted_occupancy_pct": "95",
    "answer": "yes",
}


def fillable(operation: Operation, ids: dict) -> list[str]:
    """What the matrix cannot fill for the operation: its path parameters with no value in the world."""
    return [p["name"] for p in operation.parameters("path") if p["name"] not in ids]


def _resolve(schema: dict, components: dict) -> dict:
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def example(schema: dict, components: dict, ids: dict, side: str, name: str = ""):
    """A minimal valid value for a schema: known names from the world, else by type (required fields only)."""
    schema = _resolve(schema, components)
    kind = schema.get("type")
    if name in ids:
        value = ids[name][side]
        return str(value) if kind == "string" else value
    if name in FIELD_VALUES:
        return FIELD_VALUES[name]
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [s for s in schema[key] if _resolve(s, components).get("type") != "null"]
            return example(options[0], components, ids, side, name) if options else None
    if "default" in schema:
        return schema["default"]
    if "enum" in schema:
        return schema["enum"][0]
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties", {})
        return {
            prop: example(sub, components, ids, side, prop)
            for prop, sub in properties.items()
            if prop in schema.get("required", []) or prop in ids or prop in FIELD_VALUES
        }
    if kind == "array":
        return [example(schema.get("items", {}), components, ids, side)]
    if kind == "integer":
        return 1
    if kind == "number":
        return "1"
    if kind == "boolean":
        return False
    if schema.get("format") == "date":
        return TODAY.isoformat()
    if schema.get("format") == "date-time":
        return f"{TODAY.isoformat()}T12:00:00Z"
    return "matrix"


@dataclass
class Call:
    url: str
    query: dict
    content_type: str | None
    body: object


def call_for(operation: Operation, schema: dict, ids: dict, side: str) -> Call:
    components = schema.get("components", {}).get("schemas", {})
    url = operation.path
    for parameter in operation.parameters("path"):
        url = url.replace("{" + parameter["name"] + "}", str(ids[parameter["name"]][side]))
    query = {}
    for parameter in operation.parameters("query"):
        if parameter.get("required") or parameter["name"] in ids:
            query[parameter["name"]] = example(
                parameter.get("schema", {}), components, ids, side, parameter["name"]
            )
    content_type, body = None, None
    content = operation.spec.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        content_type = "application/json"
        body = example(content["application/json"].get("schema", {}), components, ids, side)
    elif "multipart/form-data" in content:
        content_type = "multipart/form-data"
        form = _resolve(content["multipart/form-data"].get("schema", {}), components)
        body = {}
        for prop, sub in form.get("properties", {}).items():
            sub = _resolve(sub, components)
            if sub.get("format") == "binary":
                upload = io.BytesIO(ids[prop][side] if prop in ids else b"matrix\n")
                upload.name = "matrix.csv"
                body[prop] = upload
            else:
                body[prop] = example(sub, components, ids, side, prop)
    return Call(url=url, query=query, content_type=content_type, body=body)


# --- answers as text, and the database as a fingerprint -----------------------------------------------------


def body_text(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if content.startswith(b"%PDF"):
        text = subprocess.run(["pdftotext", "-", "-"], input=content, capture_output=True, check=True).stdout
        text = text.decode()
    elif content.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            text = " ".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
    else:
        text = content.decode("utf-8", "replace")
        if "json" in response.get("Content-Type", ""):
            try:
                text += " " + json.dumps(json.loads(content), ensure_ascii=False)
            except ValueError:
                pass
    return re.sub(r"\s+", " ", text)


def found(string: str, text: str) -> bool:
    if re.fullmatch(r"[\d.]+", string):  # an amount: not as part of a longer number
        return re.search(rf"(?<![\d.]){re.escape(string)}(?![\d])", text) is not None
    return string in text


# Framework tables no API call may touch and none holds a party's data; left out to keep the matrix fast.
UNWATCHED = {"auth_permission", "django_content_type", "auth_group_permissions", "django_migrations"}


def fingerprint() -> dict[str, dict]:
    """Every row of every watched table, by primary key (plain SQL: the ORM doubled the matrix's time)."""
    tables = {}
    with connection.cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            table = model._meta.db_table
            if table in UNWATCHED:
                continue
            columns = ", ".join(connection.ops.quote_name(f.column) for f in model._meta.concrete_fields)
            cursor.execute(
                f"SELECT {connection.ops.quote_name(model._meta.pk.column)}, {columns} "
                f"FROM {connection.ops.quote_name(table)}"
            )
            tables[table] = {row[0]: row for row in cursor.fetchall()}
    return tables


def changes(before: dict, after: dict) -> dict[str, dict[str, set]]:
    """table -> {"added" | "removed" | "changed": primary keys}."""
    out = {}
    for table, rows in after.items():
        old = before.get(table, {})
        found_ = {
            "added": rows.keys() - old.keys(),
            "removed": old.keys() - rows.keys(),
            "changed": {pk for pk in rows.keys() & old.keys() if rows[pk] != old[pk]},
        }
        if any(found_.values()):
            out[table] = {label: pks for label, pks in found_.items() if pks}
    return out


def changes_text(diff: dict) -> str:
    return "; ".join(
        f"{table}: " + ", ".join(f"{len(pks)} {label}" for label, pks in kinds.items())
        for table, kinds in diff.items()
    )


_MODELS = {}


def organisations_named(table: str, row: tuple, tables: dict, depth: int = 2) -> set[int]:
    """The organisations a row names: itself, its keys to organisations, and theirs through its parents."""
    if not _MODELS:
        _MODELS.update({m._meta.db_table: m for m in apps.get_models(include_auto_created=True)})
    model = _MODELS[table]
    values = dict(zip(["pk", *(f.attname for f in model._meta.concrete_fields)], row))
    named = {values["pk"]} if model is Organisation else set()
    for relation in model._meta.concrete_fields:
        value = values.get(relation.attname)
        if not relation.is_relation or value is None:
            continue
        if relation.related_model is Organisation:
            named.add(value)
        elif depth:
            parent_table = relation.related_model._meta.db_table
            parent = tables.get(parent_table, {}).get(value)
            if parent is not None:
                named |= organisations_named(parent_table, parent, tables, depth - 1)
    return named


# --- the tests ----------------------------------------------------------------------------------------------

# Path parameter names the world can fill; a schema whose operation names another fails
# test_every_operation_*.
KNOWN_PATH_PARAMETERS = {
    "offer_id",
    "service_id",
    "tariff_id",
    "agreement_id",
    "placement_id",
    "placement_service_id",
    "invoice_id",
    "report_id",
    "line_id",
    "organisation_id",
    "request_id",
    "recipient_id",
    "year",
    "month",
}


def test_every_operation_of_the_schema_can_be_filled(db):
    """A new endpoint with a path parameter the matrix cannot fill fails here, named, until the world can."""
    unfillable = {
        str(op): fillable(op, dict.fromkeys(KNOWN_PATH_PARAMETERS)) for op in operations_of(live_schema())
    }
    unfillable = {op: names for op, names in unfillable.items() if names}
    assert not unfillable, (
        "Operations outside the access matrix (give their path parameters a value in the world, "
        "test_access_matrix.py): "
        + "; ".join(f"{op}: {', '.join(names)}" for op, names in unfillable.items())
    )


def test_an_operation_the_world_cannot_fill_is_named():
    new = Operation(
        "post",
        "/api/placements/{placement_id}/consents/{consent_id}",
        {"parameters": [{"in": "path", "name": "placement_id"}, {"in": "path", "name": "consent_id"}]},
    )
    assert fillable(new, dict.fromkeys(KNOWN_PATH_PARAMETERS)) == ["consent_id"]


@pytest.fixture
def world(agreements, make_offer, make_user, system) -> World:
    return _build_world(system, make_offer, make_user)


def _auth(world: World, role: str) -> dict:
    if role == "anonymous":
        return {}
    user = world.users["S" if role == "secretariat" else "A", role]
    token = base64.b64encode(f"{user.username}:{PASSWORD}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {token}"}


def _send(client: Client, operation: Operation, call: Call, headers: dict):
    url = call.url + _query(call)
    if call.content_type is None:
        return client.generic(operation.method.upper(), url, **headers)
    if call.content_type == "multipart/form-data":
        return client.generic(
            operation.method.upper(),
            url,
            encode_multipart(BOUNDARY, call.body),
            content_type=MULTIPART_CONTENT,
            **headers,
        )
    return client.generic(
        operation.method.upper(), url, json.dumps(call.body), content_type=call.content_type, **headers
    )


def _query(call: Call) -> str:
    return "?" + urlencode(call.query) if call.query else ""


def _foreign_organisations(world: World, role: str) -> set[int]:
    """Whose existing rows the role may not change: B's, C's; the secretariat's: C's."""
    return {world.orgs[key].pk for key in (("C", "T") if role == "secretariat" else ("B", "C", "S", "T"))}


def test_no_role_sees_foreign_data_or_writes_a_foreign_object(world):
    schema = live_schema()
    operations = operations_of(schema)
    assert KNOWN_PATH_PARAMETERS <= world.ids.keys(), KNOWN_PATH_PARAMETERS - world.ids.keys()
    missing = {str(op): fillable(op, world.ids) for op in operations if fillable(op, world.ids)}
    assert not missing, (
        f"Operations the matrix cannot fill (name their path parameters in the world): {missing}"
    )

    client = Client(raise_request_exception=False)
    baseline = fingerprint()
    problems: list[str] = []
    statuses: dict[int, int] = {}
    cells = requests = foreign_writes = refused_by_validation = visible_hits = 0
    for operation in operations:
        unsafe = operation.method in UNSAFE
        for role in ROLES:
            headers = _auth(world, role)
            answers: dict[str, tuple] = {}  # the same call on two sides (no object in it) is made once
            for side in SIDES:
                call = call_for(operation, schema, world.ids, side)
                key = json.dumps([call.url, call.query, call.body], default=str, sort_keys=True)
                where = f"{operation} as {role} ({side}: {call.url}{_query(call)})"
                cells += 1
                if key not in answers:
                    with transaction.atomic():
                        response = _send(client, operation, call, headers)
                        text = body_text(response)
                        diff = changes(baseline, fingerprint()) if unsafe else {}
                        transaction.set_rollback(True)
                    requests += 1
                    answers[key] = (response.status_code, text, diff)
                status, text, diff = answers[key]
                statuses[status] = statuses.get(status, 0) + 1
                if status >= 500:
                    problems.append(f"{where}: {status}")
                if role == "anonymous" and status != 401:
                    problems.append(f"{where}: anonymous answered {status}, not 401")
                for secret in world.secrets:
                    visible = VISIBILITY[secret.kind](role, secret)
                    if secret.kind == "full_cpr":
                        visible = visible and (operation.method, operation.path) in FULL_CPR_OPERATIONS
                    hits = [s for s in secret.strings if found(s, text)]
                    if hits and visible:
                        visible_hits += 1
                    elif hits:
                        problems.append(
                            f"{where}: {secret.kind} of another party in the answer ({status}): {hits}"
                        )
                if not unsafe or side == "own" or (role, side, operation.method, operation.path) in WRITES:
                    continue
                if side == "cross" and (
                    role in SELLER_ROLES or not SHARED & set(operation.object_parameters)
                ):
                    continue  # A sells the shared placement: its staff act on it; other objects are A's own
                if operation.object_parameters:
                    # A write on a foreign object: refused, and not one row of the database changed.
                    foreign_writes += 1
                    if status in (400, 422):
                        refused_by_validation += 1
                    elif status not in (401, 403, 404):
                        problems.append(f"{where}: a write on another party's object answered {status}")
                    if diff:
                        problems.append(f"{where}: the database changed ({status}): {changes_text(diff)}")
                else:
                    # A call without an object in its path acts for the caller's own organisation (a purchase,
                    # a settlement run, a report draft); with the foreign side's ids in its body it may create
                    # rows, but no existing row that names a foreign organisation may change or disappear. (A
                    # new placement naming another municipality as payer is the consent flow's to test, Build
                    # 1.)
                    foreign = _foreign_organisations(world, role)
                    touched = {
                        (table, label, pk)
                        for table, kinds in diff.items()
                        for label, pks in kinds.items()
                        if label != "added"
                        for pk in pks
                        if organisations_named(table, baseline[table][pk], baseline) & foreign
                    }
                    if touched:
                        problems.append(
                            f"{where}: rows of another party changed ({status}): {sorted(touched)}"
                        )

    print(
        f"\naccess matrix: {len(operations)} operations × {len(ROLES)} roles × {len(SIDES)} sides = {cells} "
        f"cells, {requests} requests; {foreign_writes} unsafe calls on foreign objects refused "
        f"({refused_by_validation} of them by validation, 400/422); {visible_hits} answers showed own data "
        f"the role may see; statuses {dict(sorted(statuses.items()))}"
    )
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)
    # The matrix checked something: the whole schema, every role and side, writes refused, own data seen.
    assert len(operations) >= 48 and cells == len(operations) * len(ROLES) * len(SIDES)
    assert requests >= 650 and foreign_writes >= 180 and visible_hits >= 130
