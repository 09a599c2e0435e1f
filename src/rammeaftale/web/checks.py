"""Deployment checks of our own, run by `rammeaftale check --deploy` and before `rammeaftale serve` starts:
what Django's checks cannot see about where the secrets and static files come from (docs/deploy.md)."""
from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def secrets_check(app_configs, **kwargs) -> list[Warning]:
    found = []
    if getattr(settings, "SECRET_KEY_GENERATED", False):
        found.append(Warning(
            "SECRET_KEY er genereret i var/ ved siden af databasen (kun til demo og udvikling).",
            hint="Sæt RAMMEAFTALE_SECRET_KEY_FILE (eller RAMMEAFTALE_SECRET_KEY) til en nøgle uden for var/; "
                 "se docs/deploy.md.",
            id="rammeaftale.W001",
        ))
    if settings.CPR_KEY_FILE.is_relative_to(settings.VAR_DIR):
        found.append(Warning(
            f"CPR-nøglen ({settings.CPR_KEY_FILE}) ligger under var/ sammen med databasen: en kopi af var/ "
            "afslører CPR-numrene.",
            hint="Sæt RAMMEAFTALE_CPR_KEY_FILE til en fil uden for var/ (fx /etc/rammeaftale/cpr.key), og tag "
                 "sikkerhedskopi af den for sig; se docs/deploy.md.",
            id="rammeaftale.W002",
        ))
    return found


@register(Tags.staticfiles, deploy=True)
def static_collected_check(app_configs, **kwargs) -> list[Warning]:
    if not getattr(settings, "STATIC_COLLECTED", False):
        return []
    if (settings.STATIC_ROOT / "staticfiles.json").exists():
        return []
    return [Warning(
        f"De statiske filer er ikke samlet i {settings.STATIC_ROOT}: siderne vises uden stylesheet.",
        hint="Kør `rammeaftale collectstatic --noinput` efter hver installation eller opdatering.",
        id="rammeaftale.W003",
    )]
