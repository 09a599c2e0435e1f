from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "rammeaftale.registry"
    label = "registry"
    verbose_name = "Register: parter, aftaler og tilbud"
