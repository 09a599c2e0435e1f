from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "rammeaftale.web"
    label = "web"
    verbose_name = "Web"
