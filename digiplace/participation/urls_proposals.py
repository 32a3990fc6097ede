"""Addresses of the proposals pages, public (``urlpatterns``, under /participation/) and staff
(``backoffice_urlpatterns``, under /backoffice/participation/). No app_name: the names
live in the ``participation`` and ``participation_backoffice`` namespaces."""

from django.urls import URLPattern, URLResolver, path

from .views import proposals as views
from .views import proposals_staff as staff_views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.proposal_list, name="proposal_list"),
    path("new/", views.proposal_new, name="proposal_new"),
    path("<int:pk>/", views.proposal_detail, name="proposal_detail"),
    path("<int:pk>/support/", views.proposal_support, name="proposal_support"),
    path("<int:pk>/comments/", views.proposal_comment, name="proposal_comment"),
    path("<int:pk>/flag/", views.proposal_flag, name="proposal_flag"),
    path(
        "<int:pk>/comments/<int:comment_id>/flag/",
        views.proposal_comment_flag,
        name="proposal_comment_flag",
    ),
]

backoffice_urlpatterns: list[URLPattern | URLResolver] = [
    path("", staff_views.proposal_staff_list, name="proposal_staff_list"),
    path("moderation/", staff_views.moderation_queue, name="moderation_queue"),
    path(
        "moderation/<int:flag_id>/",
        staff_views.proposal_flag_decide,
        name="proposal_flag_decide",
    ),
    path("<int:proposal_id>/", staff_views.proposal_staff_detail, name="proposal_staff_detail"),
    path(
        "<int:proposal_id>/answer/", staff_views.proposal_staff_answer, name="proposal_staff_answer"
    ),
    path(
        "<int:proposal_id>/visibility/",
        staff_views.proposal_staff_visibility,
        name="proposal_staff_visibility",
    ),
    path(
        "<int:proposal_id>/comments/<int:comment_id>/visibility/",
        staff_views.proposal_staff_comment_visibility,
        name="proposal_staff_comment_visibility",
    ),
    path(
        "<int:proposal_id>/plan-project/",
        staff_views.proposal_staff_plan_project,
        name="proposal_staff_plan_project",
    ),
    path(
        "<int:proposal_id>/budget-project/",
        staff_views.proposal_staff_budget_project,
        name="proposal_staff_budget_project",
    ),
]
