from django.apps import AppConfig


class EconomyConfig(AppConfig):
    name = "rammeaftale.economy"
    label = "economy"
    verbose_name = "Økonomi"
