from django.apps import AppConfig


class TariffsConfig(AppConfig):
    name = "rammeaftale.tariffs"
    label = "tariffs"
    verbose_name = "Takster"
