from django.urls import path

from sso import views

app_name = "sso"

urlpatterns = [
    path("login/", views.start, name="start"),
    path("callback/", views.callback, name="callback"),
]
