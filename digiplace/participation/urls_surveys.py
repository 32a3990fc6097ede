"""Addresses of the surveys pages, public (``urlpatterns``, under /participation/) and staff
(``backoffice_urlpatterns``, under /backoffice/participation/). No app_name: the names
live in the ``participation`` and ``participation_backoffice`` namespaces."""

from django.urls import URLPattern, URLResolver, path

from .views import survey_staff, survey_staff_themes, surveys

urlpatterns: list[URLPattern | URLResolver] = [
    path("", surveys.survey_list, name="survey_list"),
    path("<slug:slug>/", surveys.survey_detail, name="survey_detail"),
    path("<slug:slug>/results/", surveys.survey_results, name="survey_results"),
    path("<slug:slug>/results.csv", surveys.survey_export_csv, name="survey_export_csv"),
    path("<slug:slug>/results.xlsx", surveys.survey_export_xlsx, name="survey_export_xlsx"),
]

# Staff pages (the survey builder and the themes of open answers): one line per page.
backoffice_urlpatterns: list[URLPattern | URLResolver] = [
    path("", survey_staff.survey_staff_list, name="survey_staff_list"),
    path(
        "processes/<int:process_id>/new/",
        survey_staff.survey_staff_create,
        name="survey_staff_create",
    ),
    path("<int:survey_id>/", survey_staff.survey_staff_detail, name="survey_staff_detail"),
    path(
        "<int:survey_id>/questions/new/",
        survey_staff.survey_staff_question_create,
        name="survey_staff_question_create",
    ),
    path(
        "questions/<int:question_id>/",
        survey_staff.survey_staff_question_edit,
        name="survey_staff_question_edit",
    ),
    path(
        "questions/<int:question_id>/delete/",
        survey_staff.survey_staff_question_delete,
        name="survey_staff_question_delete",
    ),
    path(
        "questions/<int:question_id>/move/",
        survey_staff.survey_staff_question_move,
        name="survey_staff_question_move",
    ),
    path(
        "questions/<int:question_id>/themes/",
        survey_staff_themes.survey_staff_themes,
        name="survey_staff_themes",
    ),
    path(
        "questions/<int:question_id>/themes/find/",
        survey_staff_themes.survey_staff_themes_find,
        name="survey_staff_themes_find",
    ),
    path(
        "questions/<int:question_id>/themes/none/",
        survey_staff_themes.survey_staff_unthemed,
        name="survey_staff_unthemed",
    ),
    path(
        "questions/<int:question_id>/answers/move/",
        survey_staff_themes.survey_staff_answers_move,
        name="survey_staff_answers_move",
    ),
    path(
        "themes/<int:theme_id>/",
        survey_staff_themes.survey_staff_theme_detail,
        name="survey_staff_theme_detail",
    ),
    path(
        "themes/<int:theme_id>/rename/",
        survey_staff_themes.survey_staff_theme_rename,
        name="survey_staff_theme_rename",
    ),
    path(
        "themes/<int:theme_id>/merge/",
        survey_staff_themes.survey_staff_theme_merge,
        name="survey_staff_theme_merge",
    ),
]
