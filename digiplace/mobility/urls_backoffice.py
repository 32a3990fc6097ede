"""Staff pages of the mobility module, under /backoffice/mobility/."""

from django.urls import include, path

from . import (
    urls_control,
    urls_fleet,
    urls_network,
    urls_people,
    urls_realtime,
    urls_ridership,
    views_index,
)

app_name = "mobility_backoffice"

urlpatterns = [
    path("", views_index.backoffice_index, name="index"),
    path("", include(urls_control.backoffice_urlpatterns)),
    path("", include(urls_fleet.backoffice_urlpatterns)),
    path("", include(urls_network.backoffice_urlpatterns)),
    path("", include(urls_people.backoffice_urlpatterns)),
    path("", include(urls_realtime.backoffice_urlpatterns)),
    path("", include(urls_ridership.backoffice_urlpatterns)),
]
