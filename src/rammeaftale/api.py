"""The REST API (django-ninja): each app contributes a router; OpenAPI at /api/docs."""
from ninja import NinjaAPI
from ninja.security import django_auth

api = NinjaAPI(
    title="Rammeaftale API",
    version="1",
    description="Parter, rammeaftaler, regelbøger og tilbud. Alle svar er afgrænset til den indloggede brugers organisation og roller.",
    auth=django_auth,
    urls_namespace="api",
)
