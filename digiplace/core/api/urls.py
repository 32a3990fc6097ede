"""Version 1 of the API, mounted at /api/v1/."""

from django.urls import path

from . import views

app_name = "api"

urlpatterns = [
    path("auth/token/", views.TokenCreateApi.as_view(), name="token_create"),
    path("auth/token/revoke/", views.TokenRevokeApi.as_view(), name="token_revoke"),
    path("municipalities/", views.MunicipalityListApi.as_view(), name="municipality_list"),
    path(
        "municipalities/<slug:slug>/",
        views.MunicipalityDetailApi.as_view(),
        name="municipality_detail",
    ),
    path("me/", views.MeApi.as_view(), name="me"),
    path("notifications/", views.NotificationListApi.as_view(), name="notification_list"),
    path(
        "notifications/<int:notification_id>/read/",
        views.NotificationReadApi.as_view(),
        name="notification_read",
    ),
    path(
        "backoffice/departments/",
        views.DepartmentListApi.as_view(),
        name="department_list",
    ),
    path(
        "backoffice/departments/<int:department_id>/",
        views.DepartmentDetailApi.as_view(),
        name="department_detail",
    ),
    path("backoffice/staff/", views.StaffListApi.as_view(), name="staff_list"),
    path("backoffice/audit-log/", views.AuditLogListApi.as_view(), name="audit_log_list"),
]
