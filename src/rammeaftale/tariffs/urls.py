from django.urls import path

from rammeaftale.tariffs import views

app_name = "tariffs"
urlpatterns = [
    path("", views.tariff_list_view, name="tariff_list"),
    path("eksport.<str:fmt>", views.tariff_list_export, name="tariff_list_export"),
    path("<int:tariff_id>/", views.tariff_detail, name="tariff_detail"),
]
