"""Access pages, mounted at /access/."""

from django.urls import path

from access import views

app_name = "access"

urlpatterns = [
    path("requests/", views.my_requests, name="my_requests"),
    path("approvals/", views.approvals, name="approvals"),
    path("ports/<int:port_id>/request/", views.request_create, name="request_create"),
    path("requests/<int:pk>/", views.request_detail, name="request"),
    path("requests/<int:pk>/decide/", views.request_decide, name="decide"),
    path("requests/<int:pk>/withdraw/", views.request_withdraw, name="withdraw"),
    path("requests/<int:pk>/answer/", views.request_answer, name="answer"),
    path("grants/<int:pk>/revoke/", views.grant_revoke, name="revoke"),
    path("domains/<slug:slug>/", views.domain_settings, name="domain_settings"),
    path("deliveries/<int:pk>/redeliver/", views.delivery_redeliver, name="redeliver"),
]
