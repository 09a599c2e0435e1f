from django.urls import path

from rammeaftale.exports import views

app_name = "exports"

urlpatterns = [
    path("", views.job_list, name="job_list"),
    path("bestil/", views.export_order, name="order"),
    path("<id:job_id>/", views.job, name="job"),
    path("<id:job_id>/fil/", views.job_file, name="job_file"),
]
