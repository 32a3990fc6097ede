from django.urls import URLPattern, URLResolver, path

from . import views_health

urlpatterns: list[URLPattern | URLResolver] = [
    path("readyz", views_health.readyz, name="readyz"),
    # Before the admin's own URLs (config/urls.py includes this first): the admin's look
    # and login, a page of ours.
    path("admin/status/", views_health.status, name="ops_status"),
]
