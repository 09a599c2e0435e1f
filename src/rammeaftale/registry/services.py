"""Writes to the registry: reference data, rulebooks and agreements, organisations and offers, each audited."""
import csv
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path

from django.db import models, transaction
from django.utils import timezone

from rammeaftale import rulebooks
from rammeaftale.accounts.actor import Actor
from rammeaftale.accounts.audit import audit_record, model_snapshot
from rammeaftale.accounts.models import Role
from rammeaftale.accounts.permissions import can_manage_offer
from rammeaftale.core.errors import DomainError, NotAllowed
from rammeaftale.core.ids import IdentifierError, cvr_clean, ean_clean
from rammeaftale.parties.models import OPERATOR_KINDS, Organisation, OrganisationKind, Population
from rammeaftale.registry.models import (
    AGE_MAX,
    Agreement,
    Category,
    LegalParagraph,
    Offer,
    OfferCapacity,
    OfferCategory,
    OfferType,
    RulebookVersion,
    Service,
    ServiceKind,
    ServiceUnit,
    TargetGroup,
)
from rammeaftale.registry.rules import rulebook_of, rules_in_force

REFERENCE_POPULATION_YEAR = 2024
POPULATION_SOURCE = "Danmarks Statistik FOLK1AM 2024M01"


def _data_rows(name: str) -> list[dict]:
    text = resources.files("rammeaftale.registry").joinpath("data", name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


@dataclass
class ReferenceLoadResult:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str, created: bool) -> None:
        bucket = self.created if created else self.updated
        bucket[kind] = bucket.get(kind, 0) + 1


def _stored(obj, name: str):
    """A field's stored value; for a relation the id, so comparing it reads nothing more."""
    return getattr(obj, obj._meta.get_field(name).attname)


def _upsert_all(model, result: ReferenceLoadResult, label: str, key: tuple[str, ...],
                rows: list[tuple[dict, dict]]) -> dict[tuple, models.Model]:
    """Create or update many rows of one model in three statements: read the existing ones by their key, insert
    the missing, update the changed (counted per label). Returns the rows' objects by their key's values."""
    columns = [model._meta.get_field(name).attname for name in key]  # organisation -> organisation_id

    def stored_key(obj) -> tuple:
        return tuple(getattr(obj, column) for column in columns)

    wanted = {tuple(getattr(lookup[name], "pk", lookup[name]) for name in key): (lookup, values)
              for lookup, values in rows}
    existing = {stored_key(obj): obj for obj in model.objects.filter(
        **{f"{column}__in": {k[i] for k in wanted} for i, column in enumerate(columns)})}
    missing, changed_objects, changed_fields = [], [], set()
    for k, (lookup, values) in wanted.items():
        obj = existing.get(k)
        if obj is None:
            missing.append(model(**lookup, **values))
            continue
        changed = [name for name, value in values.items() if _stored(obj, name) != getattr(value, "pk", value)]
        if changed:
            for name in changed:
                setattr(obj, name, values[name])
            changed_objects.append(obj)
            changed_fields.update(changed)
            result.count(label, created=False)
    for obj in model.objects.bulk_create(missing):
        existing[stored_key(obj)] = obj
        result.count(label, created=True)
    if changed_objects:
        model.objects.bulk_update(changed_objects, sorted(changed_fields))
    return {k: existing[k] for k in wanted}


@transaction.atomic
def reference_data_load(*, actor: Actor) -> ReferenceLoadResult:
    """Regions, municipalities with population, secretariats, paragraphs and target groups; safe to run again."""
    if not actor.is_superuser:
        raise NotAllowed()
    result = ReferenceLoadResult()
    region_rows = _data_rows("regioner.csv")
    regions = {code: region for (_kind, code), region in _upsert_all(
        Organisation, result, "regioner", ("kind", "code"),
        [({"kind": OrganisationKind.REGION, "code": row["code"]}, {"name": row["name"]}) for row in region_rows],
    ).items()}
    unlinked = [region for region in regions.values() if region.region_id != region.pk]
    for region in unlinked:  # a region is its own region
        region.region = region
    Organisation.objects.bulk_update(unlinked, ["region"])
    municipality_rows = _data_rows("kommuner.csv")
    municipalities = {code: municipality for (_kind, code), municipality in _upsert_all(
        Organisation, result, "kommuner", ("kind", "code"),
        [({"kind": OrganisationKind.MUNICIPALITY, "code": row["code"]},
          {"name": row["name"], "region": regions[row["region_code"]]}) for row in municipality_rows],
    ).items()}
    inhabitants = [(regions[row["code"]], row) for row in region_rows] + [
        (municipalities[row["code"]], row) for row in municipality_rows]
    _upsert_all(
        Population, result, "befolkningstal", ("organisation", "year"),
        [({"organisation": organisation, "year": REFERENCE_POPULATION_YEAR},
          {"inhabitants": int(row["population"]), "source": POPULATION_SOURCE}) for organisation, row in inhabitants],
    )
    _upsert_all(
        Organisation, result, "sekretariater", ("kind", "code"),
        [({"kind": OrganisationKind.SECRETARIAT, "code": row["region_code"]},
          {"name": row["name"], "region": regions[row["region_code"]]}) for row in _data_rows("secretariats.csv")],
    )
    _upsert_all(
        LegalParagraph, result, "lovparagraffer", ("code",),
        [({"code": row["code"]},
          {"law": row["law"], "paragraph": row["paragraph"], "subsection": row["subsection"], "title": row["title"]})
         for row in _data_rows("paragraphs.csv")],
    )
    _upsert_all(TargetGroup, result, "målgrupper", ("code",),
                [({"code": row["code"]}, {"name": row["name"]}) for row in _data_rows("target_groups.csv")])
    if result.created or result.updated:
        audit_record(
            actor=actor, event_type="reference.loaded", organisation_id=None,
            after={"created": result.created, "updated": result.updated},
        )
    return result


@transaction.atomic
def population_load(*, actor: Actor, path: Path, year: int) -> int:
    """Population for another year from a file shaped like kommuner.csv (code, population); all or nothing."""
    if not actor.is_superuser:
        raise NotAllowed()
    municipalities = {o.code: o for o in Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY)}
    totals: dict[int, int] = {}
    rows = list(csv.DictReader(path.read_text(encoding="utf-8").splitlines()))
    for number, row in enumerate(rows, start=2):
        municipality = municipalities.get((row.get("code") or "").strip())
        if municipality is None:
            raise DomainError(f"Række {number}, kolonne code: ukendt kommunekode «{row.get('code')}»", field="code")
        try:
            inhabitants = int(row["population"])
        except (KeyError, ValueError, TypeError):
            raise DomainError(f"Række {number}, kolonne population: skal være et helt tal", field="population")
        if inhabitants < 0:
            raise DomainError(f"Række {number}, kolonne population: må ikke være negativ", field="population")
        Population.objects.update_or_create(
            organisation=municipality, year=year, defaults={"inhabitants": inhabitants, "source": path.name}
        )
        totals[municipality.region_id] = totals.get(municipality.region_id, 0) + inhabitants
    for region_id, inhabitants in totals.items():
        Population.objects.update_or_create(
            organisation_id=region_id, year=year, defaults={"inhabitants": inhabitants, "source": f"sum af {path.name}"}
        )
    audit_record(actor=actor, event_type="population.loaded", organisation_id=None,
                 after={"year": year, "rows": len(rows), "file": path.name})
    return len(rows)


@transaction.atomic
def rulebooks_sync(*, actor: Actor) -> list[RulebookVersion]:
    """Store every rulebook file's current version; a changed file must carry a new version number."""
    if not actor.is_superuser:
        raise NotAllowed()
    stored = []
    for key in rulebooks.rulebook_keys():
        rulebook = rulebooks.rulebook_load(key=key)
        data = rulebooks.rulebook_to_data(rulebook)
        digest = rulebooks.rulebook_checksum(rulebook)
        meta = rulebook.rulebook
        existing = RulebookVersion.objects.filter(key=key, version=meta.version).first()
        if existing is not None:
            if existing.sha256 != digest:
                raise DomainError(
                    f"Regelbog {key}.toml er ændret, men version {meta.version} findes allerede: hæv versionsnummeret.",
                    field="rulebook.version",
                    message_en=f"Rulebook {key} changed without a new version number.",
                )
            stored.append(existing)
            continue
        version = RulebookVersion.objects.create(
            key=key, version=meta.version, name=meta.name, content=data, sha256=digest
        )
        audit_record(actor=actor, event_type="rulebook.loaded", organisation_id=None, obj=version,
                     after={"key": key, "version": meta.version, "sha256": digest})
        stored.append(version)
    return stored


@transaction.atomic
def agreements_from_rulebooks(*, actor: Actor) -> list[Agreement]:
    """One agreement per rulebook (its region and years), pointing at the newest stored version."""
    if not actor.is_superuser:
        raise NotAllowed()
    agreements = []
    for version in rulebooks_sync(actor=actor):
        meta = rulebook_of(version).rulebook
        region = Organisation.objects.get(kind=OrganisationKind.REGION, code=str(meta.region_code))
        agreement = Agreement.objects.filter(region=region, year_from=meta.year_from).first()
        if agreement is None:
            agreement = Agreement.objects.create(
                region=region, name=meta.name, year_from=meta.year_from, year_to=meta.year_to, rulebook=version
            )
            audit_record(actor=actor, event_type="agreement.created", organisation_id=region.pk, obj=agreement,
                         after=model_snapshot(agreement))
        elif agreement.rulebook_id != version.pk and agreement.rulebook.key == version.key \
                and agreement.rulebook.version < version.version:
            before = model_snapshot(agreement)
            agreement.rulebook = version
            agreement.save(update_fields=["rulebook"])
            audit_record(actor=actor, event_type="agreement.rulebook_changed", organisation_id=region.pk,
                         obj=agreement, before=before, after=model_snapshot(agreement))
        agreements.append(agreement)
        # A demo agreement borrows a rulebook's rules (demo/build.py): it follows that rulebook to its newest version,
        # as the agreement itself does, so an installation's demo keeps working when a version adds a section.
        for demo in Agreement.objects.filter(is_demo=True, rulebook__key=version.key,
                                             rulebook__version__lt=version.version).select_related("region"):
            before = model_snapshot(demo)
            demo.rulebook = version
            demo.save(update_fields=["rulebook"])
            audit_record(actor=actor, event_type="agreement.rulebook_changed", organisation_id=demo.region_id,
                         obj=demo, before=before, after=model_snapshot(demo))
    return agreements


@transaction.atomic
def agreement_create(
    *, actor: Actor, region: Organisation, name: str, year_from: int, year_to: int, rulebook: RulebookVersion,
    is_demo: bool = False, note: str = "",
) -> Agreement:
    if not actor.is_superuser:
        raise NotAllowed()
    if year_from > year_to:
        raise DomainError("Startåret må ikke ligge efter slutåret.", field="year_from")
    if Agreement.objects.filter(region=region, year_from__lte=year_to, year_to__gte=year_from).exists():
        raise DomainError(f"{region} har allerede en rammeaftale, der dækker {year_from}–{year_to}.", field="year_from")
    agreement = Agreement.objects.create(
        region=region, name=name, year_from=year_from, year_to=year_to, rulebook=rulebook, is_demo=is_demo, note=note
    )
    audit_record(actor=actor, event_type="agreement.created", organisation_id=region.pk, obj=agreement,
                 after=model_snapshot(agreement))
    return agreement


def organisation_validate_ids(*, cvr: str = "", ean: str = "") -> tuple[str, str]:
    """Cleaned CVR and EAN, or DomainError naming the field."""
    try:
        cvr = cvr_clean(cvr) if cvr else ""
    except IdentifierError as exc:
        raise DomainError(str(exc), field="cvr") from exc
    try:
        ean = ean_clean(ean) if ean else ""
    except IdentifierError as exc:
        raise DomainError(str(exc), field="ean") from exc
    return cvr, ean


@transaction.atomic
def private_operator_create(
    *, actor: Actor, name: str, cvr: str, region: Organisation, ean: str = "", address: str = "",
    postcode: str = "", city: str = "",
) -> Organisation:
    """A private operator (opholdssted, privat botilbud); identified by its CVR number.

    Created by the platform or by the secretariat of the region it is in."""
    if not (actor.is_superuser or (actor.has_role(Role.SECRETARIAT) and actor.region_id == region.pk)):
        raise NotAllowed("Kun regionens sekretariat kan oprette private driftsherrer.")
    cvr, ean = organisation_validate_ids(cvr=cvr, ean=ean)
    if not cvr:
        raise DomainError("En privat driftsherre skal have et CVR-nummer.", field="cvr")
    if not name.strip():
        raise DomainError("En privat driftsherre skal have et navn.", field="name")
    if Organisation.objects.filter(cvr=cvr).exists():
        raise DomainError(f"CVR-nummer {cvr} findes allerede.", field="cvr")
    organisation = Organisation.objects.create(
        kind=OrganisationKind.PRIVATE_OPERATOR, name=name.strip(), cvr=cvr, ean=ean, region=region,
        address=address, postcode=postcode, city=city,
    )
    audit_record(actor=actor, event_type="organisation.created", organisation_id=organisation.pk, obj=organisation,
                 after=model_snapshot(organisation))
    return organisation


@dataclass
class OfferInput:
    """Everything that describes an offer; validated by offer_create / offer_update."""

    operator: Organisation
    municipality: Organisation
    name: str
    offer_type: str
    paragraphs: list[LegalParagraph]
    target_groups: list[TargetGroup] = field(default_factory=list)
    address: str = ""
    postcode: str = ""
    city: str = ""
    tilbudsportalen_id: str | None = None
    is_short_stay: bool = False
    description: str = ""
    internal_note: str = ""
    age_from: int | None = None  # the ages the offer is approved for, in whole years; None: no bound
    age_to: int | None = None


def offer_input_validate(data: OfferInput, *, offer_id: int | None = None) -> None:
    if not data.name.strip():
        raise DomainError("Tilbuddet skal have et navn.", field="name", message_en="name is required")
    if data.operator.kind not in OPERATOR_KINDS:
        raise DomainError(
            f"{data.operator} kan ikke være driftsherre (kun kommuner, regioner og private).", field="operator"
        )
    if data.municipality.kind != OrganisationKind.MUNICIPALITY:
        raise DomainError(f"{data.municipality} er ikke en kommune.", field="municipality")
    if data.offer_type not in OfferType.values:
        raise DomainError(f"Ukendt tilbudstype «{data.offer_type}».", field="offer_type")
    if not data.paragraphs:
        raise DomainError("Tilbuddet skal have mindst ét lovgrundlag (paragraf).", field="paragraphs")
    for name, age in (("age_from", data.age_from), ("age_to", data.age_to)):
        if age is not None and not 0 <= age <= AGE_MAX:
            raise DomainError(f"Alderen skal være mellem 0 og {AGE_MAX} år (fik {age}).", field=name,
                              message_en=f"{name} must be between 0 and {AGE_MAX}")
    if data.age_from is not None and data.age_to is not None and data.age_from > data.age_to:
        raise DomainError(f"«Alder fra» ({data.age_from}) er større end «alder til» ({data.age_to}).",
                          field="age_to", message_en="age_from is greater than age_to")
    if data.postcode and not (data.postcode.isdigit() and len(data.postcode) == 4):
        raise DomainError(f"Postnummer «{data.postcode}» skal være fire cifre.", field="postcode")
    if data.tilbudsportalen_id:
        clash = Offer.objects.filter(tilbudsportalen_id=data.tilbudsportalen_id).exclude(pk=offer_id)
        if clash.exists():
            raise DomainError(
                f"Tilbudsportalen-id {data.tilbudsportalen_id} er allerede brugt af et andet tilbud.",
                field="tilbudsportalen_id",
            )


def _offer_fields(data: OfferInput) -> dict:
    return {
        "operator": data.operator, "municipality": data.municipality, "name": data.name.strip(),
        "offer_type": data.offer_type, "address": data.address, "postcode": data.postcode, "city": data.city,
        "tilbudsportalen_id": data.tilbudsportalen_id or None, "is_short_stay": data.is_short_stay,
        "description": data.description, "internal_note": data.internal_note, "age_from": data.age_from,
        "age_to": data.age_to,
    }


@transaction.atomic
def offer_create(*, actor: Actor, data: OfferInput) -> Offer:
    if not can_manage_offer(actor, operator_id=data.operator.pk, region_id=data.municipality.region_id):
        raise NotAllowed("Du må kun oprette tilbud for din egen organisation.")
    offer_input_validate(data)
    offer = Offer.objects.create(**_offer_fields(data))
    offer.paragraphs.set(data.paragraphs)
    offer.target_groups.set(data.target_groups)
    audit_record(actor=actor, event_type="offer.created", organisation_id=offer.operator_id, obj=offer,
                 after=model_snapshot(offer))
    return offer


@transaction.atomic
def offer_update(*, actor: Actor, offer: Offer, data: OfferInput) -> Offer:
    region_id = offer.municipality.region_id
    if not can_manage_offer(actor, operator_id=offer.operator_id, region_id=region_id) or not can_manage_offer(
        actor, operator_id=data.operator.pk, region_id=data.municipality.region_id
    ):
        raise NotAllowed("Du må kun ændre tilbud, som din organisation driver.")
    offer_input_validate(data, offer_id=offer.pk)
    before = model_snapshot(offer)
    for name, value in _offer_fields(data).items():
        setattr(offer, name, value)
    offer.save()
    offer.paragraphs.set(data.paragraphs)
    offer.target_groups.set(data.target_groups)
    after = model_snapshot(offer)
    if after != {**before, "updated_at": after["updated_at"]}:
        audit_record(actor=actor, event_type="offer.updated", organisation_id=offer.operator_id, obj=offer,
                     before=before, after=after)
    return offer


def _require_manage(actor: Actor, offer: Offer) -> None:
    if not can_manage_offer(actor, operator_id=offer.operator_id, region_id=offer.municipality.region_id):
        raise NotAllowed("Du må kun ændre tilbud, som din organisation driver.")


@transaction.atomic
def offer_capacity_set(*, actor: Actor, offer: Offer, valid_from: date, places: int, note: str = "") -> OfferCapacity:
    """Places from a date on (a new dated record, or a correction of the record for that date)."""
    _require_manage(actor, offer)
    if places < 0:
        raise DomainError(f"Kapaciteten må ikke være negativ ({places} pladser).", field="places",
                          message_en="capacity must not be negative")
    capacity = OfferCapacity.objects.filter(offer=offer, valid_from=valid_from).first()
    before = model_snapshot(capacity) if capacity else None
    if capacity is None:
        capacity = OfferCapacity(offer=offer, valid_from=valid_from)
    capacity.places, capacity.note = places, note
    if before != model_snapshot(capacity):
        capacity.save()
        audit_record(actor=actor, event_type="offer.capacity_set", organisation_id=offer.operator_id, obj=offer,
                     before=before, after=model_snapshot(capacity))
    return capacity


@transaction.atomic
def offer_category_set(
    *, actor: Actor, offer: Offer, year: int, category: str, reason: str = "", suggested_category: str = "",
    suggestion_reason: str = "",
) -> OfferCategory:
    """The year's category, a manual assessment (with the rulebook's suggestion beside it), one of the categories
    the agreement uses; once set it is locked for the year where the rulebook says so: "Tilbud kan ikke ændre
    kategori i løbet af året" (seed 002, Særligt for Styringsaftalen)."""
    _require_manage(actor, offer)
    if category not in Category.values:
        raise DomainError(f"Ukendt kategori «{category}».", field="category")
    used, locked = tuple(Category.values), True  # without an agreement's rules: any category, locked for the year
    try:
        rules = rules_in_force(region=offer.municipality.region_id, on=date(year, 1, 1)).rulebook.categorisation
    except DomainError:
        pass
    else:
        used, locked = rules.categories.value, rules.locked_for_year.value
    if category not in used:
        names = ", ".join(Category(code).label for code in used)
        raise DomainError(f"Rammeaftalen bruger ikke kategorien «{Category(category).label}» for {year}; den bruger: "
                          f"{names}.", field="category", message_en="the agreement does not use this category")
    existing = OfferCategory.objects.filter(offer=offer, year=year).first()
    if locked and existing is not None and existing.decided_at is not None and existing.category != category:
        raise DomainError(
            f"Kategorien for {year} er låst ({existing.get_category_display()}); et tilbud kan ikke skifte kategori i "
            "løbet af året. En ny kategori gælder fra næste år.", field="category",
        )
    before = model_snapshot(existing) if existing else None
    record = existing or OfferCategory(offer=offer, year=year)
    record.category = category
    record.reason = reason.strip()
    record.suggested_category = suggested_category
    record.suggestion_reason = suggestion_reason
    record.decided_by_id = actor.user_id
    record.decided_at = timezone.now()
    record.save()
    audit_record(actor=actor, event_type="offer.category_set", organisation_id=offer.operator_id, obj=offer,
                 before=before, after=model_snapshot(record))
    return record


@transaction.atomic
def service_create(*, actor: Actor, offer: Offer, name: str, kind: str = ServiceKind.BASIS,
                   unit: str = ServiceUnit.DAY) -> Service:
    _require_manage(actor, offer)
    if not name.strip():
        raise DomainError("Ydelsen skal have et navn.", field="name")
    if kind not in ServiceKind.values:
        raise DomainError(f"Ukendt ydelsestype «{kind}».", field="kind")
    if unit not in ServiceUnit.values:
        raise DomainError(f"Ukendt enhed «{unit}».", field="unit")
    if offer.services.filter(name=name.strip()).exists():
        raise DomainError(f"Tilbuddet har allerede en ydelse ved navn «{name}».", field="name")
    service = Service.objects.create(offer=offer, name=name.strip(), kind=kind, unit=unit)
    audit_record(actor=actor, event_type="service.created", organisation_id=offer.operator_id, obj=service,
                 after=model_snapshot(service))
    return service
