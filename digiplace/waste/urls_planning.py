"""Planning pages under /backoffice/waste/ (planners) and the drivers' rounds under
/backoffice/waste/rounds/."""

from django.urls import URLPattern, URLResolver, path

from . import views_planning, views_rounds

urlpatterns: list[URLPattern | URLResolver] = []
backoffice_urlpatterns: list[URLPattern | URLResolver] = [
    path("", views_planning.index, name="index"),
    path("plans/new/", views_planning.plan_new, name="plan_new"),
    path("plans/<int:pk>/", views_planning.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/status/", views_planning.plan_status, name="plan_status"),
    path("plans/<int:pk>/publish/", views_planning.plan_publish, name="plan_publish"),
    path("plans/<int:pk>/recompute/", views_planning.plan_recompute, name="plan_recompute"),
    path("routes/<int:pk>/sheet.pdf", views_planning.route_sheet, name="route_sheet"),
    path("fleet/", views_planning.fleet_list, name="fleet_list"),
    path("fleet/depots/new/", views_planning.depot_edit, name="depot_new"),
    path("fleet/depots/<int:pk>/", views_planning.depot_edit, name="depot_edit"),
    path("fleet/trucks/new/", views_planning.truck_edit, name="truck_new"),
    path("fleet/trucks/<int:pk>/", views_planning.truck_edit, name="truck_edit"),
    path("settings/", views_planning.settings_edit, name="settings"),
    path("rounds/", views_rounds.rounds_index, name="rounds"),
    path("rounds/routes/<int:pk>/", views_rounds.rounds_route, name="rounds_route"),
    path("rounds/stops/<int:pk>/emptied/", views_rounds.stop_emptied, name="stop_emptied"),
    path("rounds/stops/<int:pk>/problem/", views_rounds.stop_problem, name="stop_problem"),
]
