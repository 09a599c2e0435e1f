"""Economy pages under /oekonomi/."""
from django.urls import path

from rammeaftale.economy import views

app_name = "economy"
urlpatterns = [
    path("udgiftsstigninger/", views.expense_increases, name="expense_increases"),
    path("udgiftsstigninger/eksport.<slug:fmt>", views.expense_increases_export, name="expense_increases_export"),
    path("udgiftsstigninger/status/<id:tariff_id>/", views.expense_increase_status, name="expense_increase_status"),
]
