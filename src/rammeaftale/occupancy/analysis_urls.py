"""The capacity and occupancy analysis pages under /belaegning/analyse/."""
from django.urls import path

from rammeaftale.occupancy import analysis_views

urlpatterns = [
    path("", analysis_views.analysis, name="analysis"),
    path("grafer/", analysis_views.analysis_charts, name="analysis_charts"),
    path("eksport.<str:fmt>", analysis_views.analysis_export, name="analysis_export"),
]
