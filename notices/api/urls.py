from django.urls import path

from notices.api import views

urlpatterns = [
    path("follows", views.Follows.as_view(), name="api-follows"),
    path("notices", views.MyNotices.as_view(), name="api-notices"),
    path("notices/preferences", views.Preferences.as_view(), name="api-notice-preferences"),
    path(
        "products/<slug:domain>/<slug:slug>/deprecation",
        views.ProductDeprecation.as_view(),
        name="api-product-deprecation",
    ),
    path("domains/<slug:slug>/chat-webhook", views.DomainChatWebhook.as_view(), name="api-domain-chat-webhook"),
]
