from django.urls import path

from catalog import views

urlpatterns = [
    path("", views.home, name="home"),
    path("domains/", views.domain_list, name="domain_list"),
    path("domains/<slug:slug>/", views.domain_detail, name="domain_detail"),
    path("products/", views.product_list, name="product_list"),
    path("products/<slug:domain_slug>/<slug:slug>/", views.product_detail, name="product_detail"),
    path("teams/", views.team_list, name="team_list"),
    path("teams/<slug:slug>/", views.team_detail, name="team_detail"),
]
