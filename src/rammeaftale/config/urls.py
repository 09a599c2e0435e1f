"""URL routes: the Danish pages, the REST API and Django admin."""
from django.contrib import admin
from django.urls import include, path

from rammeaftale.api import api
from rammeaftale.occupancy.category_urls import category_urlpatterns
from rammeaftale.tariffs import urls as tariff_urls

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    # The category page counts sales with the occupancy engine, so it lives in the occupancy app (tariffs may not
    # import occupancy); it keeps its place and name among the tariff pages: tariffs:category.
    path("takster/", include((tariff_urls.urlpatterns + category_urlpatterns, tariff_urls.app_name))),
    path("placeringer/", include("rammeaftale.placements.urls")),
    path("afregning/", include("rammeaftale.billing.urls")),
    path("belaegning/", include("rammeaftale.occupancy.urls")),
    path("eksporter/", include("rammeaftale.exports.urls")),
    path("aftalebilag/", include("rammeaftale.exports.annexes.urls")),
    path("ledige-pladser/", include("rammeaftale.exchange.urls")),
    path("oekonomi/", include("rammeaftale.economy.urls")),
    path("aendringer/", include("rammeaftale.lifecycle.urls")),
    path("aarshjul/", include("rammeaftale.deadlines.urls")),
    path("", include("rammeaftale.web.urls")),
]
