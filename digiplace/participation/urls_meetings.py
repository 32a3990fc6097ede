"""Addresses of the meetings pages, public (``urlpatterns``, under /participation/) and staff
(``backoffice_urlpatterns``, under /backoffice/participation/). No app_name: the names
live in the ``participation`` and ``participation_backoffice`` namespaces."""

from django.urls import URLPattern, URLResolver, path

from .views import meetings, meetings_backoffice, meetings_forum

urlpatterns: list[URLPattern | URLResolver] = [
    path("", meetings.meeting_list, name="meeting_list"),
    path(
        "process/<slug:slug>.ics",
        meetings.meeting_process_ical,
        name="meeting_process_ical",
    ),
    path("<slug:slug>/", meetings.meeting_detail, name="meeting_detail"),
    path("<slug:slug>/meeting.ics", meetings.meeting_ical, name="meeting_ical"),
    path("<slug:slug>/register/", meetings.meeting_register, name="meeting_register"),
    path(
        "<slug:slug>/cancel-registration/",
        meetings.meeting_unregister,
        name="meeting_unregister",
    ),
    path(
        "<slug:slug>/position-paper.pdf",
        meetings.meeting_position_paper,
        name="meeting_position_paper",
    ),
    path("<slug:slug>/questions/", meetings_forum.meeting_questions, name="meeting_questions"),
    path(
        "<slug:slug>/questions/live/",
        meetings_forum.meeting_questions_fragment,
        name="meeting_questions_fragment",
    ),
    path(
        "<slug:slug>/questions/<int:pk>/upvote/",
        meetings_forum.meeting_question_vote,
        name="meeting_question_vote",
    ),
]

backoffice_urlpatterns: list[URLPattern | URLResolver] = [
    path("", meetings_backoffice.meeting_staff_list, name="meeting_staff_list"),
    path("new/", meetings_backoffice.meeting_create, name="meeting_create"),
    path("<int:pk>/", meetings_backoffice.meeting_edit, name="meeting_edit"),
    path("<int:pk>/publish/", meetings_backoffice.meeting_publish, name="meeting_publish"),
    path("<int:pk>/cancel/", meetings_backoffice.meeting_cancel, name="meeting_cancel"),
    path(
        "<int:pk>/registrations/",
        meetings_backoffice.meeting_registrations,
        name="meeting_registrations",
    ),
    path(
        "<int:pk>/registrations.csv",
        meetings_backoffice.meeting_registrations_csv,
        name="meeting_registrations_csv",
    ),
    path("<int:pk>/documents/", meetings_backoffice.meeting_documents, name="meeting_documents"),
    path("<int:pk>/moderate/", meetings_backoffice.meeting_moderate, name="meeting_moderate"),
    path(
        "<int:pk>/moderate/live/",
        meetings_backoffice.meeting_moderate_fragment,
        name="meeting_moderate_fragment",
    ),
    path(
        "<int:pk>/moderate/questions/<int:question_pk>/",
        meetings_backoffice.meeting_question_moderate,
        name="meeting_question_moderate",
    ),
    path(
        "<int:pk>/moderate/add/",
        meetings_backoffice.meeting_question_add,
        name="meeting_question_add",
    ),
    path(
        "<int:pk>/moderate/toggle/",
        meetings_backoffice.meeting_questions_toggle,
        name="meeting_questions_toggle",
    ),
]
