from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from catalog.views_health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/v1/glossary/", include("glossary.api.urls")),
    path("api/v1/", include("lineage.api.urls")),
    path("api/", include("catalog.api.urls")),
    path("lineage/", include("lineage.urls")),
    path("glossary/", include("glossary.urls")),
    path("", include("catalog.urls")),
]
