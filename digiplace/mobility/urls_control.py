"""The control centre's staff pages, under /backoffice/mobility/control/."""

from django.urls import URLPattern, URLResolver, path

from . import views_control as views

public_urlpatterns: list[URLPattern | URLResolver] = []
backoffice_urlpatterns: list[URLPattern | URLResolver] = [
    path("control/", views.control, name="control"),
    path("control/live.json", views.control_live, name="control_live"),
    path("control/vehicles/<str:label>/replay/", views.control_replay, name="control_replay"),
    path("control/punctuality/", views.control_punctuality, name="control_punctuality"),
    path(
        "control/punctuality.csv",
        views.control_punctuality_csv,
        name="control_punctuality_csv",
    ),
]
