from django.urls import path

from . import views_backoffice as views
from . import views_desk

app_name = "reports_backoffice"

urlpatterns = [
    path("", views_desk.report_queue, name="report_queue"),
    path("bulk/", views_desk.report_bulk, name="report_bulk"),
    path("templates/", views_desk.reply_template_list, name="reply_template_list"),
    path(
        "templates/<int:template_id>/", views_desk.reply_template_edit, name="reply_template_edit"
    ),
    path("api-keys/", views.api_key_list, name="api_key_list"),
    path("api-keys/<int:key_id>/deactivate/", views.api_key_deactivate, name="api_key_deactivate"),
    path("<int:report_id>/", views.report_manage, name="report_manage"),
    path("<int:report_id>/status/", views.report_status_change, name="report_status_change"),
    path("<int:report_id>/respond/", views.report_respond, name="report_respond"),
    path("<int:report_id>/assign/", views.report_assign, name="report_assign"),
    path("<int:report_id>/category/", views.report_recategorise, name="report_recategorise"),
    path("<int:report_id>/merge/", views.report_merge, name="report_merge"),
    path("<int:report_id>/visibility/", views.report_visibility, name="report_visibility"),
    path(
        "<int:report_id>/photos/visibility/",
        views.report_photo_visibility,
        name="report_photo_visibility",
    ),
]
