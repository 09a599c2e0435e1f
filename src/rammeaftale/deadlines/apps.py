from django.apps import AppConfig


class DeadlinesConfig(AppConfig):
    name = "rammeaftale.deadlines"
    label = "deadlines"
    verbose_name = "Årshjul"
