"""The open-data module's public pages, under /opendata/ (namespace ``opendata``)."""

from django.urls import path

from . import views_pages

urlpatterns = [
    path("", views_pages.index, name="index"),
    path("datasets/<slug:slug>/", views_pages.dataset, name="dataset"),
    path("datasets/<slug:slug>/about/", views_pages.story, name="story"),
    # A key is a format ("csv") or a module file's name ("gtfs.zip").
    path("datasets/<slug:slug>/download/<str:key>", views_pages.download, name="download"),
    path(
        "datasets/<slug:slug>/versions/<int:number>/<str:key>",
        views_pages.version_download,
        name="version-download",
    ),
]
