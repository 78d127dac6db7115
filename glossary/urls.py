"""Glossary pages, mounted at /glossary/ (config/urls.py: path("glossary/", include("glossary.urls")))."""

from django.urls import path

from glossary import views, views_proposals

DOMAIN = "domains/<slug:domain>"
TERM = f"{DOMAIN}/terms/<slug:slug>"

urlpatterns = [
    path("", views.glossary_home, name="glossary_home"),
    path("review/", views_proposals.review_inbox, name="glossary_review"),
    path("proposals/<int:pk>/", views_proposals.proposal_page, name="glossary_proposal"),
    path("proposals/<int:pk>/decide/", views_proposals.proposal_decide_view, name="glossary_proposal_decide"),
    path("proposals/<int:pk>/comment/", views_proposals.proposal_comment_view, name="glossary_proposal_comment"),
    path("proposals/<int:pk>/revise/", views_proposals.proposal_revise_view, name="glossary_proposal_revise"),
    path("proposals/<int:pk>/rebase/", views_proposals.proposal_rebase_view, name="glossary_proposal_rebase"),
    path("proposals/<int:pk>/withdraw/", views_proposals.proposal_withdraw_view, name="glossary_proposal_withdraw"),
    path("suggestions/<int:pk>/decide/", views.glossary_suggestion_decide, name="glossary_suggestion_decide"),
    path(f"{DOMAIN}/", views.glossary_domain, name="glossary_domain"),
    path(f"{DOMAIN}/tree/", views.glossary_tree, name="glossary_tree"),
    path(f"{DOMAIN}/propose/", views_proposals.propose_term, name="glossary_propose"),
    path(f"{DOMAIN}/import/", views.glossary_import_view, name="glossary_import"),
    path(f"{DOMAIN}/export.<str:fmt>", views.glossary_export, name="glossary_export"),
    path(f"{DOMAIN}/suggestions/", views.glossary_suggestions, name="glossary_suggestions"),
    path(f"{DOMAIN}/suggestions/refresh/", views.glossary_suggestions_refresh, name="glossary_suggestions_refresh"),
    path(f"{TERM}/", views.glossary_term, name="glossary_term"),
    path(f"{TERM}/change/", views_proposals.propose_change, name="glossary_propose_change"),
    path(f"{TERM}/deprecate/", views_proposals.propose_deprecation, name="glossary_propose_deprecation"),
    path(f"{TERM}/versions/<int:number>/", views.glossary_version, name="glossary_version"),
    path(f"{TERM}/links/", views.glossary_link, name="glossary_link"),
]
