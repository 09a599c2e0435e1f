"""The registry's pages: offers (list, detail, import) and agreements with their rulebooks."""
from django.urls import path

from rammeaftale.registry import views

app_name = "registry"
urlpatterns = [
    path("tilbud/", views.offer_list, name="offer_list"),
    path("tilbud/<id:offer_id>/", views.offer_detail, name="offer_detail"),
    path("tilbud/import/", views.offer_import, name="offer_import"),
    path("tilbud/import/skabelon.<str:fmt>", views.offer_import_template, name="offer_import_template"),
    path("rammeaftaler/", views.agreement_list, name="agreement_list"),
    path("rammeaftaler/<id:agreement_id>/", views.agreement_detail, name="agreement_detail"),
]
