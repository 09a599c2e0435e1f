"""Placement pages under /placeringer/: list, buy a place, detail with its actions, and the contract PDF."""
from django.urls import path

from rammeaftale.placements import views

app_name = "placements"
urlpatterns = [
    path("", views.placement_list_view, name="placement_list"),
    path("ny/", views.placement_buy, name="placement_buy"),
    path("ny/ledighed/", views.placement_buy_vacancy, name="placement_buy_vacancy"),
    path("betaling/", views.consent_list, name="consent_list"),
    path("betaling/<id:placement_id>/", views.consent_detail, name="consent_detail"),
    path("betaling/<id:placement_id>/<slug:answer>/", views.consent_answer, name="consent_answer"),
    path("<id:placement_id>/", views.placement_detail, name="placement_detail"),
    path("<id:placement_id>/cpr/", views.placement_cpr, name="placement_cpr"),
    path("<id:placement_id>/kontrakt.pdf", views.placement_contract_pdf, name="placement_contract"),
    path("<id:placement_id>/<slug:slug>/", views.placement_action, name="placement_action"),
]
