"""The journey planner (public)."""

from django.urls import URLPattern, URLResolver, path

from . import views_planner

public_urlpatterns: list[URLPattern | URLResolver] = [
    path("planner/", views_planner.planner, name="planner"),
]
backoffice_urlpatterns: list[URLPattern | URLResolver] = []
