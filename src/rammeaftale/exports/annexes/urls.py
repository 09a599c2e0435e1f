"""The agreement's annexes (Styringsaftalens bilag) under /aftalebilag/."""
from django.urls import path

from rammeaftale.exports.annexes import views

app_name = "annexes"
urlpatterns = [
    path("<id:agreement_id>/", views.annex_list, name="annex_list"),
    path("<id:agreement_id>/dan/", views.annex_issue, name="annex_issue"),
    path("version/<id:document_id>.<str:fmt>", views.annex_file, name="annex_file"),
]
