"""The waste module's public pages: the live map (``waste:index``), the containers' list
and CSV, a container's page, the figures."""

from django.urls import URLPattern, URLResolver, path

from . import views_public

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views_public.index, name="index"),
    path("containers.json", views_public.containers_json, name="containers_json"),
    path("containers.csv", views_public.containers_csv, name="containers_csv"),
    path("containers/", views_public.container_list, name="container_list"),
    path("containers/<slug:code>/", views_public.container_detail, name="container_detail"),
    path("figures/", views_public.figures, name="figures"),
]
backoffice_urlpatterns: list[URLPattern | URLResolver] = []
