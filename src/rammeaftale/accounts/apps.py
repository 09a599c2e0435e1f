from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "rammeaftale.accounts"
    label = "accounts"
    verbose_name = "Brugere og revisionsspor"
