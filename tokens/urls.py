from django.urls import path

from tokens import views

urlpatterns = [
    path("teams/<slug:slug>/tokens/", views.team_tokens, name="team_tokens"),
    path("teams/<slug:slug>/tokens/<str:key_id>/revoke/", views.token_revoke_view, name="token_revoke"),
]
