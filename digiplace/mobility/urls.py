"""Public pages of the mobility module, under /mobility/ on each city's host."""

from django.urls import include, path

from . import urls_network, urls_people, urls_planner, urls_realtime, urls_ridership, views_index

app_name = "mobility"

urlpatterns = [
    path("", views_index.index, name="index"),
    path("", include(urls_people.public_urlpatterns)),
    path("", include(urls_network.public_urlpatterns)),
    path("", include(urls_planner.public_urlpatterns)),
    path("", include(urls_realtime.public_urlpatterns)),
    path("", include(urls_ridership.public_urlpatterns)),
]
