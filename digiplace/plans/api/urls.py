from django.urls import path

from . import views

urlpatterns = [
    path("", views.PlanListView.as_view(), name="api-plan-list"),
    path("<slug:plan_key>/", views.PlanDetailView.as_view(), name="api-plan-detail"),
    path("<slug:plan_key>/projects/", views.ProjectListView.as_view(), name="api-plan-projects"),
    path(
        "<slug:plan_key>/projects/<str:project_key>/",
        views.ProjectDetailView.as_view(),
        name="api-plan-project-detail",
    ),
    path("<slug:plan_key>/kpis/", views.KpiListView.as_view(), name="api-plan-kpis"),
    path(
        "<slug:plan_key>/kpis/<str:kpi_key>/measurements/",
        views.MeasurementListCreateView.as_view(),
        name="api-plan-kpi-measurements",
    ),
]
