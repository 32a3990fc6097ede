"""The network's addresses: the public static GTFS and open-data page, and staff's
network pages under /backoffice/mobility/network/."""

from django.urls import URLPattern, URLResolver, path

from . import views_network as views

public_urlpatterns: list[URLPattern | URLResolver] = [
    path("gtfs.zip", views.gtfs_zip, name="gtfs_zip"),
    path("data/", views.open_data, name="open_data"),
]
backoffice_urlpatterns: list[URLPattern | URLResolver] = [
    path("network/", views.index, name="network"),
    path("network/import/", views.import_check, name="network_import_check"),
    path("network/import/confirm/", views.import_confirm, name="network_import_confirm"),
    path("network/stops/", views.stop_list, name="network_stops"),
    path("network/stops/new/", views.stop_create, name="network_stop_create"),
    path("network/stops/<int:pk>/", views.stop_edit, name="network_stop_edit"),
    path("network/routes/", views.route_list, name="network_routes"),
    path("network/routes/<int:pk>/", views.route_edit, name="network_route_edit"),
    path(
        "network/routes/<int:pk>/timetable/",
        views.route_timetable,
        name="network_route_timetable",
    ),
    path("network/trips/<int:pk>/", views.trip_edit, name="network_trip_edit"),
    path("network/trips/<int:pk>/copy/", views.trip_copy, name="network_trip_copy"),
    path("network/trips/<int:pk>/delete/", views.trip_delete, name="network_trip_delete"),
    path("network/calendars/", views.service_list, name="network_services"),
    path("network/calendars/<int:pk>/", views.service_edit, name="network_service_edit"),
]
