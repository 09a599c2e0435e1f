from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "rammeaftale.billing"
    label = "billing"
    verbose_name = "Afregning: månedlige kørsler, fakturaer og kreditnotaer"
