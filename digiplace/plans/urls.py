from django.urls import path

from . import views_documents
from . import views_public as views

app_name = "plans"

urlpatterns = [
    path("", views.plan_list, name="plan_list"),
    path("<slug:plan_key>/", views.plan_detail, name="plan_detail"),
    path("<slug:plan_key>/pillars/<str:pillar_key>/", views.pillar_detail, name="pillar_detail"),
    path(
        "<slug:plan_key>/pillars/<str:pillar_key>/objectives/<str:objective_key>/",
        views.objective_detail,
        name="objective_detail",
    ),
    path(
        "<slug:plan_key>/pillars/<str:pillar_key>/join/",
        views.pillar_interest_create,
        name="pillar_interest_create",
    ),
    path("<slug:plan_key>/projects/", views.project_list, name="project_list"),
    path(
        "<slug:plan_key>/projects/<str:project_key>/",
        views.project_detail,
        name="project_detail",
    ),
    path(
        "<slug:plan_key>/projects/<str:project_key>/join/",
        views.interest_create,
        name="interest_create",
    ),
    path("<slug:plan_key>/status/", views.status_overview, name="status_overview"),
    path("<slug:plan_key>/budget/", views.budget_dashboard, name="budget_dashboard"),
    path("<slug:plan_key>/kpis/", views.kpi_dashboard, name="kpi_dashboard"),
    path("<slug:plan_key>/reports/", views_documents.report_list, name="report_list"),
    path(
        "<slug:plan_key>/reports/<int:report_id>/",
        views_documents.report_view,
        name="report_view",
    ),
    path(
        "<slug:plan_key>/reports/<int:report_id>.<str:file_format>",
        views_documents.report_download,
        name="report_download",
    ),
    path("<slug:plan_key>/download.json", views_documents.plan_download_json, name="download_json"),
    path(
        "<slug:plan_key>/download/<str:table>.csv",
        views_documents.plan_download_csv,
        name="download_csv",
    ),
]
