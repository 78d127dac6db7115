"""Token API, mounted at /api/v1/tokens/ (config/urls.py)."""

from django.urls import path

from tokens.api import views

urlpatterns = [path("me", views.Me.as_view(), name="api-tokens-me")]
