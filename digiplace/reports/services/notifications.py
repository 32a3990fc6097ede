"""Notifications of reports' changes to reporters, supporters and subscribers."""

from __future__ import annotations

import functools
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import gettext as _

from digiplace.core.models import (
    User,
)
from digiplace.core.notifications import notification_send

from ..models import (
    Neighbourhood,
    NeighbourhoodSubscription,
    Report,
    ReportStatus,
)


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
    # The public report page is not built yet; links appear once it is.
    try:
        return reverse("reports:report_detail", kwargs={"pk": report.pk})
    except NoReverseMatch:
        return ""


def _place(report: Report) -> str:
    if report.address or report.latitude is None or report.longitude is None:
        return report.address
    return f"{report.latitude:.5f}, {report.longitude:.5f}"


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
            (user, user.email if user else supporter.email, user.preferred_language if user else "")
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
) -> None:
    """Render ``subject(report)`` and ``body(report)`` in each person's language and send:
    in-app and email for accounts, a plain email after commit for name-and-email people."""
    from digiplace.core.tasks import email_send

    url = _report_url(report)
    municipality = report.municipality
    for user, email, language in people:
        with translation.override(_language_for(language, municipality.default_language)):
            subject_text, body_text = str(subject(report)), str(body(report))
        if user is not None:
            notification_send(
                recipient=user,
                kind=kind,
                subject=subject_text,
                body=body_text,
                url=url,
                municipality=municipality,
            )
        else:
            transaction.on_commit(
                functools.partial(
                    email_send.enqueue, subject=subject_text, body=body_text, to=[email]
                )
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
    people: list[tuple[User | None, str, str]] = [
        (subscription.user, subscription.user.email, subscription.user.preferred_language)
        for subscription in subscriptions
        if subscription.user_id != report.reporter_id
    ]

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

    _notify(
        report=report,
        kind="reports.neighbourhood_new",
        subject=subject,
        body=body,
        people=people,
    )
