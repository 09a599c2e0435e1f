"""The agreement's year under /aarshjul/: the page, the user's calendar address and the iCalendar feed."""
from django.urls import path

from rammeaftale.deadlines import views

app_name = "deadlines"
urlpatterns = [
    path("", views.calendar_page, name="calendar"),
    path("abonnement/", views.calendar_feed_new, name="feed_new"),
    path("abonnement/slet/", views.calendar_feed_delete, name="feed_revoke"),
    path("kalender/<slug:token>.ics", views.calendar_feed, name="feed"),
]
