from django.urls import path

from notices import views

urlpatterns = [
    path("my-data/", views.my_data, name="my_data"),
    path("my-data/preferences/", views.preferences, name="notice_preferences"),
    path("my-data/saved-searches/", views.saved_search_create, name="saved_search_create"),
    path("my-data/saved-searches/<int:pk>/delete/", views.saved_search_delete, name="saved_search_delete"),
    path("follow/<str:target>/<int:pk>/", views.follow, name="follow"),
    path("products/<slug:domain_slug>/<slug:slug>/deprecate/", views.deprecate, name="product_deprecate"),
    path("products/<slug:domain_slug>/<slug:slug>/publish/", views.product_publish, name="product_publish"),
]
