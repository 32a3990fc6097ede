"""Sorting compliance: the public report (``urlpatterns``, under /waste/) and the staff
pages of sites, observations, campaigns and the local police's cases
(``backoffice_urlpatterns``, under /backoffice/waste/)."""

from django.urls import URLPattern, URLResolver, path

from . import views_compliance, views_enforcement

urlpatterns: list[URLPattern | URLResolver] = [
    path("compliance/", views_compliance.report, name="compliance"),
]
backoffice_urlpatterns: list[URLPattern | URLResolver] = [
    path("sites/", views_compliance.site_list, name="site_list"),
    path("sites/new/", views_compliance.site_create, name="site_create"),
    path("sites/<int:pk>/", views_compliance.site_detail, name="site_detail"),
    path("sites/<int:pk>/edit/", views_compliance.site_edit, name="site_edit"),
    path(
        "observations/import/",
        views_compliance.observations_import,
        name="observations_import",
    ),
    path("campaigns/", views_compliance.campaign_list, name="campaign_list"),
    path("campaigns/new/", views_compliance.campaign_create, name="campaign_create"),
    path("campaigns/<int:pk>/", views_compliance.campaign_edit, name="campaign_edit"),
    path("cases/", views_enforcement.case_list, name="case_list"),
    path("cases/<int:pk>/", views_enforcement.case_detail, name="case_detail"),
    path(
        "observations/<int:pk>/case/",
        views_enforcement.case_open,
        name="case_open",
    ),
]
