"""Pages of urban data's devices component (public urlpatterns, staff backoffice_urlpatterns)."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
backoffice_urlpatterns: list[URLPattern | URLResolver] = []
