"""Economy pages under /oekonomi/."""
from django.urls import path

from rammeaftale.economy import views

app_name = "economy"
urlpatterns = [
    path("", views.economy_overview, name="overview"),
    path("udgiftsstigninger/", views.expense_increases, name="expense_increases"),
    path("udgiftsstigninger/eksport.<slug:fmt>", views.expense_increases_export, name="expense_increases_export"),
    path("udgiftsstigninger/status/<id:tariff_id>/", views.expense_increase_status, name="expense_increase_status"),
    path("forbrug/", views.spend_page, name="spend"),
    path("forbrug/eksport.<slug:fmt>", views.spend_export, name="spend_export"),
    path("refusion/", views.refusion_claim_page, name="refusion_claim"),
    path("refusion/eksport.<slug:fmt>", views.refusion_claim_export, name="refusion_claim_export"),
    path("behov/", views.demand_page, name="demand"),
    path("behov/eksport.<slug:fmt>", views.demand_export, name="demand_export"),
    path("behov/forventninger/", views.demand_expectations_page, name="demand_expectations"),
    path("refusion/taerskler/", views.refusion_thresholds_page, name="refusion_thresholds"),
    path("nye-pladser/", views.new_places_page, name="new_places"),
    path("nye-pladser/<id:arrangement_id>/", views.new_places_detail, name="new_places_detail"),
    path("nye-pladser/<id:arrangement_id>/eksport.xlsx", views.new_places_export, name="new_places_export"),
]
