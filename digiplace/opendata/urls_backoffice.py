"""(to be filled by the pages area: a placeholder index until then)"""

from django.http import HttpRequest, HttpResponse
from django.urls import path


def _placeholder(request: HttpRequest) -> HttpResponse:
    return HttpResponse("")


app_name = "opendata_backoffice"

urlpatterns = [path("", _placeholder, name="index")]
