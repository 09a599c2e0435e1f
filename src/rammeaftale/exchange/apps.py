from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "rammeaftale.exchange"
    label = "exchange"
    verbose_name = "Ledige pladser"
