"""Pages of urban data's alerts component: staff pages only (backoffice_urlpatterns, under
/backoffice/urbandata/alerts/); alerts have no public page."""

from django.urls import URLPattern, URLResolver, path

from . import views_alerts as views

urlpatterns: list[URLPattern | URLResolver] = []
backoffice_urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.alert_list, name="alert_list"),
    path("live/", views.alert_list_live, name="alert_list_live"),
    path("<int:pk>/", views.alert_detail, name="alert_detail"),
    path("<int:pk>/acknowledge/", views.alert_acknowledge, name="alert_acknowledge"),
    path("<int:pk>/resolve/", views.alert_resolve, name="alert_resolve"),
    path("rules/", views.rule_list, name="alert_rule_list"),
    path("rules/new/", views.rule_create, name="alert_rule_create"),
    path("rules/<int:pk>/", views.rule_edit, name="alert_rule_edit"),
    path("rules/<int:pk>/active/", views.rule_activate, name="alert_rule_activate"),
]
