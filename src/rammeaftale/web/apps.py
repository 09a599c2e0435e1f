from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "rammeaftale.web"
    label = "web"
    verbose_name = "Web"

    def ready(self) -> None:
        from rammeaftale.web import checks  # noqa: F401  (registers the deployment checks)
