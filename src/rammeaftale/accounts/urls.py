"""The accounts pages: the audit trail, the organisation's users (for administrators) and the own password."""
from django.urls import path

from rammeaftale.accounts import views

app_name = "accounts"
urlpatterns = [
    path("revisionsspor/", views.audit_list, name="audit_list"),
    path("brugere/", views.user_list, name="user_list"),
    path("brugere/ny/", views.user_create, name="user_create"),
    path("brugere/<id:user_id>/", views.user_detail, name="user_detail"),
    path("brugere/<id:user_id>/adgangskode/", views.user_password_reset, name="user_password_reset"),
    path("brugere/<id:user_id>/deaktiver/", views.user_deactivate, name="user_deactivate"),
    path("brugere/<id:user_id>/genaktiver/", views.user_reactivate, name="user_reactivate"),
    path("brugere/<id:user_id>/ophaev-spaerring/", views.user_unlock, name="user_unlock"),
    path("adgangskode/", views.PasswordChangeView.as_view(), name="password_change"),
]
