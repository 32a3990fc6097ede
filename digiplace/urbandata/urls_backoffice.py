"""Staff pages of urban data, under /backoffice/urbandata/."""

from django.urls import include, path

from . import urls_air, urls_alerts, urls_devices, urls_heating

app_name = "urbandata_backoffice"

urlpatterns = [
    path("", include(urls_devices.backoffice_urlpatterns)),
    path("alerts/", include(urls_alerts.backoffice_urlpatterns)),
    path("heating/", include(urls_heating.backoffice_urlpatterns)),
    path("air/", include(urls_air.backoffice_urlpatterns)),
]
