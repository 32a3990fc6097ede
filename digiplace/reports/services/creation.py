"""Residents' writes: new reports, corrections, 'me too' and abuse flags."""

from __future__ import annotations

import datetime
import json
import math
import uuid
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from digiplace.core.audit import audited_change
from digiplace.core.models import (
    Municipality,
    User,
)
from digiplace.core.notifications import email_opt_in, municipality_url
from digiplace.core.photos import CleanPhoto, photo_clean

from ..geometry import neighbourhood_for_point
from ..models import (
    AbuseFlag,
    ApiKey,
    Category,
    Report,
    ReportPhoto,
    ReportStatus,
    Supporter,
    UpdateKind,
)
from ._common import Errors, _add, _lock_queryset, _raise_if, _save, _update_add
from .attributes import attributes_clean
from .constants import EDIT_WINDOW, MAX_DESCRIPTION_LENGTH, MAX_PHOTOS
from .notifications import (
    _follow_link_send,
    _language_for,
    _place,
    _reporter_acknowledge,
    _subscribers_notify,
    report_scope,
)
from .rate_limits import _rate_limits_check
from .routing import department_for

LANGUAGE_CODES = {code for code, _name in settings.LANGUAGES}

# "Me too" from an address that is not the signed-in person's: the emailed link's lifetime.
SUPPORT_CONFIRMATION_MAX_AGE = datetime.timedelta(days=7)
SUPPORT_CONFIRMATION_SALT = "digiplace.reports.support-confirmation"


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


def _reporter_clean(
    errors: Errors, reporter: User | None, reporter_name: str, reporter_email: str
) -> tuple[str, str]:
    """The reporter's name and email: an account's, or both given."""
    reporter_name = (reporter_name or "").strip()
    reporter_email = (reporter_email or "").strip().lower()
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
    return reporter_name, reporter_email


def report_input_errors(
    *,
    municipality: Municipality,
    latitude: Any,
    longitude: Any,
    description: str,
    address: str = "",
    reporter: User | None = None,
    reporter_name: str = "",
    reporter_email: str = "",
) -> dict[str, list[str]]:
    """The messages ``report_create`` gives about the place, the description and the
    reporter, without a category: a form missing its category still shows them all at once.
    Writes nothing; reads no photo."""
    errors: Errors = {}
    address = (address or "").strip()
    _location_clean(errors, municipality, latitude, longitude, address)
    _description_clean(errors, description)
    if len(address) > 300:
        _add(errors, "address", _("Use at most 300 characters for the address."))
    _reporter_clean(errors, reporter, reporter_name, reporter_email)
    return errors


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

    reporter_name, reporter_email = _reporter_clean(errors, reporter, reporter_name, reporter_email)
    reporter_phone = (reporter_phone or "").strip()
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
    # Photos last: decoding them is the expensive part, so a person over the rate limit
    # is refused first (checked again below, serialised, in the transaction that inserts).
    _rate_limits_check(
        reporter=reporter, email=reporter_email, source_address=source_address, serialise=False
    )
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
        _reporter_acknowledge(report)
        if neighbourhood is not None:
            _subscribers_notify(report, neighbourhood)
    return report


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
    with audited_change(report, actor=editor, queryset=_lock_queryset()) as change:
        locked = change.instance
        locked.description = description
        _save(locked, report, ["description"])
        _update_add(locked, kind=UpdateKind.EDITED, author=editor)
    return report


def _support_confirmation_salt(email: str) -> str:
    return f"{SUPPORT_CONFIRMATION_SALT}:{email}"


def _support_confirmation_token(supporter: Supporter) -> str:
    # Signed, not encrypted: only the id travels in the link (logs, history, Referer); the
    # address is in the salt, so a link stops working when the address is not the same.
    return signing.dumps(supporter.pk, salt=_support_confirmation_salt(supporter.email))


def _support_confirmation_supporter_id(token: str) -> int | None:
    """The supporter id a link claims, read before its signature can be checked (the key
    to check it with depends on that supporter's address); None when it names none."""
    try:
        value = json.loads(signing.b64_decode(token.split(":", 1)[0].encode()))
    except (ValueError, RecursionError):
        return None
    if type(value) is not int or not 0 < value < 2**63:
        return None
    return value


def _support_confirmation_send(
    *, supporter: Supporter, report: Report, site_root: str, language: str
) -> None:
    """Email ``supporter`` the link that confirms they want news of ``report``."""
    from digiplace.core.tasks import email_send

    token = _support_confirmation_token(supporter)
    path = reverse("reports:support_confirm", kwargs={"pk": report.pk, "token": token})
    # The city's own host; the host of the request only where the city has none.
    link = municipality_url(report.municipality, path)
    if link == path:
        link = f"{site_root}{path}"
    days = SUPPORT_CONFIRMATION_MAX_AGE.days
    language = _language_for(language, report.municipality.default_language)
    with translation.override(language):
        subject = _("Confirm that you want news of report #%(number)s") % {"number": report.pk}
        body = "\n\n".join(
            (
                _(
                    "Someone, we hope you, said on %(site)s that they have the same problem "
                    "as report #%(number)s (%(category)s, %(place)s)."
                )
                % {
                    "site": report.municipality.name,
                    "number": report.pk,
                    "category": report.category.name,
                    "place": _place(report) or "-",
                },
                _("Open this link to be told when the city changes the report:"),
                link,
                ngettext(
                    "The link expires in %(days)d day.",
                    "The link expires in %(days)d days.",
                    days,
                )
                % {"days": days},
                _("If it was not you, ignore this email: we will not write to you about it."),
            )
        )
    recipient, municipality_id = supporter.email, report.municipality_id
    transaction.on_commit(
        lambda: email_send.enqueue(
            subject=subject,
            body=body,
            to=[recipient],
            municipality_id=municipality_id,
            language=language,
            kind="reports.support_confirmation",
        ),
    )


def report_support(
    *,
    report: Report,
    email: str,
    user: User | None = None,
    site_root: str = "",
    email_language: str = "",
) -> Supporter | None:
    """ "Me too": the person is added to those notified of the report's public changes.

    A signed-in ``user`` supporting with their own account's address is confirmed at once.
    Any other address is stored unconfirmed and emailed a link (``site_root`` is the scheme
    and host, ``https://city.example.org``); it is told and counted only once it follows
    the link (``report_support_confirm``). Supporting again returns the same supporter
    (and emails the link again while unconfirmed). The reporter's own address is a silent
    no-op returning None: the answer must not tell a stranger who sent the report (a
    request uses ``report_support_later``, whose answer takes the same time too)."""
    email = _support_clean(report=report, email=email, user=user)
    if (user is not None and user.pk == report.reporter_id) or (
        report.reporter_email and email == report.reporter_email.lower()
    ):
        return None
    is_own_address = user is not None and email == user.email.lower()
    now = timezone.now()
    with transaction.atomic():
        # Addresses that never confirmed are not kept past their link's life.
        Supporter.objects.filter(
            confirmed_at__isnull=True,
            created_at__lt=now - SUPPORT_CONFIRMATION_MAX_AGE,
        ).delete()
        supporter, created = Supporter.objects.get_or_create(
            report=report,
            email=email,
            defaults={
                "municipality_id": report.municipality_id,
                "user": user if is_own_address else None,
                "confirmed_at": now if is_own_address else None,
                "language": email_language if email_language in LANGUAGE_CODES else "",
            },
        )
        if (
            not created
            and is_own_address
            and (supporter.confirmed_at is None or supporter.user_id is None)
        ):
            supporter.user = user
            supporter.confirmed_at = supporter.confirmed_at or now
            supporter.save(update_fields=["user", "confirmed_at"])
        if supporter.confirmed_at is not None and is_own_address:
            email_opt_in(email=email, scope=report_scope(report))
        if supporter.confirmed_at is None:
            if not created:
                # A new link: the address is kept for the new link's life.
                supporter.created_at = now
                supporter.save(update_fields=["created_at"])
            _support_confirmation_send(
                supporter=supporter, report=report, site_root=site_root, language=email_language
            )
    return supporter


def _support_clean(*, report: Report, email: str, user: User | None) -> str:
    """The address to support ``report`` with, checked; only what does not depend on whose
    address it is."""
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
    return email


def report_support_later(
    *,
    report: Report,
    email: str,
    user: User | None = None,
    site_root: str = "",
    email_language: str = "",
) -> None:
    """'Me too' from a request: ``report_support`` run in the background after commit.

    The reporter's own address is a no-op while any other is written and emailed; done
    during the request, that difference would show in the response time and tell a
    stranger who sent the report. Here every address costs the same: the checks that do
    not depend on the address (ValidationError as ``report_support``) and one enqueue."""
    from ..tasks import report_support_record

    email = _support_clean(report=report, email=email, user=user)
    report_id, user_id = report.pk, user.pk if user is not None else None
    transaction.on_commit(
        lambda: report_support_record.enqueue(
            report_id=report_id,
            email=email,
            user_id=user_id,
            site_root=site_root,
            email_language=email_language,
        )
    )


def report_support_confirm(*, report: Report, token: str) -> Supporter | None:
    """Confirm the supporter of ``report`` the emailed link was made for; None when the link
    is wrong, expired, made for another report or its supporter is gone. Confirming twice
    is harmless."""
    supporter_id = _support_confirmation_supporter_id(token)
    if supporter_id is None:
        return None
    supporter = Supporter.objects.filter(pk=supporter_id, report=report).first()
    if supporter is None:
        return None
    try:
        signed_id = signing.loads(
            token,
            salt=_support_confirmation_salt(supporter.email),
            max_age=SUPPORT_CONFIRMATION_MAX_AGE,
        )
    except signing.BadSignature:
        return None
    if signed_id != supporter.pk:
        return None
    if supporter.confirmed_at is None:
        supporter.confirmed_at = timezone.now()
        Supporter.objects.filter(pk=supporter.pk, confirmed_at__isnull=True).update(
            confirmed_at=supporter.confirmed_at
        )
    # Asking again for news of the report undoes an earlier unsubscribe from it.
    email_opt_in(email=supporter.email, scope=report_scope(report))
    return supporter


def report_support_withdraw(*, report: Report, supporter: Supporter) -> None:
    """Undo "me too": the supporter is no longer counted nor told of the report's changes.
    The caller proves that ``supporter`` is the person (their account, or their signed
    cookie); withdrawing twice is harmless."""
    if supporter.report_id != report.pk:
        raise ValidationError({NON_FIELD_ERRORS: [_("You do not support this report.")]})
    Supporter.objects.filter(pk=supporter.pk, report=report).delete()


def report_follow_link_renew(*, report: Report) -> Report:
    """A new private link for a reporter without an account: the links sent before stop
    working, and the new one is emailed to the reporter's address."""
    if report.reporter_id is not None or not report.reporter_email:
        raise ValidationError(
            {NON_FIELD_ERRORS: [_("This report is followed from its reporter's account.")]}
        )
    with transaction.atomic():
        report.token = uuid.uuid4()
        Report.objects.filter(pk=report.pk).update(token=report.token)
        _follow_link_send(report)
    return report


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
