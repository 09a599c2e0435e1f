"""Proposals that change an offer's life (issue 15): a capacity change, a closure, a municipality's takeover of a
regional offer — each with its effective date, checked against the rulebook's `[lifecycle]`, consulted where the
rulebook says so, then decided with the decision's reference and recorded in the registry's dated history."""
from django.conf import settings
from django.db import models

from rammeaftale.parties.models import Organisation
from rammeaftale.registry.models import Offer
from rammeaftale.rulebooks import rulebook_load


class ProposalKind(models.TextChoices):
    OPENING = "opening", "Oprettelse af tilbud"
    CAPACITY = "capacity", "Ændring af kapacitet"
    CLOSURE = "closure", "Lukning"
    TAKEOVER = "takeover", "Overtagelse af regionalt tilbud"


class ProposalStatus(models.TextChoices):
    CONSULTATION = "consultation", "I høring"
    PROPOSED = "proposed", "Foreslået"
    DECIDED = "decided", "Besluttet"
    WITHDRAWN = "withdrawn", "Trukket tilbage"


class OfferProposal(models.Model):
    kind = models.CharField("type", max_length=20, choices=ProposalKind.choices)
    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="proposals", verbose_name="tilbud")
    proposer = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+",
                                 verbose_name="foreslået af")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    created_on = models.DateField("foreslået")
    effective_date = models.DateField("virkning fra")
    places = models.PositiveIntegerField("pladser fra datoen", null=True, blank=True)
    places_before = models.PositiveIntegerField("pladser før", null=True, blank=True)
    new_operator = models.ForeignKey(Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                     verbose_name="ny driftsherre")
    reason = models.TextField("begrundelse")
    consultation_until = models.DateField("høringsfrist (sidste dag)", null=True, blank=True)
    status = models.CharField("status", max_length=20, choices=ProposalStatus.choices)
    rulebook_key = models.CharField("regelbog", max_length=60)
    rulebook_version = models.PositiveSmallIntegerField("regelbogens version")
    decision_reference = models.CharField("beslutning", max_length=300, blank=True)
    decided_on = models.DateField("besluttet", null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    applied_on = models.DateField("trådt i kraft", null=True, blank=True)  # a takeover: the day it moved the offer

    class Meta:
        verbose_name = "forslag om ændring af tilbud"
        verbose_name_plural = "forslag om ændring af tilbud"
        ordering = ["-created_on", "-pk"]
        indexes = [models.Index(fields=["status", "effective_date"], name="proposal_status_date")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.offer} fra {self.effective_date:%d.%m.%Y}"

    @property
    def rulebook_name(self) -> str:
        return rulebook_load(key=self.rulebook_key).name


class ProposalComment(models.Model):
    """A buyer's or a municipality's comment in the consultation."""

    proposal = models.ForeignKey(OfferProposal, on_delete=models.CASCADE, related_name="comments")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True)
    text = models.TextField("bemærkning")
    created_at = models.DateTimeField("skrevet", auto_now_add=True)

    class Meta:
        verbose_name = "høringssvar"
        verbose_name_plural = "høringssvar"
        ordering = ["created_at", "pk"]
