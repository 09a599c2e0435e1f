from django.urls import path

from rammeaftale.exchange import views

app_name = "exchange"

urlpatterns = [
    path("tilbud/<id:offer_id>/", views.offer_vacancy, name="offer_vacancy"),
]
