"""Notifications of reports' changes to reporters, supporters and subscribers.

Every email links to the city's own host and carries an unsubscribe link: from a report's
updates (scope ``reports.report:<id>``: the person stays a supporter, counted, but is no
longer written to about it) or from a neighbourhood's new reports (scope
``reports.subscription:<id>``: the subscription ends). A reporter without an account is
sent, on the acknowledgement and on every change, the private link to follow the report.
"""

from __future__ import annotations

import functools
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from digiplace.core.models import (
    User,
)
from digiplace.core.notifications import (
    OptOutScope,
    email_digest,
    notification_send,
    opt_out_scope_register,
)
from digiplace.core.templatetags.digiplace import place_text

from ..models import (
    Neighbourhood,
    NeighbourhoodSubscription,
    Report,
    ReportStatus,
)

FOLLOW_LINK_SALT = "digiplace.reports.follow"


def _language_for(*candidates: str) -> str:
    codes = {code for code, _name in settings.LANGUAGES}
    for candidate in candidates:
        code = (candidate or "").lower().replace("_", "-")
        if code in codes:
            return code
        if code.split("-")[0] in codes:
            return code.split("-")[0]
    return settings.LANGUAGE_CODE


def _report_url(report: Report) -> str:
    return reverse("reports:report_detail", kwargs={"pk": report.pk})


def report_follow_token(report: Report) -> str:
    """The secret of the reporter's private link: bound to the report's token, so that a
    new token (``report_follow_link_renew``) ends every link sent before."""
    return salted_hmac(FOLLOW_LINK_SALT, f"{report.pk}:{report.token}").hexdigest()[:32]


def report_follow_token_check(report: Report, token: str) -> bool:
    return constant_time_compare(report_follow_token(report), token or "")


def report_follow_path(report: Report) -> str:
    return reverse(
        "reports:report_follow", kwargs={"pk": report.pk, "token": report_follow_token(report)}
    )


def report_scope(report: Report) -> str:
    """The unsubscribe scope of a report's updates."""
    return f"reports.report:{report.pk}"


def _place(report: Report) -> str:
    """Where the report is, in the active language: its address, else its coordinates."""
    return place_text(report.address, report.latitude, report.longitude)


def _recipients(report: Report, *, exclude: User | None) -> list[tuple[User | None, str, str]]:
    """(account or None, email, language) of the reporter and every supporter, once each."""
    people: list[tuple[User | None, str, str]] = []
    if report.reporter is not None:
        people.append(
            (
                report.reporter,
                report.reporter.email,
                report.reporter.preferred_language or report.locale,
            )
        )
    elif report.reporter_email:
        people.append((None, report.reporter_email, report.locale))
    for supporter in report.supporters.filter(confirmed_at__isnull=False).select_related("user"):
        user = supporter.user
        people.append(
            (
                user,
                user.email if user else supporter.email,
                (user.preferred_language if user else "") or supporter.language,
            )
        )
    seen: set[str] = set()
    unique = []
    for user, email, language in people:
        if not email or email.lower() in seen or (exclude is not None and user == exclude):
            continue
        if user is not None and not user.is_active:
            continue
        seen.add(email.lower())
        unique.append((user, email, language))
    return unique


def _notify(
    *,
    report: Report,
    kind: str,
    subject: Any,
    body: Any,
    people: list[tuple[User | None, str, str]],
    scope: str = "",
) -> None:
    """Render ``subject(report)`` and ``body(report)`` in each person's language and send:
    in-app and email for accounts, an email after commit for name-and-email people (the
    reporter among them with the private link to the report). ``scope`` is what the
    unsubscribe link stops (by default the report's updates)."""
    from digiplace.core.tasks import email_send

    scope = scope or report_scope(report)
    municipality = report.municipality
    for user, email, language in people:
        chosen = _language_for(language, municipality.default_language)
        with translation.override(chosen):
            subject_text, body_text = str(subject(report)), str(body(report))
        if user is not None:
            notification_send(
                recipient=user,
                kind=kind,
                subject=subject_text,
                body=body_text,
                url=_report_url(report),
                municipality=municipality,
                unsubscribe_scope=scope,
                language=chosen,
            )
            continue
        is_reporter = (
            report.reporter_id is None and email.lower() == (report.reporter_email or "").lower()
        )
        transaction.on_commit(
            functools.partial(
                email_send.enqueue,
                subject=subject_text,
                body=body_text,
                to=[email],
                municipality_id=municipality.pk,
                language=chosen,
                url=report_follow_path(report) if is_reporter else _report_url(report),
                unsubscribe_scope=scope,
                kind=kind,
            )
        )


def _reporter_acknowledge(report: Report) -> None:
    """Tell the reporter that the report arrived: its number, and how to follow it."""

    def subject(report: Report) -> str:
        return _("Report #%(number)s received") % {"number": report.pk}

    def body(report: Report) -> str:
        text = _(
            "Thank you. Your report #%(number)s (%(category)s, %(place)s) was sent to "
            "%(city)s. We will write to you when the city changes it."
        ) % {
            "number": report.pk,
            "category": report.category.name,
            "place": _place(report),
            "city": report.municipality.name,
        }
        if report.reporter_id is None:
            text += "\n\n" + _(
                "Follow your report at the link below: it is private to you (it shows what "
                "you sent, your contact details included), so do not share it."
            )
        return text

    _notify(
        report=report,
        kind="reports.created",
        subject=subject,
        body=body,
        people=_recipients(report, exclude=None)[:1]
        if report.reporter_id is not None or report.reporter_email
        else [],
    )


def _follow_link_send(report: Report) -> None:
    """Email a name-and-email reporter the new private link to their report."""

    def subject(report: Report) -> str:
        return _("Report #%(number)s: your new private link") % {"number": report.pk}

    def body(report: Report) -> str:
        return _(
            "You asked for a new private link to your report #%(number)s; the links we sent "
            "before no longer work. Follow your report at this link, and do not share it:"
        ) % {"number": report.pk}

    _notify(
        report=report,
        kind="reports.follow_link",
        subject=subject,
        body=body,
        people=[(None, report.reporter_email, report.locale)],
    )


def _status_subject(report: Report) -> str:
    return _("Report #%(number)s: %(status)s") % {
        "number": report.pk,
        "status": ReportStatus(report.status).label,
    }


def _status_body(response: str) -> Any:
    def render(report: Report) -> str:
        text = _("The report #%(number)s (%(category)s, %(place)s) is now “%(status)s”.") % {
            "number": report.pk,
            "category": report.category.name,
            "place": _place(report),
            "status": ReportStatus(report.status).label,
        }
        if response:
            text += "\n\n" + _("The city's response:") + "\n" + response
        return text

    return render


def _subscribers_notify(report: Report, neighbourhood: Neighbourhood) -> None:
    subscriptions = NeighbourhoodSubscription.objects.filter(
        neighbourhood=neighbourhood, user__is_active=True
    ).select_related("user")

    def subject(report: Report) -> str:
        return _("New report in %(neighbourhood)s: %(category)s") % {
            "neighbourhood": neighbourhood.name,
            "category": report.category.name,
        }

    def body(report: Report) -> str:
        return _("A new problem was reported at %(place)s:\n\n%(description)s") % {
            "place": _place(report),
            "description": report.description,
        }

    for subscription in subscriptions:
        if subscription.user_id == report.reporter_id:
            continue
        user = subscription.user
        _notify(
            report=report,
            kind="reports.neighbourhood_new",
            subject=subject,
            body=body,
            people=[(user, user.email, user.preferred_language)],
            scope=f"reports.subscription:{subscription.pk}",
        )


# What the unsubscribe links of the reports module stop


def _report_describe(rest: str) -> str:
    return _("the updates of report #%(number)s") % {"number": rest}


def _subscription_describe(rest: str) -> str:
    subscription = (
        NeighbourhoodSubscription.objects.filter(pk=int(rest))
        .select_related("neighbourhood")
        .first()
        if rest.isdigit()
        else None
    )
    if subscription is None:
        return _("new reports in a neighbourhood")
    return _("new reports in %(neighbourhood)s") % {
        "neighbourhood": subscription.neighbourhood.name
    }


def _subscription_opt_out(rest: str, digest: str) -> None:
    """The alert's unsubscribe link ends the subscription (its follower's address only)."""
    subscription = (
        NeighbourhoodSubscription.objects.filter(pk=int(rest)).select_related("user").first()
        if rest.isdigit()
        else None
    )
    if subscription is not None and email_digest(subscription.user.email) == digest:
        subscription.delete()


def opt_out_scopes_register() -> None:
    """Called by the app's ready()."""
    opt_out_scope_register("reports.report", OptOutScope(describe=_report_describe))
    opt_out_scope_register(
        "reports.subscription",
        OptOutScope(describe=_subscription_describe, on_opt_out=_subscription_opt_out),
    )
