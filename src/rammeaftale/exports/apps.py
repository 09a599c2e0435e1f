from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "rammeaftale.exports"
    label = "exports"
    verbose_name = "Eksporter: dokumenter, der dannes i baggrunden"
