"""The offer's life under /aendringer/."""
from django.urls import path

from rammeaftale.lifecycle import views

app_name = "lifecycle"
urlpatterns = [
    path("", views.proposal_list, name="list"),
    path("ny/<id:offer_id>/", views.proposal_new, name="new"),
    path("<id:proposal_id>/", views.proposal_detail, name="detail"),
]
