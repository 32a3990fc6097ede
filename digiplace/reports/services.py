"""Writes of the reports module (signatures agreed between the web, staff and Open311 parts).

Every function validates first and raises django.core.exceptions.ValidationError with a
dict of field → messages (in the active language) before writing anything; writes happen
in one transaction; notifications go out after commit.

Error keys of ``report_create``: ``category``, ``location``, ``description``, ``address``,
``attribute[<code>]`` (one per question, as Open311 names the parameter), ``photos``,
``reporter_name``, ``reporter_email``, ``reporter_phone``, ``device_id`` and ``__all__``
(rate limits).
"""

from __future__ import annotations

import datetime
import functools
import math
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import connection, transaction
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from digiplace.core.audit import audit_record, model_snapshot
from digiplace.core.models import (
    AuditAction,
    Department,
    Municipality,
    StaffMembership,
    User,
)
from digiplace.core.notifications import notification_send

from .geometry import neighbourhood_for_point
from .models import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    AbuseFlag,
    ApiKey,
    AttributeDatatype,
    Category,
    CategoryAttribute,
    Neighbourhood,
    NeighbourhoodSubscription,
    Report,
    ReportPhoto,
    ReportStatus,
    ReportUpdate,
    RoutingRule,
    Supporter,
    UpdateKind,
)
from .photos import MAX_PHOTO_BYTES, CleanPhoto, photo_clean
from .selectors import DUPLICATE_RADIUS_METRES

EDIT_WINDOW = datetime.timedelta(minutes=30)
MAX_PHOTOS = 3
# Rate limits: reports per person (account or email) and per source address in one hour.
RATE_LIMIT_WINDOW = datetime.timedelta(hours=1)
MAX_REPORTS_PER_PERSON = 10
MAX_REPORTS_PER_ADDRESS = 20
MAX_DESCRIPTION_LENGTH = 4000
MAX_STRING_ANSWER_LENGTH = 300
MAX_TEXT_ANSWER_LENGTH = 4000

__all__ = [
    "DUPLICATE_RADIUS_METRES",
    "EDIT_WINDOW",
    "MAX_PHOTOS",
    "MAX_PHOTO_BYTES",
    "MAX_REPORTS_PER_ADDRESS",
    "MAX_REPORTS_PER_PERSON",
    "department_for",
    "report_assign",
    "report_change_status",
    "report_create",
    "report_edit_description",
    "report_flag_abuse",
    "report_merge",
    "report_moderate",
    "report_recategorise",
    "report_respond",
    "report_support",
]

Errors = dict[str, list[str]]


# Routing


def department_for(*, category: Category, neighbourhood: Neighbourhood | None) -> Department | None:
    """The department of the most specific routing rule (category and neighbourhood, then
    category alone, then neighbourhood alone), else the category's own department."""
    condition = Q(category=category, neighbourhood__isnull=True)
    if neighbourhood is not None:
        condition |= Q(category=category, neighbourhood=neighbourhood)
        condition |= Q(category__isnull=True, neighbourhood=neighbourhood)
    rules = list(
        RoutingRule.objects.filter(
            condition, municipality_id=category.municipality_id
        ).select_related("department")
    )

    def specificity(rule: RoutingRule) -> int:
        if rule.category_id is not None and rule.neighbourhood_id is not None:
            return 0
        return 1 if rule.category_id is not None else 2

    if rules:
        return min(rules, key=specificity).department
    return category.department


# Validation helpers


def _add(errors: Errors, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def _raise_if(errors: Errors) -> None:
    if errors:
        raise ValidationError(errors)


def _answer_clean(question: CategoryAttribute, value: Any) -> Any:
    """The stored form of one answer: strings, a decimal as a string, an ISO 8601 date-time,
    a list key or a list of keys. Raises ValidationError with a message naming the question."""
    label = question.description
    datatype = question.datatype
    if datatype in (AttributeDatatype.STRING, AttributeDatatype.TEXT):
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise ValidationError(_("“%(question)s”: enter text.") % {"question": label})
        text = str(value).strip()
        limit = (
            MAX_STRING_ANSWER_LENGTH
            if datatype == AttributeDatatype.STRING
            else MAX_TEXT_ANSWER_LENGTH
        )
        if len(text) > limit:
            raise ValidationError(
                _("“%(question)s”: use at most %(limit)d characters.")
                % {"question": label, "limit": limit}
            )
        return text
    if datatype == AttributeDatatype.NUMBER:
        try:
            if isinstance(value, bool):
                raise InvalidOperation
            number = Decimal(str(value).strip().replace(",", "."))
        except (InvalidOperation, ValueError):
            number = None
        if number is None or not number.is_finite():
            raise ValidationError(_("“%(question)s”: enter a number.") % {"question": label})
        return str(number)
    if datatype == AttributeDatatype.DATETIME:
        moment: datetime.datetime | None = None
        if isinstance(value, datetime.datetime):
            moment = value
        elif isinstance(value, str):
            try:
                moment = datetime.datetime.fromisoformat(value.strip())
            except ValueError:
                moment = None
        if moment is None:
            raise ValidationError(
                _("“%(question)s”: enter a date and time such as 2025-05-31T14:30:00+03:00.")
                % {"question": label}
            )
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        return moment.isoformat()
    keys = {str(choice.get("key")) for choice in question.values if isinstance(choice, dict)}
    if datatype == AttributeDatatype.SINGLE:
        if isinstance(value, list | tuple) and len(value) == 1:
            value = value[0]
        if isinstance(value, list | tuple | dict) or str(value) not in keys:
            raise ValidationError(
                _("“%(question)s”: choose one of the options offered.") % {"question": label}
            )
        return str(value)
    # Several choices from a list.
    chosen = [value] if isinstance(value, str | int) else value
    if not isinstance(chosen, list | tuple) or not chosen:
        raise ValidationError(
            _("“%(question)s”: choose one or more of the options offered.") % {"question": label}
        )
    answer: list[str] = []
    for item in chosen:
        if isinstance(item, list | tuple | dict) or str(item) not in keys:
            raise ValidationError(
                _("“%(question)s”: “%(value)s” is not one of the options offered.")
                % {"question": label, "value": item}
            )
        if str(item) not in answer:
            answer.append(str(item))
    return answer


def attributes_clean(*, category: Category, answers: dict[str, Any] | None) -> dict[str, Any]:
    """Answers to the category's questions, checked by datatype; raises ValidationError
    keyed ``attribute[<code>]`` (unknown codes and missing required answers included)."""
    answers = answers or {}
    errors: Errors = {}
    questions = {question.code: question for question in category.attributes.all()}
    for code in sorted(set(answers) - set(questions)):
        _add(
            errors,
            f"attribute[{code}]",
            _("This category has no question with the code “%(code)s”.") % {"code": code},
        )
    cleaned: dict[str, Any] = {}
    for code, question in questions.items():
        value = answers.get(code)
        if value is None or value == "" or value == [] or value == ():
            if question.required:
                _add(
                    errors,
                    f"attribute[{code}]",
                    _("Answer the question “%(question)s”.") % {"question": question.description},
                )
            continue
        try:
            cleaned[code] = _answer_clean(question, value)
        except ValidationError as error:
            for message in error.messages:
                _add(errors, f"attribute[{code}]", message)
    _raise_if(errors)
    return cleaned


def _location_clean(
    errors: Errors, municipality: Municipality, latitude: Any, longitude: Any, address: str
) -> tuple[float | None, float | None]:
    """A point inside the city, or no point at all when an address or landmark says where."""
    if latitude in (None, "") and longitude in (None, ""):
        if not address:
            _add(
                errors,
                "location",
                _(
                    "Show where the problem is: pick the place on the map, use your "
                    "location, or write an address or a landmark."
                ),
            )
        return None, None
    try:
        latitude, longitude = float(latitude), float(longitude)
    except (TypeError, ValueError):
        _add(errors, "location", _("Give the place as a latitude and a longitude."))
        return 0.0, 0.0
    if not (math.isfinite(latitude) and math.isfinite(longitude)) or not (
        -90 <= latitude <= 90 and -180 <= longitude <= 180
    ):
        _add(errors, "location", _("Give the place as a latitude and a longitude."))
    elif not municipality.contains_point(latitude, longitude):
        _add(errors, "location", _("This place is outside %(city)s.") % {"city": municipality})
    return latitude, longitude


def _description_clean(errors: Errors, description: str) -> str:
    text = (description or "").strip()
    if not text:
        _add(errors, "description", _("Describe the problem."))
    elif len(text) > MAX_DESCRIPTION_LENGTH:
        _add(
            errors,
            "description",
            _("Use at most %(limit)d characters to describe the problem.")
            % {"limit": MAX_DESCRIPTION_LENGTH},
        )
    return text


def _photos_clean(errors: Errors, photos: Sequence[UploadedFile]) -> list[CleanPhoto]:
    if len(photos) > MAX_PHOTOS:
        _add(errors, "photos", _("Send at most %(count)d photos.") % {"count": MAX_PHOTOS})
        return []
    cleaned = []
    for number, upload in enumerate(photos, start=1):
        try:
            cleaned.append(photo_clean(upload))
        except ValidationError as error:
            for message in error.messages:
                _add(
                    errors,
                    "photos",
                    _("Photo %(number)d: %(message)s") % {"number": number, "message": message},
                )
    return cleaned


def _advisory_lock(key: str) -> None:
    # Serialises the count-then-insert of the rate limits for one person or address.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"reports:{key}"])


def _rate_limits_check(*, reporter: User | None, email: str, source_address: str | None) -> None:
    since = timezone.now() - RATE_LIMIT_WINDOW
    recent = Report.objects.filter(created_at__gte=since)
    person = Q(reporter_email__iexact=email) if email else Q(pk__in=[])
    if reporter is not None:
        person |= Q(reporter=reporter)
    _advisory_lock(f"person:{reporter.pk if reporter else email.lower()}")
    if recent.filter(person).count() >= MAX_REPORTS_PER_PERSON:
        raise ValidationError(
            {
                NON_FIELD_ERRORS: [
                    _(
                        "You have sent %(count)d reports in the last hour; please wait a "
                        "while before sending another."
                    )
                    % {"count": MAX_REPORTS_PER_PERSON}
                ]
            }
        )
    if source_address:
        _advisory_lock(f"address:{source_address}")
        if recent.filter(source_address=source_address).count() >= MAX_REPORTS_PER_ADDRESS:
            raise ValidationError(
                {
                    NON_FIELD_ERRORS: [
                        _(
                            "Too many reports were sent from your network in the last hour; "
                            "please try again later."
                        )
                    ]
                }
            )


# Notifications


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
    for supporter in report.supporters.select_related("user"):
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


# Shared write helpers


def _lock(report: Report) -> Report:
    return (
        Report.objects.select_for_update(of=("self",))
        .select_related("municipality", "category", "reporter")
        .get(pk=report.pk)
    )


def _save(locked: Report, report: Report, fields: list[str]) -> None:
    """Save ``fields`` of the locked row and mirror them on the caller's instance."""
    locked.updated_at = timezone.now()
    fields = [*fields, "updated_at"]
    locked.save(update_fields=fields)
    for field in fields:
        setattr(report, field, getattr(locked, field))


def _update_add(
    report: Report,
    *,
    kind: str,
    author: User | None,
    text: str = "",
    is_public: bool = True,
    old_status: str = "",
    new_status: str = "",
) -> ReportUpdate:
    return ReportUpdate.objects.create(
        municipality_id=report.municipality_id,
        report=report,
        kind=kind,
        author=author,
        text=text,
        is_public=is_public,
        old_status=old_status,
        new_status=new_status,
    )


# Residents


def report_create(
    *,
    municipality: Municipality,
    category: Category,
    latitude: float | None,
    longitude: float | None,
    description: str,
    address: str = "",
    attributes: dict[str, Any] | None = None,
    photos: Sequence[UploadedFile] = (),
    reporter: User | None = None,
    reporter_name: str = "",
    reporter_email: str = "",
    reporter_phone: str = "",
    is_anonymous: bool = True,
    api_key: ApiKey | None = None,
    device_id: str = "",
    source_address: str | None = None,
    locale: str = "",
) -> Report:
    """Validate (bounds, category active, attribute answers by datatype, photos: JPEG/PNG/WebP,
    size, at most 3; a reporter or name+email; rate limits per person and per address),
    route (neighbourhood from the point, department from the routing rules), set the SLA
    date and the edit window, re-encode the photos without metadata, record the "created"
    update, and notify neighbourhood subscribers after commit."""
    errors: Errors = {}
    if category.municipality_id != municipality.pk:
        _add(errors, "category", _("Choose one of this city's categories."))
    elif not category.is_active:
        _add(errors, "category", _("This category no longer takes reports."))
    address = (address or "").strip()
    latitude, longitude = _location_clean(errors, municipality, latitude, longitude, address)
    description = _description_clean(errors, description)
    if len(address) > 300:
        _add(errors, "address", _("Use at most 300 characters for the address."))

    reporter_name = (reporter_name or "").strip()
    reporter_email = (reporter_email or "").strip().lower()
    reporter_phone = (reporter_phone or "").strip()
    if reporter is not None:
        if not reporter.is_active:
            _add(errors, "reporter_email", _("This account is not active."))
        reporter_name = reporter_name or reporter.full_name
        reporter_email = reporter_email or reporter.email.lower()
    else:
        if not reporter_name:
            _add(errors, "reporter_name", _("Give your name."))
        if not reporter_email:
            _add(errors, "reporter_email", _("Give your email address, so we can tell you."))
    if reporter_email:
        try:
            validate_email(reporter_email)
        except ValidationError:
            _add(errors, "reporter_email", _("Enter a valid email address."))
    if len(reporter_name) > 150:
        _add(errors, "reporter_name", _("Use at most 150 characters for your name."))
    if len(reporter_phone) > 40:
        _add(errors, "reporter_phone", _("Use at most 40 characters for the phone number."))
    if len(device_id or "") > 100:
        _add(errors, "device_id", _("Use at most 100 characters for the device id."))
    if api_key is not None and (
        api_key.municipality_id != municipality.pk or not api_key.is_active
    ):
        _add(errors, NON_FIELD_ERRORS, _("This API key is not valid here."))

    cleaned_answers: dict[str, Any] = {}
    if "category" not in errors:
        try:
            cleaned_answers = attributes_clean(category=category, answers=attributes)
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                errors.setdefault(field, []).extend(messages)
    # Photos last: decoding them is the expensive part.
    cleaned_photos = _photos_clean(errors, photos)
    _raise_if(errors)

    now = timezone.now()
    neighbourhood = (
        neighbourhood_for_point(municipality=municipality, latitude=latitude, longitude=longitude)
        if latitude is not None and longitude is not None
        else None
    )
    with transaction.atomic():
        _rate_limits_check(reporter=reporter, email=reporter_email, source_address=source_address)
        report = Report.objects.create(
            municipality=municipality,
            category=category,
            neighbourhood=neighbourhood,
            department=department_for(category=category, neighbourhood=neighbourhood),
            status=ReportStatus.NEW,
            description=description,
            latitude=latitude,
            longitude=longitude,
            address=address,
            attributes=cleaned_answers,
            reporter=reporter,
            reporter_name=reporter_name,
            reporter_email=reporter_email,
            reporter_phone=reporter_phone,
            is_anonymous=is_anonymous,
            api_key=api_key,
            device_id=device_id or "",
            source_address=source_address or None,
            locale=(locale or "")[:10],
            created_at=now,
            updated_at=now,
            expected_at=now + datetime.timedelta(days=category.sla_days),
            editable_until=now + EDIT_WINDOW,
        )
        for photo in cleaned_photos:
            ReportPhoto.objects.create(
                municipality=municipality,
                report=report,
                image=photo.file,
                width=photo.width,
                height=photo.height,
            )
        _update_add(report, kind=UpdateKind.CREATED, author=reporter, new_status=ReportStatus.NEW)
        if neighbourhood is not None:
            _subscribers_notify(report, neighbourhood)
    return report


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


def report_edit_description(*, report: Report, editor: User | None, description: str) -> Report:
    """The reporter corrects the description within the edit window.

    A report sent with an account can be corrected only by that account; a report sent
    with name and email only is corrected with ``editor=None`` by a caller that checked
    the person's proof (the report's token)."""
    errors: Errors = {}
    if report.reporter_id is not None and (editor is None or editor.pk != report.reporter_id):
        raise ValidationError(
            {NON_FIELD_ERRORS: [_("Only the person who sent this report can correct it.")]}
        )
    if report.editable_until is None or timezone.now() > report.editable_until:
        raise ValidationError(
            {NON_FIELD_ERRORS: [_("The time to correct this report has passed.")]}
        )
    description = _description_clean(errors, description)
    _raise_if(errors)
    if description == report.description:
        return report
    with transaction.atomic():
        locked = _lock(report)
        before = model_snapshot(locked)
        locked.description = description
        _save(locked, report, ["description"])
        _update_add(locked, kind=UpdateKind.EDITED, author=editor)
        audit_record(
            actor=editor,
            municipality=locked.municipality,
            action=AuditAction.UPDATE,
            instance=locked,
            before=before,
            after=model_snapshot(locked),
        )
    return report


def report_support(*, report: Report, email: str, user: User | None = None) -> Supporter:
    """ "Me too": the person is added to those notified of the report's public changes.

    Supporting twice with the same email returns the existing support."""
    email = (email or (user.email if user else "")).strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": [_("Enter a valid email address.")]}) from None
    if report.is_hidden:
        raise ValidationError({NON_FIELD_ERRORS: [_("This report cannot be supported.")]})
    if not report.is_open:
        raise ValidationError(
            {
                NON_FIELD_ERRORS: [
                    _("This report is closed; report the problem again if it is back.")
                ]
            }
        )
    if (user is not None and user.pk == report.reporter_id) or (
        report.reporter_email and email == report.reporter_email.lower()
    ):
        raise ValidationError(
            {NON_FIELD_ERRORS: [_("You sent this report; you are told of its changes already.")]}
        )
    supporter, created = Supporter.objects.get_or_create(
        report=report,
        email=email,
        defaults={"municipality_id": report.municipality_id, "user": user},
    )
    if not created and user is not None and supporter.user_id is None:
        supporter.user = user
        supporter.save(update_fields=["user"])
    return supporter


# Staff


def _staff_change(
    report: Report,
    *,
    actor: User,
    fields: list[str],
    kind: str,
    text: str = "",
    is_public: bool = True,
    change: Any,
) -> tuple[Report, ReportUpdate]:
    """Lock the report, apply ``change(locked)``, save ``fields``, record the update and the
    audit entry (before and after) in one transaction."""
    locked = _lock(report)
    before = model_snapshot(locked)
    old_status = locked.status
    change(locked)
    _save(locked, report, fields)
    update = _update_add(
        locked,
        kind=kind,
        author=actor,
        text=text,
        is_public=is_public,
        old_status=old_status if "status" in fields else "",
        new_status=locked.status if "status" in fields else "",
    )
    audit_record(
        actor=actor,
        municipality=locked.municipality,
        action=AuditAction.UPDATE,
        instance=locked,
        before=before,
        after=model_snapshot(locked),
    )
    return locked, update


def _apply_status(locked: Report, status: str) -> None:
    was_open = locked.status in OPEN_STATUSES
    locked.status = status
    if status in CLOSED_STATUSES and (was_open or locked.closed_at is None):
        locked.closed_at = timezone.now()
    elif status in OPEN_STATUSES:
        locked.closed_at = None


def report_change_status(
    *, report: Report, actor: User, status: ReportStatus | str, public_response: str = ""
) -> ReportUpdate:
    """Staff change the status (with an optional public response); closing sets closed_at;
    the reporter and supporters are notified (in-app and email) after commit."""
    if status not in ReportStatus.values:
        raise ValidationError({"status": [_("Choose a valid status.")]})
    public_response = (public_response or "").strip()
    if len(public_response) > MAX_DESCRIPTION_LENGTH:
        raise ValidationError(
            {
                "public_response": [
                    _("Use at most %(limit)d characters.") % {"limit": MAX_DESCRIPTION_LENGTH}
                ]
            }
        )
    if status == report.status:
        if public_response:
            return report_respond(report=report, actor=actor, text=public_response, is_public=True)
        raise ValidationError(
            {
                "status": [
                    _("The report is already “%(status)s”.")
                    % {"status": report.get_status_display()}
                ]
            }
        )
    with transaction.atomic():
        locked, update = _staff_change(
            report,
            actor=actor,
            fields=["status", "closed_at"],
            kind=UpdateKind.STATUS,
            text=public_response,
            change=lambda locked: _apply_status(locked, str(status)),
        )
        _notify(
            report=locked,
            kind="reports.status",
            subject=_status_subject,
            body=_status_body(public_response),
            people=_recipients(locked, exclude=actor),
        )
    return update


def report_respond(*, report: Report, actor: User, text: str, is_public: bool) -> ReportUpdate:
    """A public response (notifies) or an internal note (never public)."""
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": [_("Write the response.")]})
    if len(text) > MAX_DESCRIPTION_LENGTH:
        raise ValidationError(
            {"text": [_("Use at most %(limit)d characters.") % {"limit": MAX_DESCRIPTION_LENGTH}]}
        )
    with transaction.atomic():
        locked = _lock(report)
        _save(locked, report, [])
        update = _update_add(
            locked,
            kind=UpdateKind.RESPONSE if is_public else UpdateKind.NOTE,
            author=actor,
            text=text,
            is_public=is_public,
        )
        audit_record(
            actor=actor,
            municipality=locked.municipality,
            action=AuditAction.CREATE,
            instance=update,
            after=model_snapshot(update),
        )
        if is_public:

            def subject(report: Report) -> str:
                return _("Report #%(number)s: the city has responded") % {"number": report.pk}

            def body(report: Report) -> str:
                return (
                    _("The city has responded to the report #%(number)s (%(category)s, %(place)s):")
                    % {
                        "number": report.pk,
                        "category": report.category.name,
                        "place": _place(report),
                    }
                    + "\n\n"
                    + text
                )

            _notify(
                report=locked,
                kind="reports.response",
                subject=subject,
                body=body,
                people=_recipients(locked, exclude=actor),
            )
    return update


def report_assign(*, report: Report, actor: User, assignee: User | None) -> ReportUpdate:
    """Assign the report to an active staff member of its city, or to nobody (internal)."""
    if assignee is not None and not (
        assignee.is_active
        and StaffMembership.objects.filter(
            municipality_id=report.municipality_id, user=assignee, is_active=True
        ).exists()
    ):
        raise ValidationError({"assignee": [_("Choose a staff member of this city.")]})
    if (assignee.pk if assignee else None) == report.assigned_to_id:
        raise ValidationError({"assignee": [_("The report is already assigned so.")]})

    def change(locked: Report) -> None:
        locked.assigned_to = assignee

    text = str(assignee) if assignee is not None else _("Nobody")
    with transaction.atomic():
        _locked, update = _staff_change(
            report,
            actor=actor,
            fields=["assigned_to"],
            kind=UpdateKind.ASSIGNED,
            text=text,
            is_public=False,
            change=change,
        )
    return update


def report_recategorise(*, report: Report, actor: User, category: Category) -> ReportUpdate:
    """Change the category and route the report again (department, SLA date).

    The answers to the old category's questions are kept as they were given."""
    if category.municipality_id != report.municipality_id or not category.is_active:
        raise ValidationError({"category": [_("Choose one of this city's categories.")]})
    if category.pk == report.category_id:
        raise ValidationError({"category": [_("The report is already in this category.")]})
    old_name = report.category.name
    department = department_for(category=category, neighbourhood=report.neighbourhood)

    def change(locked: Report) -> None:
        locked.category = category
        locked.department = department
        locked.expected_at = locked.created_at + datetime.timedelta(days=category.sla_days)

    text = _("Category changed from “%(old)s” to “%(new)s”.") % {
        "old": old_name,
        "new": category.name,
    }
    with transaction.atomic():
        _locked, update = _staff_change(
            report,
            actor=actor,
            fields=["category", "department", "expected_at"],
            kind=UpdateKind.RECATEGORISED,
            text=text,
            change=change,
        )
    report.category = category
    report.department = department
    return update


def report_merge(*, report: Report, actor: User, into: Report) -> ReportUpdate:
    """Close ``report`` as a duplicate of ``into``; its reporter and supporters follow ``into``."""
    if into.municipality_id != report.municipality_id or into.pk == report.pk:
        raise ValidationError({"into": [_("Choose another report of this city.")]})
    if into.duplicate_of_id is not None:
        raise ValidationError(
            {
                "into": [
                    _("That report is itself a duplicate; merge into #%(number)s instead.")
                    % {"number": into.duplicate_of_id}
                ]
            }
        )
    if report.duplicate_of_id is not None:
        raise ValidationError({"into": [_("This report is already merged into another one.")]})

    def change(locked: Report) -> None:
        _apply_status(locked, ReportStatus.DUPLICATE)
        locked.duplicate_of = into

    with transaction.atomic():
        locked, update = _staff_change(
            report,
            actor=actor,
            fields=["status", "closed_at", "duplicate_of"],
            kind=UpdateKind.MERGED,
            text=_("Same problem as report #%(number)s.") % {"number": into.pk},
            change=change,
        )
        # Those who followed this report now follow the one that stays open.
        followers = [
            Supporter(
                municipality_id=into.municipality_id,
                report=into,
                email=email.lower(),
                user=user,
            )
            for user, email, _language in _recipients(locked, exclude=None)
            if email.lower() != (into.reporter_email or "").lower()
            and (user is None or user.pk != into.reporter_id)
        ]
        Supporter.objects.bulk_create(followers, ignore_conflicts=True)
        Report.objects.filter(duplicate_of=locked).update(duplicate_of=into)
        _update_add(
            into,
            kind=UpdateKind.MERGED,
            author=actor,
            text=_("Report #%(number)s was merged into this one.") % {"number": locked.pk},
        )
        Report.objects.filter(pk=into.pk).update(updated_at=timezone.now())

        def body(report: Report) -> str:
            return _(
                "The report #%(number)s is the same problem as report #%(into)s; you will "
                "now be told of the changes of report #%(into)s."
            ) % {"number": report.pk, "into": into.pk}

        _notify(
            report=locked,
            kind="reports.status",
            subject=_status_subject,
            body=body,
            people=_recipients(locked, exclude=actor),
        )
    return update


def report_moderate(
    *,
    report: Report,
    actor: User,
    hide_report: bool | None = None,
    hide_photo_ids: Sequence[int] = (),
    show_photo_ids: Sequence[int] = (),
    resolve_flags: bool = True,
) -> ReportUpdate:
    """Hide or show the report and hide or show some of its photos (internal); open abuse
    flags are resolved unless ``resolve_flags`` is False."""
    photos = {photo.pk: photo for photo in report.photos.all()}
    unknown = sorted((set(hide_photo_ids) | set(show_photo_ids)) - set(photos))
    if unknown:
        raise ValidationError(
            {"photos": [_("These photos are not of this report: %(ids)s.") % {"ids": unknown}]}
        )
    if set(hide_photo_ids) & set(show_photo_ids):
        raise ValidationError({"photos": [_("A photo cannot be both hidden and shown.")]})
    to_hide = sorted(pk for pk in hide_photo_ids if not photos[pk].is_hidden)
    to_show = sorted(pk for pk in show_photo_ids if photos[pk].is_hidden)
    report_changes = hide_report is not None and hide_report != report.is_hidden
    if not (report_changes or to_hide or to_show):
        raise ValidationError({NON_FIELD_ERRORS: [_("There is nothing to change.")]})

    hidden_before = sorted(pk for pk, photo in photos.items() if photo.is_hidden)
    hidden_after = sorted((set(hidden_before) | set(to_hide)) - set(to_show))
    parts = []
    if report_changes:
        parts.append(_("Report hidden.") if hide_report else _("Report shown again."))
    if to_hide:
        parts.append(_("%(count)d photo(s) hidden.") % {"count": len(to_hide)})
    if to_show:
        parts.append(_("%(count)d photo(s) shown again.") % {"count": len(to_show)})

    with transaction.atomic():
        locked = _lock(report)
        before = {"is_hidden": locked.is_hidden, "hidden_photo_ids": hidden_before}
        if report_changes:
            locked.is_hidden = bool(hide_report)
        _save(locked, report, ["is_hidden"])
        ReportPhoto.objects.filter(pk__in=to_hide).update(is_hidden=True)
        ReportPhoto.objects.filter(pk__in=to_show).update(is_hidden=False)
        if resolve_flags:
            AbuseFlag.objects.filter(report=locked, is_resolved=False).update(is_resolved=True)
        update = _update_add(
            locked, kind=UpdateKind.MODERATED, author=actor, text=" ".join(parts), is_public=False
        )
        audit_record(
            actor=actor,
            municipality=locked.municipality,
            action=AuditAction.UPDATE,
            instance=locked,
            before=before,
            after={"is_hidden": locked.is_hidden, "hidden_photo_ids": hidden_after},
        )
    return update


def report_flag_abuse(*, report: Report, reason: str, flagged_by: User | None = None) -> AbuseFlag:
    """Anyone flags a report as abusive; moderators see the open flags."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say what is wrong with this report.")]})
    if len(reason) > 500:
        raise ValidationError({"reason": [_("Use at most 500 characters.")]})
    return AbuseFlag.objects.create(
        municipality_id=report.municipality_id,
        report=report,
        reason=reason,
        flagged_by=flagged_by,
    )
