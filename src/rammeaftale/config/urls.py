"""URL routes: the Danish pages, the REST API and Django admin."""
from django.contrib import admin
from django.urls import include, path

from rammeaftale.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("takster/", include("rammeaftale.tariffs.urls")),
    path("placeringer/", include("rammeaftale.placements.urls")),
    path("afregning/", include("rammeaftale.billing.urls")),
    path("belaegning/", include("rammeaftale.occupancy.urls")),
    path("", include("rammeaftale.web.urls")),
]
