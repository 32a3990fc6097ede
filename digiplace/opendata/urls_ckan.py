"""(to be filled)"""

from django.urls import URLPattern

app_name = "opendata_ckan"

urlpatterns: list[URLPattern] = []
