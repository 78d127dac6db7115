from django.urls import path

from audit.api import views

urlpatterns = [
    path("", views.AuditEntryList.as_view(), name="api-audit"),
]
