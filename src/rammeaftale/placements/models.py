"""Placements (køb af plads): the citizen, who acts and who pays, the offer and its services, dates and notice."""
from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import F, Value
from django.db.models.functions import Coalesce

from rammeaftale.parties.models import Organisation
from rammeaftale.registry.models import Offer, Service

# The end of a placement without an end date, as a day later than any real one: "ends after X" is then one range
# condition an index can serve (`ends_on`), where "no end or an end after X" is two.
OPEN_END = date(9999, 12, 31)


def ends_on(end_date: str = "end_date") -> Coalesce:
    """The placement's end (at `end_date`, a lookup path to it), OPEN_END where it has none: as the index
    `placement_offer_end` has it, so that PostgreSQL reads an offer's placements running after a day from it."""
    return Coalesce(end_date, Value(OPEN_END))


class PlacementStatus(models.TextChoices):
    REQUESTED = "requested", "Anmodet"
    RESERVED = "reserved", "Reserveret"
    ACTIVE = "active", "Aktiv"
    NOTICE_GIVEN = "notice_given", "Opsagt"
    ENDED = "ended", "Afsluttet"
    CANCELLED = "cancelled", "Annulleret"


# Placements that hold a place: they count against capacity and are charged.
HOLDING_STATUSES = (PlacementStatus.RESERVED, PlacementStatus.ACTIVE, PlacementStatus.NOTICE_GIVEN)
CHARGED_STATUSES = (*HOLDING_STATUSES, PlacementStatus.ENDED)


class PayerConsent(models.TextChoices):
    """The paying municipality's consent when another municipality acts (buys) and names it as the payer."""

    NOT_NEEDED = "not_needed", "Ikke nødvendig (handlekommunen betaler)"
    PENDING = "pending", "Venter på betalingskommunens accept"
    ACCEPTED = "accepted", "Accepteret af betalingskommunen"
    DECLINED = "declined", "Afvist af betalingskommunen"


# Only these bind the paying municipality: it may see the citizen, and the placement may hold a place and be charged.
CONSENTED = (PayerConsent.NOT_NEEDED, PayerConsent.ACCEPTED)


class Custody(models.TextChoices):
    """Forældremyndighed, as the national standard contract for children lists it (domain_rules.md § 6)."""

    NOT_RELEVANT = "", "Ikke relevant (voksen)"
    MOTHER = "mother", "Moderen"
    FATHER = "father", "Faderen"
    JOINT = "joint", "Fælles"
    PENDING = "pending", "Uafklaret (under behandling i Familieretshuset)"
    OTHER = "other", "Anden forældremyndighedsindehaver eller værge"


class Placement(models.Model):
    """One citizen's place in an offer, bought by the acting municipality and paid by the paying municipality.

    Dates are half-open: the placement holds the place from `start_date` up to, not including, the first of
    `moved_out_on`, `end_date` and `planned_end`; it is charged up to `charged_until()` (see selectors).
    """

    reference = models.CharField("placeringsnummer", max_length=20, unique=True)
    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="placements", verbose_name="tilbud")
    acting_municipality = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="acting_placements", verbose_name="handlekommune",
    )
    paying_municipality = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="paying_placements", verbose_name="betalingskommune",
    )
    citizen_name = models.CharField("borgerens navn", max_length=200)
    citizen_address = models.CharField("folkeregisteradresse", max_length=300, blank=True)
    cpr_encrypted = models.TextField("CPR-nummer (krypteret)")
    cpr_index = models.CharField("CPR-søgenøgle", max_length=64, db_index=True)
    cpr_masked = models.CharField("CPR-nummer (maskeret)", max_length=11)
    birth_date = models.DateField("fødselsdato")
    household_key = models.CharField(
        "husstand (SEL § 176)", max_length=40, blank=True,
        help_text="Børn under 18 år i samme husstand, som kommunen betaler for, får samme nøgle: de lægges sammen som "
                  "én sag i statsrefusionen for særligt dyre enkeltsager (serviceloven § 176).",
    )
    custody = models.CharField("forældremyndighed", max_length=10, choices=Custody.choices, blank=True)
    contact_name = models.CharField("kontaktperson i handlekommunen", max_length=200, blank=True)
    contact_phone = models.CharField("telefon", max_length=30, blank=True)
    contact_email = models.EmailField("e-mail", blank=True)
    start_date = models.DateField("startdato")
    planned_end = models.DateField("planlagt slutdato (første dag uden plads)", null=True, blank=True)
    status = models.CharField("status", max_length=20, choices=PlacementStatus.choices,
                              default=PlacementStatus.REQUESTED)
    reserved_until = models.DateField(
        "reserveret til (holdedato)", null=True, blank=True,
        help_text="Den sidste dag, reservationen holdes: er borgeren ikke flyttet ind (aktiveret) senest denne dag, "
                  "frigives pladsen ved den daglige kørsel (rammeaftale exchange daily).",
    )
    notice_given_on = models.DateField("opsagt den", null=True, blank=True)
    notice_end = models.DateField("opsigelsen udløber (første dag uden betaling)", null=True, blank=True)
    notice_full_tariff = models.BooleanField(
        "fuld takst i hele opsigelsesperioden", null=True, blank=True,
        help_text="Afgjort af reglerne den dag, opsigelsen blev givet; også efter en tidligere fraflytning.",
    )
    moved_out_on = models.DateField("fraflyttet (første dag uden borgeren)", null=True, blank=True)
    end_date = models.DateField("slutdato (første dag uden plads og betaling)", null=True, blank=True)
    early_end_agreement = models.CharField(
        "driftsherrens accept af en slutdato før opsigelsesvarslet", max_length=300, blank=True,
        help_text="Hvem hos driftsherren der accepterede, og hvornår; tom, når varslet er overholdt.",
    )
    covered_by_agreement = models.BooleanField("omfattet af styringsaftalen", default=True)
    agreement_coverage_note = models.CharField(
        "hvorfor ikke omfattet af styringsaftalen", max_length=300, blank=True,
        help_text="Fx «tilbuddet er privat» eller «betalingskommunen ligger uden for Region Syddanmark».",
    )
    # Seed 000, "Særligt for Styringsaftalen": a purchase outside the region carries "en konkret og individuel
    # betalingsaftale" (underskudsdeling, takst, afregning), which "skal tage udgangspunkt i takstprincipperne".
    payment_agreement = models.TextField(
        "individuel betalingsaftale", blank=True,
        help_text="Køb uden for styringsaftalen: hvad køber og sælger har aftalt, eller aftalens reference.",
    )
    payment_agreement_follows_tariff_principles = models.BooleanField(
        "betalingsaftalen følger styringsaftalens takstprincipper", null=True, blank=True,
    )
    over_occupancy_reason = models.TextField("begrundelse for overbelægning", blank=True)
    cancelled_reason = models.TextField("begrundelse for annullering", blank=True)
    payer_consent = models.CharField(
        "betalingskommunens accept", max_length=12, choices=PayerConsent.choices, default=PayerConsent.NOT_NEEDED,
        help_text="Betaler en anden kommune end handlekommunen, er købet en anmodning til den, indtil den accepterer.",
    )
    payer_justification = models.TextField(
        "begrundelse til betalingskommunen", blank=True,
        help_text="Handlekommunens begrundelse for, at betalingskommunen skal betale; den ser teksten før sin accept.",
    )
    reserve_on_consent = models.BooleanField(
        "reservér ved accept", default=False,
        help_text="Sagsbehandleren bad om at reservere pladsen; det sker, når betalingskommunen accepterer.",
    )
    payer_consent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                         related_name="+", verbose_name="besvaret af")
    payer_consent_at = models.DateTimeField("besvaret", null=True, blank=True)
    payer_consent_note = models.TextField("betalingskommunens bemærkning eller begrundelse for afvisning", blank=True)
    is_internal = models.BooleanField(
        "driftsherrens egen borger", default=False,
        help_text="Driftsherrens egne borgere tæller i belægningen, men faktureres ikke.",
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField("oprettet", auto_now_add=True)
    updated_at = models.DateTimeField("ændret", auto_now=True)

    class Meta:
        verbose_name = "placering"
        verbose_name_plural = "placeringer"
        ordering = ["-start_date", "reference"]
        indexes = [
            models.Index(fields=["offer", "status"], name="placement_offer_status"),
            models.Index(fields=["paying_municipality", "status"], name="placement_payer_status"),
            models.Index(fields=["paying_municipality", "payer_consent"], name="placement_payer_consent"),
            # an offer's placements that run after a day (the settlement of a seller's month reads them by offer)
            models.Index(F("offer"), ends_on(), name="placement_offer_end"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} ({self.offer.name})"

    @property
    def contract_variant(self) -> str:
        """The standard contract's template: «Rammeaftale» when the Styringsaftale covers the purchase."""
        return contract_variant_of(self.covered_by_agreement)

    @property
    def payer_consented(self) -> bool:
        """The paying municipality is bound: it is the acting one, or it has accepted."""
        return self.payer_consent in CONSENTED

    @property
    def holds_until(self):
        """The first day the place is free again (None: open-ended)."""
        return holds_until_of(self.moved_out_on, self.end_date, self.planned_end, self.notice_end)


# The properties above from plain values (the API's list reads its rows as values, not as placements).


def contract_variant_of(covered_by_agreement: bool) -> str:
    return "Rammeaftale" if covered_by_agreement else "Ikke Rammeaftale"


# The fields whose earliest set date is the first day a placement no longer holds its place (`holds_until`).
HOLD_ENDS = ("moved_out_on", "end_date", "planned_end", "notice_end")


def holds_until_of(*ends):
    """The earliest of the move-out, end, planned end and notice end that is set (None: open-ended)."""
    days = [day for day in ends if day]
    return min(days) if days else None


class PlacementService(models.Model):
    """A service (ydelse) bought for the placement: the basis service and any tilvalg or tillæg, from a date."""

    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="services")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="placement_services",
                                verbose_name="ydelse")
    valid_from = models.DateField("fra")
    valid_to = models.DateField("til (første dag uden)", null=True, blank=True)

    class Meta:
        verbose_name = "købt ydelse"
        verbose_name_plural = "købte ydelser"
        ordering = ["valid_from", "id"]

    def __str__(self) -> str:
        return f"{self.placement.reference}: {self.service.name}"


class RegisteredHours(models.Model):
    """Hours delivered under an hour-based service (e.g. § 85 støtte), in minutes, per day."""

    placement_service = models.ForeignKey(PlacementService, on_delete=models.CASCADE, related_name="hours")
    day = models.DateField("dato")
    minutes = models.PositiveIntegerField("minutter")
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                      related_name="+")

    class Meta:
        verbose_name = "registrerede timer"
        verbose_name_plural = "registrerede timer"
        constraints = [models.UniqueConstraint(fields=["placement_service", "day"], name="hours_one_per_day")]


class PublicVacancyCheck(models.Model):
    """Before a buyer whose rules say so (Sjælland 2025–26, `market.check_public_vacancies_before_private`) buys a
    place in a private offer, it is shown the public vacancies matching the need. What it was shown (a snapshot of
    the search), its reason for buying private anyway and who gave it are kept with the placement, for the
    secretariat's yearly list."""

    buyer = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+", verbose_name="køber")
    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="+", verbose_name="privat tilbud")
    start_date = models.DateField("startdato")
    public_vacancies = models.JSONField("offentlige ledige pladser vist", default=list)
    reason = models.TextField("begrundelse for køb hos privat", blank=True)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name="sagsbehandler")
    checked_at = models.DateTimeField("afstemt", auto_now_add=True)
    placement = models.OneToOneField(Placement, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="public_vacancy_check", verbose_name="placering")

    class Meta:
        verbose_name = "afstemning af offentlige ledige pladser"
        verbose_name_plural = "afstemninger af offentlige ledige pladser"
        indexes = [models.Index(fields=["buyer", "checked_at"], name="public_check_buyer")]
