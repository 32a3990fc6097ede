"""Addresses of the meetings pages, public (``urlpatterns``, under /participation/) and staff
(``backoffice_urlpatterns``, under /backoffice/participation/). No app_name: the names
live in the ``participation`` and ``participation_backoffice`` namespaces."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
backoffice_urlpatterns: list[URLPattern | URLResolver] = []
