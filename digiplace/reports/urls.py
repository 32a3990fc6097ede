from django.urls import path

from . import views_public as views
from . import views_resident

app_name = "reports"

urlpatterns = [
    path("", views.report_list, name="report_list"),
    path("map-data.json", views.map_data, name="map_data"),
    path("new/", views.report_new, name="report_new"),
    path("new/questions/", views.category_questions, name="category_questions"),
    path("new/nearby/", views.nearby, name="nearby"),
    path("statistics/", views.statistics, name="statistics"),
    path("statistics.csv", views.statistics_csv, name="statistics_csv"),
    path("subscriptions/", views.subscription_create, name="subscription_create"),
    path(
        "subscriptions/<int:pk>/delete/",
        views.subscription_delete,
        name="subscription_delete",
    ),
    path("mine/", views_resident.report_mine, name="mine"),
    path("mine/supports/", views_resident.support_mine, name="mine_supports"),
    path("<int:pk>/", views.report_detail, name="report_detail"),
    path("<int:pk>/follow/<str:token>/", views_resident.report_follow, name="report_follow"),
    path("<int:pk>/support/withdraw/", views_resident.support_withdraw, name="support_withdraw"),
    path("<int:pk>/edit/", views.report_edit, name="report_edit"),
    path("<int:pk>/support/", views.report_support, name="support"),
    path(
        "<int:pk>/support/confirm/<str:token>/",
        views.report_support_confirm,
        name="support_confirm",
    ),
    path("<int:pk>/flag/", views.report_flag, name="flag_abuse"),
]
