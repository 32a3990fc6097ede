"""CKAN's action API (read only), mounted at /api/3/: /api/3/action/<name>."""

from django.urls import path

from . import views_ckan

app_name = "opendata_ckan"

urlpatterns = [
    path("action/<str:name>", views_ckan.action, name="action"),
]
