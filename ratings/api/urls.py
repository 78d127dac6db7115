"""Ratings API, mounted at /api/v1/ (config: path("api/v1/", include("ratings.api.urls")), before the catalog's)."""

from django.urls import path

from ratings.api import views

PRODUCT = "products/<slug:domain>/<slug:slug>/ratings"

urlpatterns = [
    path(PRODUCT, views.ProductRatings.as_view(), name="api-product-ratings"),
    path(f"{PRODUCT}/mine", views.MyRating.as_view(), name="api-product-rating-mine"),
    path(f"{PRODUCT}/summary", views.ProductRatingSummary.as_view(), name="api-product-rating-summary"),
    path("ratings/feedback", views.FeedbackInbox.as_view(), name="api-ratings-feedback"),
    path("ratings/scorecards", views.MeshScorecards.as_view(), name="api-ratings-scorecards"),
    path("ratings/scorecards/<slug:slug>", views.DomainScorecard.as_view(), name="api-ratings-scorecard"),
    path("ratings/<int:pk>", views.RatingDetail.as_view(), name="api-rating"),
    path("ratings/<int:pk>/reply", views.RatingReplyView.as_view(), name="api-rating-reply"),
    path("ratings/<int:pk>/hide", views.RatingModerate.as_view(hide=True), name="api-rating-hide"),
    path("ratings/<int:pk>/unhide", views.RatingModerate.as_view(hide=False), name="api-rating-unhide"),
    path("ratings/<int:pk>/versions", views.RatingVersions.as_view(), name="api-rating-versions"),
]
