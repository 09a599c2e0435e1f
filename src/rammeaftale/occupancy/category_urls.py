"""The category page's route, added to the tariff pages' namespace under /takster/ by config/urls.py (the page
was a tariff page; links use `tariffs:category`)."""
from django.urls import path

from rammeaftale.occupancy import category_views

category_urlpatterns = [
    path("tilbud/<id:offer_id>/kategori/<year:year>/", category_views.category, name="category"),
]
