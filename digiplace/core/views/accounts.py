"""Account pages: registration, login, password reset, profile, data download, deletion, inbox."""

from __future__ import annotations

import contextlib
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.decorators import method_decorator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_POST
from django_htmx.middleware import HtmxDetails

from .. import personal_data, selectors, services, throttles
from ..forms import (
    AccountDeleteForm,
    EmailTaskPasswordResetForm,
    LoginForm,
    ProfileForm,
    RegistrationForm,
)
from ..i18n import language_cookie_set
from ..models import User
from ..parsing import ParseError, parse_integer
from ..throttles import throttled, throttles_allow, throttles_count

INBOX_PAGE_SIZE = 50


class AccountRequest(HttpRequest):
    """A request that login_required let through; django-htmx adds ``htmx``."""

    user: User
    htmx: HtmxDetails
    LANGUAGE_CODE: str


def _page_language(request: HttpRequest) -> str:
    return getattr(request, "LANGUAGE_CODE", None) or settings.LANGUAGE_CODE


def _site_name(request: HttpRequest) -> str:
    municipality = getattr(request, "municipality", None)
    return municipality.name if municipality is not None else "DigiPlace"


def register(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("accounts:profile")
    if request.method == "POST":
        form = RegistrationForm(request.POST)
        # Every attempt counts, before validation: a taken address fails validation too.
        if not throttles_allow(
            request,
            per_client=throttles.REGISTRATION_PER_CLIENT,
            per_target=throttles.REGISTRATION_PER_ADDRESS,
            target=str(request.POST.get("email", ""))[:254],
        ):
            form.is_valid()
            form.add_error(None, throttles.THROTTLED_MESSAGE)
            return throttled(render(request, "core/account/register.html", {"form": form}))
        if form.is_valid():
            try:
                services.user_register(
                    email=form.cleaned_data["email"],
                    full_name=form.cleaned_data["full_name"],
                    password=form.cleaned_data["password1"],
                    preferred_language=form.cleaned_data["preferred_language"],
                    site_root=f"{request.scheme}://{request.get_host()}",
                    site_name=_site_name(request),
                    email_language=_page_language(request),
                    municipality=getattr(request, "municipality", None),
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                return redirect("accounts:register_done")
    else:
        form = RegistrationForm(initial={"preferred_language": _page_language(request)})
    return render(request, "core/account/register.html", {"form": form})


def register_done(request: HttpRequest) -> HttpResponse:
    return render(request, "core/account/register_done.html")


def email_confirm(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    # Activating on GET is safe: a mail scanner following the link only confirms the
    # address it was sent to; logging in still needs the password.
    user = services.user_email_confirm(uidb64=uidb64, token=token)
    if user is None:
        return render(request, "core/account/email_confirm_invalid.html", status=400)
    messages.success(request, _("Your email is confirmed. You can log in now."))
    return redirect("accounts:login")


class LoginView(auth_views.LoginView):
    """Django's login view, whose empty form an anonymous visitor may get from the page
    cache (core.page_cache puts each visitor's own CSRF token in it); every other answer
    (a redirect, a form sent back with errors) is never cached, as Django's is."""

    template_name = "core/account/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    @method_decorator(sensitive_post_parameters())
    @method_decorator(csrf_protect)
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if self.redirect_authenticated_user and request.user.is_authenticated:
            response: HttpResponseBase = HttpResponseRedirect(self.get_success_url())
        else:
            # FormView's dispatch: Django's own adds never_cache to every answer.
            response = super(auth_views.LoginView, self).dispatch(request, *args, **kwargs)
        if request.method not in {"GET", "HEAD"} or response.status_code != 200:
            add_never_cache_headers(response)
        return response


class LogoutView(auth_views.LogoutView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        messages.info(request, _("You are logged out."))
        return response


class PasswordResetView(auth_views.PasswordResetView):
    form_class = EmailTaskPasswordResetForm
    template_name = "core/account/password_reset_form.html"
    subject_template_name = "core/account/password_reset_subject.txt"
    email_template_name = "core/account/password_reset_email.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form: Any) -> HttpResponse:
        count = throttles_count(
            self.request,
            per_client=throttles.PASSWORD_RESET_PER_CLIENT,
            per_target=throttles.PASSWORD_RESET_PER_ADDRESS,
            target=form.cleaned_data["email"],
        )
        if not count.client_allowed:
            form.add_error(None, throttles.THROTTLED_MESSAGE)
            return throttled(self.form_invalid(form))
        if not count.target_allowed:
            # Someone else may be using up this address's resets: its owner sees the usual
            # answer (and the mails sent already), no refusal they could be locked out by.
            return HttpResponseRedirect(self.get_success_url())
        municipality = getattr(self.request, "municipality", None)
        self.extra_email_context = {
            "site_title": _site_name(self.request),
            # Sent from the city's own sender (EmailTaskPasswordResetForm.send_mail).
            "municipality_id": municipality.pk if municipality else None,
        }
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "core/account/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "core/account/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "core/account/password_reset_complete.html"


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "core/account/password_change.html"
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(self.request, _("Your password is changed."))
        return response


@login_required
def profile(request: AccountRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            language = form.cleaned_data["preferred_language"]
            services.user_profile_update(
                user=user,
                full_name=form.cleaned_data["full_name"],
                preferred_language=language,
                notify_in_app=form.cleaned_data["notify_in_app"],
                notify_by_email=form.cleaned_data["notify_by_email"],
            )
            with translation.override(language):
                messages.success(request, gettext("Your profile is saved."))
            response = redirect("accounts:profile")
            if language != _page_language(request):
                language_cookie_set(response, language)
            return response
    else:
        form = ProfileForm(
            initial={
                "full_name": user.full_name,
                "preferred_language": user.preferred_language or _page_language(request),
                "notify_in_app": user.notify_in_app,
                "notify_by_email": user.notify_by_email,
            }
        )
    return render(request, "core/account/profile.html", {"form": form})


@login_required
@require_GET
@never_cache
def data_export(request: AccountRequest) -> HttpResponse:
    response = JsonResponse(
        personal_data.user_data_export(user=request.user),
        json_dumps_params={"indent": 2, "ensure_ascii": False},
    )
    response["Content-Disposition"] = 'attachment; filename="digiplace-my-data.json"'
    return response


@login_required
def account_delete(request: AccountRequest) -> HttpResponse:
    if request.method == "POST":
        form = AccountDeleteForm(request.POST, user=request.user)
        if form.is_valid():
            personal_data.user_erase(user=request.user)
            logout(request)
            messages.success(request, _("Your account and your data are deleted."))
            return redirect("core:home")
    else:
        form = AccountDeleteForm(user=request.user)
    return render(request, "core/account/account_delete.html", {"form": form})


def _inbox_context(request: AccountRequest, page_number: str | None) -> dict[str, Any]:
    paginator = Paginator(selectors.notification_inbox(user=request.user), INBOX_PAGE_SIZE)
    page = paginator.get_page(page_number)
    return {"page": page, "notifications": page.object_list}


@login_required
@require_GET
def inbox(request: AccountRequest) -> HttpResponse:
    context = _inbox_context(request, request.GET.get("page"))
    return render(request, "core/account/inbox.html", context)


def _inbox_updated(request: AccountRequest) -> HttpResponse:
    """After marking: the new list for HTMX, a redirect back to the same page otherwise."""
    page_number = request.POST.get("page")
    if request.htmx:
        context = _inbox_context(request, page_number)
        return render(request, "core/account/_inbox_list.html", context)
    url = reverse("accounts:inbox")
    with contextlib.suppress(ParseError):  # no page, or not one: the first
        url = f"{url}?page={parse_integer(page_number or '', name='page', minimum=1)}"
    return redirect(url)


@login_required
@require_POST
def notification_read(request: AccountRequest, notification_id: int) -> HttpResponse:
    notification = get_object_or_404(
        selectors.notification_inbox(user=request.user), pk=notification_id
    )
    services.notification_mark_read(user=request.user, notification_id=notification.pk)
    return _inbox_updated(request)


@login_required
@require_POST
def notification_read_all(request: AccountRequest) -> HttpResponse:
    services.notification_mark_all_read(user=request.user)
    return _inbox_updated(request)
