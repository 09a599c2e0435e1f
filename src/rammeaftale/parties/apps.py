from django.apps import AppConfig


class PartiesConfig(AppConfig):
    name = "rammeaftale.parties"
    label = "parties"
    verbose_name = "Parter: kommuner, regioner, driftsherrer og sekretariater"
