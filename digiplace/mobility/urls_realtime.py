from django.urls import URLPattern, URLResolver

public_urlpatterns: list[URLPattern | URLResolver] = []
backoffice_urlpatterns: list[URLPattern | URLResolver] = []
# The GTFS-realtime feeds, under /gtfs-rt/ on each city's host.
feed_urlpatterns: list[URLPattern | URLResolver] = []
