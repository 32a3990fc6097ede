"""Public pages of the waste module, under /waste/ on each city's host."""

from django.urls import include, path

from . import urls_compliance, urls_public

app_name = "waste"

urlpatterns = [
    path("", include(urls_public.urlpatterns)),
    path("", include(urls_compliance.urlpatterns)),
]
