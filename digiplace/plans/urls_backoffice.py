from django.urls import path

from . import views_backoffice as views

app_name = "plans_backoffice"

urlpatterns = [
    path("", views.plan_list, name="plan_list"),
    path("<slug:plan_key>/", views.plan_detail, name="plan_detail"),
    path(
        "<slug:plan_key>/projects/<str:project_key>/",
        views.project_edit,
        name="project_edit",
    ),
    path(
        "<slug:plan_key>/activities/<int:activity_id>/",
        views.activity_edit,
        name="activity_edit",
    ),
    path(
        "<slug:plan_key>/kpis/<int:kpi_id>/measurements/new/",
        views.measurement_create,
        name="measurement_create",
    ),
    path("<slug:plan_key>/interests/", views.interest_list, name="interest_list"),
    path(
        "<slug:plan_key>/interests/<int:interest_id>/decide/",
        views.interest_decide,
        name="interest_decide",
    ),
    path("<slug:plan_key>/reports/", views.report_list, name="report_list"),
]
