from django.urls import path

from rammeaftale.exchange import request_views, views

app_name = "exchange"

urlpatterns = [
    path("tilbud/<id:offer_id>/", views.offer_vacancy, name="offer_vacancy"),
    # Requests (forespørgsler) and the inbox: exchange/request_views.py
    path("forespoergsler/", request_views.request_list, name="request_list"),
    path("forespoergsler/ny/", request_views.request_new, name="request_new"),
    path("forespoergsler/<id:request_id>/", request_views.request_detail, name="request_detail"),
    path("forespoergsler/svar/<id:recipient_id>/", request_views.request_answer, name="request_answer"),
    path("forespoergsler/svar/<id:recipient_id>/reserver/", request_views.request_reserve, name="request_reserve"),
    path("indbakke/", request_views.inbox, name="inbox"),
    path("indbakke/laest/", request_views.inbox_read, name="inbox_read"),
]
