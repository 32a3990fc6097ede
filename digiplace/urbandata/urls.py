"""Public pages of urban data, under /urbandata/ on each city's host."""

from django.urls import include, path

from . import urls_air, urls_alerts, urls_devices, urls_heating

app_name = "urbandata"

urlpatterns = [
    path("", include(urls_air.urlpatterns)),
    path("", include(urls_heating.urlpatterns)),
    path("", include(urls_devices.urlpatterns)),
    path("", include(urls_alerts.urlpatterns)),
]
