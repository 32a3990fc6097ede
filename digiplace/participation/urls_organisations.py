"""Addresses of the organisations pages, public (``urlpatterns``, under /participation/) and staff
(``backoffice_urlpatterns``, under /backoffice/participation/). No app_name: the names
live in the ``participation`` and ``participation_backoffice`` namespaces."""

from django.urls import URLPattern, URLResolver, path

from .views import organisations as views
from .views import organisations_backoffice as backoffice

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.organisation_list, name="organisation_list"),
    path("register/", views.organisation_register, name="organisation_register"),
    path("mine/", views.organisation_mine, name="organisation_mine"),
    path("<int:pk>/", views.organisation_detail, name="organisation_detail"),
    path("<int:pk>/join/", views.organisation_join, name="organisation_join"),
]
backoffice_urlpatterns: list[URLPattern | URLResolver] = [
    path("", backoffice.organisation_queue, name="organisation_queue"),
    path("<int:pk>/", backoffice.organisation_review, name="organisation_review"),
    path("<int:pk>/edit/", backoffice.organisation_edit, name="organisation_edit"),
    path("<int:pk>/links/", backoffice.organisation_link_add, name="organisation_link_add"),
    path(
        "<int:pk>/links/<int:link_pk>/remove/",
        backoffice.organisation_link_remove,
        name="organisation_link_remove",
    ),
]
