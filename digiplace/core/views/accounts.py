# TEMPORARY STUB - to be replaced by the accounts implementation.
from django.contrib.auth import views as auth_views
from django.http import HttpResponse

LoginView = auth_views.LoginView
LogoutView = auth_views.LogoutView
PasswordResetView = auth_views.PasswordResetView
PasswordResetDoneView = auth_views.PasswordResetDoneView
PasswordResetConfirmView = auth_views.PasswordResetConfirmView
PasswordResetCompleteView = auth_views.PasswordResetCompleteView


def register(request):
    return HttpResponse("stub")


def email_confirm(request, uidb64, token):
    return HttpResponse("stub")


def profile(request):
    return HttpResponse("stub")


def data_export(request):
    return HttpResponse("stub")


def account_delete(request):
    return HttpResponse("stub")


def inbox(request):
    return HttpResponse("stub")
