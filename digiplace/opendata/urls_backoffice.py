"""The open-data back office, under /backoffice/opendata/."""

from django.urls import path

from . import views_backoffice

app_name = "opendata_backoffice"

urlpatterns = [
    path("", views_backoffice.index, name="index"),
    path("<slug:slug>/regenerate/", views_backoffice.regenerate, name="regenerate"),
]
