"""Glossary API, mounted at /api/v1/glossary/ (config: path("api/v1/glossary/", include("glossary.api.urls")))."""

from django.urls import path

from glossary.api import views

DOMAIN = "domains/<slug:domain>"
TERM = f"{DOMAIN}/terms/<slug:slug>"

urlpatterns = [
    path("domains", views.GlossaryList.as_view(), name="api-glossaries"),
    path(f"{DOMAIN}/terms", views.TermList.as_view(), name="api-glossary-terms"),
    path(f"{DOMAIN}/export", views.GlossaryExport.as_view(), name="api-glossary-export"),
    path(f"{DOMAIN}/import", views.GlossaryImport.as_view(), name="api-glossary-import"),
    path(f"{DOMAIN}/suggestions", views.SuggestionList.as_view(), name="api-glossary-suggestions"),
    path(f"{TERM}", views.TermDetail.as_view(), name="api-glossary-term"),
    path(f"{TERM}/versions", views.TermVersions.as_view(), name="api-glossary-term-versions"),
    path(f"{TERM}/versions/<int:number>", views.TermVersionDetail.as_view(), name="api-glossary-term-version"),
    path(f"{TERM}/links", views.TermLinks.as_view(), name="api-glossary-term-links"),
    path("suggestions/<int:pk>/decision", views.SuggestionDecision.as_view(), name="api-glossary-suggestion"),
    path("proposals", views.ProposalList.as_view(), name="api-glossary-proposals"),
    path("proposals/<int:pk>", views.ProposalDetail.as_view(), name="api-glossary-proposal"),
    path("proposals/<int:pk>/decisions", views.ProposalDecisions.as_view(), name="api-glossary-decisions"),
    path("proposals/<int:pk>/comments", views.ProposalComments.as_view(), name="api-glossary-comments"),
    path("proposals/<int:pk>/revisions", views.ProposalRevisions.as_view(), name="api-glossary-revisions"),
    path("proposals/<int:pk>/rebase", views.ProposalRebase.as_view(), name="api-glossary-rebase"),
    path("proposals/<int:pk>/withdraw", views.ProposalWithdraw.as_view(), name="api-glossary-withdraw"),
    path("synonyms", views.Synonyms.as_view(), name="api-glossary-synonyms"),
]
