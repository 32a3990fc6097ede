from django.urls import URLPattern, URLResolver, path

from . import views_ridership, views_ridership_api, views_ridership_staff

public_urlpatterns: list[URLPattern | URLResolver] = [
    path("api/taps", views_ridership_api.taps_api, name="taps_api"),
    path("ridership/", views_ridership.ridership, name="ridership"),
    path("ridership/<slug:table>.csv", views_ridership.ridership_csv, name="ridership_csv"),
]
backoffice_urlpatterns: list[URLPattern | URLResolver] = [
    path("validators/", views_ridership_staff.validator_list, name="validator_list"),
    path("validators/new/", views_ridership_staff.validator_add, name="validator_add"),
    path("validators/<int:pk>/", views_ridership_staff.validator_edit, name="validator_edit"),
    path("validators/<int:pk>/key/", views_ridership_staff.validator_key, name="validator_key"),
    path(
        "validators/<int:pk>/deactivate/",
        views_ridership_staff.validator_deactivate,
        name="validator_deactivate",
    ),
]
