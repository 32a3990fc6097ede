from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
backoffice_urlpatterns: list[URLPattern | URLResolver] = []
