"""Addresses of the processes pages, public (``urlpatterns``, under /participation/) and staff
(``backoffice_urlpatterns``, under /backoffice/participation/). No app_name: the names
live in the ``participation`` and ``participation_backoffice`` namespaces."""

from django.urls import URLPattern, URLResolver, path

from .views import processes, processes_backoffice

urlpatterns: list[URLPattern | URLResolver] = [
    path("", processes.index, name="index"),
    path("processes/<slug:slug>/", processes.process_detail, name="process_detail"),
]
backoffice_urlpatterns: list[URLPattern | URLResolver] = [
    path("", processes_backoffice.index, name="index"),
    path("processes/", processes_backoffice.process_staff_list, name="process_staff_list"),
    path("processes/new/", processes_backoffice.process_create, name="process_create"),
    path("processes/<int:pk>/", processes_backoffice.process_edit, name="process_edit"),
    path("processes/<int:pk>/delete/", processes_backoffice.process_delete, name="process_delete"),
    path("zones/", processes_backoffice.zone_list, name="zone_list"),
    path("zones/new/", processes_backoffice.zone_create, name="zone_create"),
    path("zones/<int:pk>/", processes_backoffice.zone_edit, name="zone_edit"),
    path("zones/<int:pk>/delete/", processes_backoffice.zone_delete, name="zone_delete"),
]
