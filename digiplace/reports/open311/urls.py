"""Open311 GeoReport v2, at /open311/v2/; every resource ends in .json or .xml. Anything
else under /open311/ answers a 404 in the specification's error format."""

from django.urls import re_path

from . import views

app_name = "open311"

# The format suffix is matched loosely so that an unknown one gets a 404 in Open311's format.
FORMAT = r"\.(?P<format>[A-Za-z0-9]+)$"
VERSION = r"^v2/"

urlpatterns = [
    re_path(VERSION + "discovery" + FORMAT, views.discovery, name="discovery"),
    re_path(VERSION + "services" + FORMAT, views.service_list, name="services"),
    re_path(
        VERSION + r"services/(?P<service_code>[^/.]+)" + FORMAT,
        views.service_definition,
        name="service_definition",
    ),
    re_path(VERSION + "requests" + FORMAT, views.requests, name="requests"),
    re_path(
        VERSION + r"requests/(?P<service_request_id>[^/.]+)" + FORMAT,
        views.request_detail,
        name="request",
    ),
    re_path(VERSION + r"tokens/(?P<token>[^/.]+)" + FORMAT, views.token, name="token"),
    re_path(r"^(?P<path>.*)$", views.unknown, name="unknown"),
]
