from django.urls import URLPattern, URLResolver, path

from . import views_feeds

public_urlpatterns: list[URLPattern | URLResolver] = []
backoffice_urlpatterns: list[URLPattern | URLResolver] = []
# The GTFS-realtime feeds, under /gtfs-rt/ on each city's host.
feed_urlpatterns: list[URLPattern | URLResolver] = [
    path("vehicle-positions.pb", views_feeds.vehicle_positions, name="vehicle_positions"),
    path("trip-updates.pb", views_feeds.trip_updates, name="trip_updates"),
    path("alerts.pb", views_feeds.alerts, name="alerts"),
]
