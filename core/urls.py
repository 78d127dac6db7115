from django.urls import path

from core import views

urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/read/", views.inbox_mark_read, name="inbox_mark_read"),
    path("favicon.ico", views.favicon, name="favicon"),
]
