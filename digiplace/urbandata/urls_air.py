"""Pages of urban data's air component (public urlpatterns, staff backoffice_urlpatterns).

The public patterns include the module's index page (``urbandata:index``)."""

from django.urls import URLPattern, URLResolver, path

from . import views_air

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views_air.index, name="index"),
    path("air/", views_air.air_map, name="air"),
    path("air/day.csv", views_air.air_day_csv, name="air_day_csv"),
    path("air/<path:entity_id>/hourly.csv", views_air.air_station_csv, name="air_station_csv"),
    path(
        "air/<path:entity_id>/series.json", views_air.air_station_series, name="air_station_series"
    ),
    path("air/<path:entity_id>/", views_air.air_station, name="air_station"),
]
backoffice_urlpatterns: list[URLPattern | URLResolver] = []
