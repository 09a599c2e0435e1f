"""The occupancy pages under /belaegning/: the twice-yearly report and the capacity and occupancy analysis."""
from django.urls import include, path

from rammeaftale.occupancy import views

app_name = "occupancy"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("indberetning/<id:agreement_id>/<str:code>/start/", views.report_start, name="report_start"),
    path("indberetning/<id:report_id>/", views.report, name="report"),
    path("indberetning/<id:report_id>/graf/<id:offer_id>/", views.report_chart, name="report_chart"),
    path("samlet/<id:agreement_id>/<str:code>/", views.compiled, name="compiled"),
    path("samlet/<id:agreement_id>/<str:code>/eksport.<str:fmt>", views.compiled_export, name="compiled_export"),
    path("tilbud/<id:offer_id>/", views.offer_occupancy, name="offer"),
    path("tilbud/<id:offer_id>/graf/", views.offer_chart, name="offer_chart"),
    path("analyse/", include("rammeaftale.occupancy.analysis_urls")),
]
