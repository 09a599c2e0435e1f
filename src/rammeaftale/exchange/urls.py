from django.urls import path

from rammeaftale.exchange import views

app_name = "exchange"

urlpatterns = [
    path("", views.vacancy_search, name="search"),
    path("eksport.xlsx", views.vacancy_search_export, name="search_export"),
    path("tilbud/<id:offer_id>/", views.offer_vacancy, name="offer_vacancy"),
]
