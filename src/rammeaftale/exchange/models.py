"""An operator's confirmation of an offer's free places («bekræftet ledig»)."""
from django.conf import settings
from django.db import models

from rammeaftale.parties.models import Organisation
from rammeaftale.placements.models import Placement
from rammeaftale.registry.models import LegalParagraph, Offer, TargetGroup


class VacancyConfirmation(models.Model):
    """The operator's word, on a day, that the offer has this many free places from a date. The newest counts; it is
    trusted for the rulebook's `exchange.confirmation_valid_days`, then shown as unconfirmed with its age. A record
    is never changed: a new confirmation is a new row."""

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="vacancy_confirmations")
    places = models.PositiveIntegerField("ledige pladser")
    free_from = models.DateField("ledig fra")
    note = models.CharField("bemærkning", max_length=300, blank=True)
    confirmed_on = models.DateField("bekræftet den")
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("oprettet", auto_now_add=True)

    class Meta:
        verbose_name = "bekræftet ledighed"
        verbose_name_plural = "bekræftede ledigheder"
        indexes = [models.Index(fields=["offer", "-confirmed_on", "-id"], name="vacancy_confirmation_newest")]

    def __str__(self) -> str:
        return f"{self.offer.name}: {self.places} ledige fra {self.free_from:%d.%m.%Y}"


class VacancyRequest(models.Model):
    """A caseworker's request («forespørgsel»): one need sent to several offers at once, anonymised (no CPR before a
    placement is made), with a deadline for the operators' answers."""

    municipality = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+",
                                     verbose_name="kommune")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name="sagsbehandler")
    target_group = models.ForeignKey(TargetGroup, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                     verbose_name="målgruppe")
    paragraph = models.ForeignKey(LegalParagraph, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                  verbose_name="lovgrundlag")
    start_date = models.DateField("ønsket startdato")
    description = models.TextField("beskrivelse af behovet (uden CPR-nummer)", max_length=2000)
    answer_by = models.DateField("svarfrist (sidste dag)")
    created_on = models.DateField("sendt den")
    created_at = models.DateTimeField("oprettet", auto_now_add=True)

    class Meta:
        verbose_name = "forespørgsel"
        verbose_name_plural = "forespørgsler"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["municipality", "-created_at"], name="vacancy_request_municipality")]


class Answer(models.TextChoices):
    PENDING = "pending", "Afventer svar"
    YES = "yes", "Ja, der er plads"
    NO = "no", "Nej"
    WAITING_LIST = "waiting_list", "Venteliste"
    EXPIRED = "expired", "Udløbet uden svar"


class VacancyRequestOffer(models.Model):
    """One offer a request went to, and its operator's answer; a yes can be turned into a reservation."""

    request = models.ForeignKey(VacancyRequest, on_delete=models.CASCADE, related_name="recipients")
    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="+", verbose_name="tilbud")
    answer = models.CharField("svar", max_length=12, choices=Answer.choices, default=Answer.PENDING)
    note = models.CharField("bemærkning", max_length=500, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name="besvaret af")
    answered_at = models.DateTimeField("besvaret", null=True, blank=True)
    placement = models.OneToOneField(Placement, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                     verbose_name="reservation")

    class Meta:
        verbose_name = "forespurgt tilbud"
        verbose_name_plural = "forespurgte tilbud"
        ordering = ["request", "id"]
        constraints = [models.UniqueConstraint(fields=["request", "offer"], name="vacancy_request_offer_unique")]
        indexes = [models.Index(fields=["offer", "answer"], name="vacancy_request_offer_answer")]


class Notification(models.Model):
    """Something that awaits a user (a request, an answer, an expiring confirmation or hold), shown in the app and
    sent by e-mail (`emailed_at`) through Django's e-mail backend."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField("slags", max_length=40)
    text = models.CharField("tekst", max_length=300)
    link = models.CharField("link", max_length=300, blank=True)
    created_at = models.DateTimeField("oprettet", auto_now_add=True)
    read_at = models.DateTimeField("læst", null=True, blank=True)
    emailed_at = models.DateTimeField("sendt som e-mail", null=True, blank=True)

    class Meta:
        verbose_name = "besked"
        verbose_name_plural = "beskeder"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_unread")]


class SinglePersonConsultation(models.Model):
    """Sjælland 2025–26 (`market.ask_others_before_single_person_offer`): before a municipality creates a
    single-person offer (enkeltmandstilbud) it asks the region's other municipalities whether they would join a
    shared residential offer; the outcome is recorded on the new offer and visible to the secretariat."""

    municipality = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+",
                                     verbose_name="kommune")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name="oprettet af")
    target_group = models.ForeignKey(TargetGroup, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                     verbose_name="målgruppe")
    paragraph = models.ForeignKey(LegalParagraph, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                  verbose_name="lovgrundlag")
    description = models.TextField("beskrivelse af behovet (uden CPR-nummer)", max_length=2000)
    planned_start = models.DateField("planlagt start")
    answer_by = models.DateField("svarfrist (sidste dag)")
    created_on = models.DateField("sendt den")
    created_at = models.DateTimeField("oprettet", auto_now_add=True)
    outcome = models.TextField("udfald", blank=True)
    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="single_person_consultations", verbose_name="det nye tilbud")
    closed_at = models.DateTimeField("afsluttet", null=True, blank=True)

    class Meta:
        verbose_name = "afsøgning før enkeltmandstilbud"
        verbose_name_plural = "afsøgninger før enkeltmandstilbud"
        ordering = ["-created_at", "-id"]


class JoinAnswer(models.TextChoices):
    JOIN = "join", "Vil gerne være med"
    NO = "no", "Nej tak"


class ConsultationAnswer(models.Model):
    consultation = models.ForeignKey(SinglePersonConsultation, on_delete=models.CASCADE, related_name="answers")
    municipality = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+",
                                     verbose_name="kommune")
    answer = models.CharField("svar", max_length=4, choices=JoinAnswer.choices)
    note = models.CharField("bemærkning", max_length=500, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name="besvaret af")
    answered_at = models.DateTimeField("besvaret", auto_now_add=True)

    class Meta:
        verbose_name = "svar på afsøgning"
        verbose_name_plural = "svar på afsøgninger"
        constraints = [models.UniqueConstraint(fields=["consultation", "municipality"],
                                               name="consultation_answer_unique")]
