from django.urls import path

from rammeaftale.placements import views

app_name = "placements"
urlpatterns = [
    path("", views.placement_list_view, name="placement_list"),
]
