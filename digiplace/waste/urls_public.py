from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, path


def _placeholder(request: HttpRequest) -> HttpResponse:  # replaced by the public pages' work
    return HttpResponse("")


urlpatterns: list[URLPattern | URLResolver] = [path("", _placeholder, name="index")]
backoffice_urlpatterns: list[URLPattern | URLResolver] = []
