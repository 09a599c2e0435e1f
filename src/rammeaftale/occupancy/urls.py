"""The occupancy pages under /belaegning/: the twice-yearly report and the capacity and occupancy analysis."""
from django.urls import include, path

from rammeaftale.occupancy import views

app_name = "occupancy"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("indberetning/<int:agreement_id>/<str:code>/start/", views.report_start, name="report_start"),
    path("indberetning/<int:report_id>/", views.report, name="report"),
    path("samlet/<int:agreement_id>/<str:code>/", views.compiled, name="compiled"),
    path("samlet/<int:agreement_id>/<str:code>/eksport.<str:fmt>", views.compiled_export, name="compiled_export"),
    path("tilbud/<int:offer_id>/", views.offer_occupancy, name="offer"),
    path("analyse/", include("rammeaftale.occupancy.analysis_urls")),
]
