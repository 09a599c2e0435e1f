"""An operator's confirmation of an offer's free places («bekræftet ledig»)."""
from django.conf import settings
from django.db import models

from rammeaftale.registry.models import Offer


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
