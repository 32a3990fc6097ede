from django.urls import URLPattern, URLResolver, path

from .views_metrics import metrics_view

urlpatterns: list[URLPattern | URLResolver] = [
    path("metrics", metrics_view, name="metrics"),
]
