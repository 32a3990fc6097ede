"""Addresses of the budgeting pages, public (``urlpatterns``, under /participation/budgets/)
and staff (``backoffice_urlpatterns``, under /backoffice/participation/budgets/). No
app_name: the names live in the ``participation`` and ``participation_backoffice``
namespaces."""

from django.urls import URLPattern, URLResolver, path

from .views import budgeting as public
from .views import budgeting_staff as staff

urlpatterns: list[URLPattern | URLResolver] = [
    path("", public.budget_list, name="budget_list"),
    path("<int:pk>/", public.budget_detail, name="budget_detail"),
    path("<int:pk>/zones/<slug:slug>/", public.budget_zone_detail, name="budget_zone_detail"),
    path(
        "<int:pk>/zones/<slug:slug>/results/",
        public.budget_zone_results,
        name="budget_zone_results",
    ),
    path("<int:pk>/zones/<slug:slug>/ballots.pb", public.budget_zone_pb, name="budget_zone_pb"),
    path(
        "<int:pk>/zones/<slug:slug>/projects/new/",
        public.budget_project_new,
        name="budget_project_new",
    ),
    path(
        "<int:pk>/projects/<int:project_pk>/",
        public.budget_project_detail,
        name="budget_project_detail",
    ),
]

backoffice_urlpatterns: list[URLPattern | URLResolver] = [
    path("", staff.budget_list, name="budget_list"),
    path("new/", staff.budget_create, name="budget_create"),
    path("<int:pk>/", staff.budget_detail, name="budget_detail"),
    path("<int:pk>/edit/", staff.budget_edit, name="budget_edit"),
    path("<int:pk>/zones/<int:zone_pk>/", staff.budget_zone_edit, name="budget_zone_edit"),
    path(
        "<int:pk>/zones/<int:zone_pk>/import/",
        staff.budget_zone_ballots_import,
        name="budget_zone_ballots_import",
    ),
    path(
        "<int:pk>/projects/<int:project_pk>/review/",
        staff.budget_project_review,
        name="budget_project_review",
    ),
    path("<int:pk>/close/", staff.budget_voting_close, name="budget_voting_close"),
    path("<int:pk>/publish/", staff.budget_results_publish, name="budget_results_publish"),
]
