"""Pages of urban data's devices component (public urlpatterns, staff backoffice_urlpatterns
under /backoffice/urbandata/: the module's staff home, devices and their keys)."""

from django.urls import URLPattern, URLResolver, path

from . import views_devices as views

urlpatterns: list[URLPattern | URLResolver] = []
backoffice_urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.backoffice_index, name="index"),
    path("devices/", views.device_list, name="device_list"),
    path("devices/new/", views.device_register, name="device_register"),
    path("devices/<int:pk>/", views.device_detail, name="device_detail"),
    path("devices/<int:pk>/edit/", views.device_edit, name="device_edit"),
    path("devices/<int:pk>/retire/", views.device_retire, name="device_retire"),
    path("devices/<int:pk>/keys/", views.device_key_new, name="device_key_new"),
    path("keys/<int:pk>/revoke/", views.key_revoke, name="key_revoke"),
]
