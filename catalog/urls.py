from django.urls import path

from catalog import views, views_inbox, views_search

urlpatterns = [
    path("", views.home, name="home"),
    path("domains/", views.domain_list, name="domain_list"),
    path("domains/<slug:slug>/", views.domain_detail, name="domain_detail"),
    path("products/", views.product_list, name="product_list"),
    path("products/<slug:domain_slug>/<slug:slug>/", views.product_detail, name="product_detail"),
    path("search/", views_search.search, name="search"),
    path("search/suggest/", views_search.search_suggest, name="search_suggest"),
    path("teams/", views.team_list, name="team_list"),
    path("teams/<slug:slug>/", views.team_detail, name="team_detail"),
    path("teams/<slug:slug>/tokens/", views.team_tokens, name="team_tokens"),
    path("teams/<slug:slug>/tokens/<str:key_id>/revoke/", views.token_revoke_view, name="token_revoke"),
    path("inbox/", views_inbox.inbox, name="inbox"),
    path("inbox/read/", views_inbox.inbox_mark_read, name="inbox_mark_read"),
]
