"""Staff pages of the waste module, under /backoffice/waste/: planning and the drivers'
rounds (``urls_planning``), camera-watched sites, observations, campaigns and the local
police's enforcement cases (``urls_compliance``)."""

from django.urls import include, path

from . import urls_compliance, urls_planning

app_name = "waste_backoffice"

urlpatterns = [
    path("", include(urls_planning.backoffice_urlpatterns)),
    path("", include(urls_compliance.backoffice_urlpatterns)),
]
