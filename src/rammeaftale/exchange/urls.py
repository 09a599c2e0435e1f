from django.urls import path

from rammeaftale.exchange import consultation_views, request_views, views

app_name = "exchange"

urlpatterns = [
    path("", views.vacancy_search, name="search"),
    path("eksport.xlsx", views.vacancy_search_export, name="search_export"),
    path("privat-koeb/", views.public_first, name="public_first"),
    path("privat-koeb/oversigt/", views.public_first_list, name="public_first_list"),
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

urlpatterns += [
    path("enkeltmandstilbud/", consultation_views.consultation_list, name="consultation_list"),
    path("enkeltmandstilbud/ny/", consultation_views.consultation_new, name="consultation_new"),
    path("enkeltmandstilbud/oversigt/", consultation_views.consultation_overview, name="consultation_overview"),
    path("enkeltmandstilbud/<id:consultation_id>/", consultation_views.consultation_detail,
         name="consultation_detail"),
    path("enkeltmandstilbud/<id:consultation_id>/svar/", consultation_views.consultation_answer,
         name="consultation_answer"),
    path("enkeltmandstilbud/<id:consultation_id>/afslut/", consultation_views.consultation_close,
         name="consultation_close"),
    path("enkeltmandstilbud/tilbud/<id:offer_id>/", consultation_views.offer_consultation,
         name="offer_consultation"),
]
