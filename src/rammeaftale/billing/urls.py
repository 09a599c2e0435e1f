from django.urls import path

from rammeaftale.billing import views

app_name = "billing"
urlpatterns = [
    path("", views.settlement_overview, name="settlement"),
]
