from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "rammeaftale.demo"
    label = "demo"
    verbose_name = "Demodata og opstart"
