"""The tariff pages under /takster/ (the category page beside them is the occupancy app's: config/urls.py)."""
from django.urls import path

from rammeaftale.tariffs import views

app_name = "tariffs"
urlpatterns = [
    path("", views.tariff_list_view, name="tariff_list"),
    path("eksport.<str:fmt>", views.tariff_list_export, name="tariff_list_export"),
    path("pl/", views.price_index_page, name="price_index"),
    path("foreloebige/", views.tariff_provisional, name="tariff_provisional"),
    path("<id:tariff_id>/", views.tariff_detail, name="tariff_detail"),
    path("<id:tariff_id>/forklaring/", views.tariff_explanation, name="tariff_explanation"),
    path("tilbud/<id:offer_id>/", views.offer_tariffs, name="offer_tariffs"),
    path("tilbud/<id:offer_id>/budget/<year:year>/", views.budget, name="budget"),
    path("tilbud/<id:offer_id>/budget/<year:year>/beregn/", views.budget_calculate, name="budget_calculate"),
    path("tilbud/<id:offer_id>/budget/<year:year>/godkendelse/<id:service_id>/", views.budget_approval,
         name="budget_approval"),
]
