from django.urls import URLPattern, URLResolver

public_urlpatterns: list[URLPattern | URLResolver] = []
backoffice_urlpatterns: list[URLPattern | URLResolver] = []
