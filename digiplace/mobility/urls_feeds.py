"""The GTFS-realtime feeds, under /gtfs-rt/ on each city's host."""

from django.urls import include, path

from . import urls_realtime

app_name = "gtfs_rt"

urlpatterns = [path("", include(urls_realtime.feed_urlpatterns))]
