"""Pages of urban data's heating component (staff backoffice_urlpatterns under
/backoffice/urbandata/heating/: the network dashboard and one substation)."""

from django.urls import URLPattern, URLResolver, path

from . import views_heating as views

urlpatterns: list[URLPattern | URLResolver] = []
backoffice_urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.heating_dashboard, name="heating_dashboard"),
    path("<int:pk>/", views.substation_detail, name="heating_substation"),
]
