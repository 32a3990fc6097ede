"""Passengers' pages (stops, displays, alerts, charging and parking) and the staff's alerts."""

from django.urls import URLPattern, URLResolver, path

from . import views_alerts, views_people

public_urlpatterns: list[URLPattern | URLResolver] = [
    path("stops/", views_people.stop_list, name="stop_list"),
    path("stops/<str:gtfs_id>/", views_people.stop_detail, name="stop_detail"),
    path("stops/<str:gtfs_id>/display/", views_people.stop_display, name="stop_display"),
    path("displays/", views_people.group_display, name="group_display"),
    path("alerts/", views_alerts.alert_list, name="alert_list"),
    path("alerts/<int:pk>/", views_alerts.alert_detail, name="alert_detail"),
    path("charging-parking/", views_people.places_map, name="places_map"),
    path("charging-parking/places.json", views_people.places_json, name="places_json"),
]
backoffice_urlpatterns: list[URLPattern | URLResolver] = [
    path("alerts/", views_alerts.staff_alert_list, name="alert_list"),
    path("alerts/new/", views_alerts.staff_alert_new, name="alert_new"),
    path("alerts/<int:pk>/", views_alerts.staff_alert_edit, name="alert_edit"),
    path("alerts/<int:pk>/publish/", views_alerts.staff_alert_publish, name="alert_publish"),
    path("alerts/<int:pk>/delete/", views_alerts.staff_alert_delete, name="alert_delete"),
]
