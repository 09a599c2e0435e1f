from django.apps import AppConfig


class LifecycleConfig(AppConfig):
    name = "rammeaftale.lifecycle"
    label = "lifecycle"
    verbose_name = "Tilbuddets liv"
