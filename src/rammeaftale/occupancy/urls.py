"""The occupancy pages under /belaegning/: the twice-yearly report and the capacity and occupancy analysis."""
from django.urls import include, path

from rammeaftale.occupancy import views

app_name = "occupancy"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("analyse/", include("rammeaftale.occupancy.analysis_urls")),
]
