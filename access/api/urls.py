"""Access API, mounted at /api/v1/access/ (config: path("api/v1/access/", include("access.api.urls")))."""

from django.urls import path

from access.api import views

urlpatterns = [
    path("requests", views.RequestList.as_view(), name="api-access-requests"),
    path("requests/<int:pk>", views.RequestDetail.as_view(), name="api-access-request"),
    path("requests/<int:pk>/events", views.RequestEvents.as_view(), name="api-access-request-events"),
    path("requests/<int:pk>/decision", views.RequestDecision.as_view(), name="api-access-decision"),
    path("requests/<int:pk>/withdraw", views.RequestWithdraw.as_view(), name="api-access-withdraw"),
    path("requests/<int:pk>/info", views.RequestInfo.as_view(), name="api-access-info"),
    path("approvals", views.ApprovalList.as_view(), name="api-access-approvals"),
    path("grants", views.GrantList.as_view(), name="api-access-grants"),
    path("grants/<int:pk>/revoke", views.GrantRevoke.as_view(), name="api-access-revoke"),
    path("domains/<slug:slug>/settings", views.DomainSettings.as_view(), name="api-access-settings"),
    path("domains/<slug:slug>/deliveries", views.DomainDeliveries.as_view(), name="api-access-deliveries"),
    path("deliveries/<int:pk>/redeliver", views.DeliveryRedeliver.as_view(), name="api-access-redeliver"),
]
