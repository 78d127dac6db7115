"""Ratings pages, mounted at the site root before the catalog's (config: path("", include("ratings.urls")))."""

from django.urls import path

from ratings import views

urlpatterns = [
    path("products/<slug:domain_slug>/<slug:slug>/rate/", views.rate, name="ratings_rate"),
    path("products/<slug:domain_slug>/<slug:slug>/rate/withdraw/", views.rating_withdraw, name="ratings_withdraw"),
    path("products/<slug:domain_slug>/<slug:slug>/reviews/", views.reviews, name="ratings_reviews"),
    path("reviews/<int:pk>/reply/", views.reply, name="ratings_reply"),
    path("reviews/<int:pk>/hide/", views.moderate, {"hide": True}, name="ratings_hide"),
    path("reviews/<int:pk>/unhide/", views.moderate, {"hide": False}, name="ratings_unhide"),
    path("reviews/<int:pk>/versions/", views.versions, name="ratings_versions"),
    path("feedback/", views.feedback, name="ratings_feedback"),
    path("domains/<slug:slug>/scorecard/", views.domain_scorecard, name="ratings_domain_scorecard"),
    path("scorecards/", views.mesh_scorecards, name="ratings_mesh_scorecards"),
]
