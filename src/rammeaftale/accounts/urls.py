"""The accounts pages: the audit trail and the organisation's users, for administrators."""
from django.urls import path

from rammeaftale.accounts import views

app_name = "accounts"
urlpatterns = [
    path("revisionsspor/", views.audit_list, name="audit_list"),
    path("brugere/", views.user_list, name="user_list"),
    path("brugere/<id:user_id>/ophaev-spaerring/", views.user_unlock, name="user_unlock"),
]
