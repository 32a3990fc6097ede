"""The fleet's staff pages, under /backoffice/mobility/fleet/."""

from django.urls import URLPattern, URLResolver, path

from . import views_fleet as views

backoffice_urlpatterns: list[URLPattern | URLResolver] = [
    path("fleet/", views.fleet_list, name="fleet_list"),
    path("fleet/new/", views.fleet_add, name="fleet_add"),
    path("fleet/<int:pk>/", views.fleet_edit, name="fleet_edit"),
    path("fleet/<int:pk>/deactivate/", views.fleet_deactivate, name="fleet_deactivate"),
    path("fleet/<int:pk>/activate/", views.fleet_activate, name="fleet_activate"),
    path("fleet/<int:pk>/key/", views.fleet_key, name="fleet_key"),
]
