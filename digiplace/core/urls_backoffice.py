from django.urls import path

from .views import backoffice

app_name = "backoffice"

urlpatterns = [
    path("", backoffice.dashboard, name="dashboard"),
    path("departments/", backoffice.department_list, name="department_list"),
    path("departments/new/", backoffice.department_create, name="department_create"),
    path(
        "departments/<int:department_id>/edit/",
        backoffice.department_update,
        name="department_update",
    ),
    path(
        "departments/<int:department_id>/delete/",
        backoffice.department_delete,
        name="department_delete",
    ),
    path("staff/", backoffice.membership_list, name="membership_list"),
    path("staff/new/", backoffice.membership_create, name="membership_create"),
    path("staff/<int:membership_id>/edit/", backoffice.membership_update, name="membership_update"),
    path(
        "staff/<int:membership_id>/delete/",
        backoffice.membership_delete,
        name="membership_delete",
    ),
    path("audit-log/", backoffice.audit_log_list, name="audit_log_list"),
    path("audit-log/<int:entry_id>/", backoffice.audit_log_detail, name="audit_log_detail"),
]
