from django.urls import path

from .views import accounts

app_name = "accounts"

urlpatterns = [
    path("register/", accounts.register, name="register"),
    path("register/sent/", accounts.register_done, name="register_done"),
    path("confirm/<str:uidb64>/<str:token>/", accounts.email_confirm, name="email_confirm"),
    path("login/", accounts.LoginView.as_view(), name="login"),
    path("logout/", accounts.LogoutView.as_view(), name="logout"),
    path("password-reset/", accounts.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        accounts.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password-reset/<str:uidb64>/<str:token>/",
        accounts.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/complete/",
        accounts.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("password/", accounts.PasswordChangeView.as_view(), name="password_change"),
    path("profile/", accounts.profile, name="profile"),
    path("export/", accounts.data_export, name="data_export"),
    path("delete/", accounts.account_delete, name="account_delete"),
    path("inbox/", accounts.inbox, name="inbox"),
    path("inbox/read-all/", accounts.notification_read_all, name="notification_read_all"),
    path(
        "inbox/<int:notification_id>/read/",
        accounts.notification_read,
        name="notification_read",
    ),
]
