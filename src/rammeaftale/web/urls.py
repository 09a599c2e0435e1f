"""The Danish pages: log in and out under the `web` namespace, then the registry's and accounts' pages.

No module-level app_name: each part brings its own namespace (web, registry, accounts), so a page is
`registry:offer_list`, not `web:registry:offer_list`.
"""
from django.urls import include, path

from rammeaftale.web import views

web_patterns = (
    [
        path("", views.home, name="home"),
        path("login/", views.LoginView.as_view(), name="login"),
        path("logout/", views.LogoutView.as_view(), name="logout"),
    ],
    "web",
)

urlpatterns = [
    path("", include(web_patterns)),
    path("", include("rammeaftale.registry.urls")),
    path("", include("rammeaftale.accounts.urls")),
]
