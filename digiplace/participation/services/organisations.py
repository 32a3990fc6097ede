"""Writes of the NGO registry: a person registers an organisation, staff verify, reject or
edit it and link it to the plans module's working groups and projects (through
``core.links`` references), a verified organisation asks to join a working group.

Every refusal raises ValidationError with a message in the active language and writes
nothing; staff actions are in the audit log; notifications go through
``core.notifications`` (rendered in each recipient's language).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from digiplace.core import links
from digiplace.core.audit import audit_record, audited_change, model_snapshot
from digiplace.core.models import AuditAction, Municipality, User
from digiplace.core.notifications import notification_send
from digiplace.core.ratelimit import rate_limit_hit, serialise_on
from digiplace.core.selectors import staff_memberships_active

from ..identifiers import IdentifierError, cui_parse
from ..models import (
    Organisation,
    OrganisationLink,
    OrganisationLinkKind,
    OrganisationStatus,
)
from ..selectors.organisations import LINK_TARGET_KINDS

MODULE = "participation"
# A person registers at most this many organisations a day (all cities together).
MAX_REGISTRATIONS_PER_DAY = 3
REGISTRATION_WINDOW = datetime.timedelta(days=1)
# A registrant asks to join working groups at most this many times a day.
MAX_JOIN_REQUESTS_PER_DAY = 5

EDITABLE_FIELDS = (
    "name",
    "cui",
    "field",
    "description",
    "contact_email",
    "contact_phone",
    "website",
)


def cui_normalise(text: str) -> str:
    """The CUI's digits (no "RO", no spaces); ValidationError on ``cui`` when invalid."""
    try:
        return cui_parse(text).digits
    except IdentifierError as error:
        raise ValidationError(
            {"cui": ValidationError(error.message, code=error.code, params=error.params or None)}
        ) from error


def _cui_taken_error() -> ValidationError:
    return ValidationError(
        {
            "cui": ValidationError(
                _(
                    "An organisation with this fiscal code is already registered in this city. "
                    "If it is yours, write to the city hall to be given access to it."
                ),
                code="cui_taken",
            )
        }
    )


def _cui_check_free(*, municipality: Municipality, cui: str, exclude_pk: int | None = None) -> None:
    taken = Organisation.objects.filter(municipality=municipality, cui=cui)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise _cui_taken_error()


def _language_of(user: User, municipality: Municipality) -> str:
    codes = {code for code, _name in settings.LANGUAGES}
    for candidate in (user.preferred_language, municipality.default_language):
        if candidate in codes:
            return candidate
    return settings.LANGUAGE_CODE


def _notify(
    *,
    recipients: list[User],
    municipality: Municipality,
    kind: str,
    subject: Callable[[], str],
    body: Callable[[], str],
    url: str,
) -> None:
    """Render ``subject()`` and ``body()`` in each recipient's language and send."""
    for recipient in recipients:
        language = _language_of(recipient, municipality)
        with translation.override(language):
            subject_text, body_text = subject(), body()
        notification_send(
            recipient=recipient,
            kind=kind,
            subject=subject_text,
            body=body_text,
            url=url,
            municipality=municipality,
            language=language,
        )


def _staff_recipients(municipality: Municipality) -> list[User]:
    """The city's active staff who may use the participation back office."""
    return [
        membership.user
        for membership in staff_memberships_active(municipality=municipality)
        if membership.can_use_module(MODULE)
    ]


def _backoffice_url(organisation: Organisation) -> str:
    return reverse("participation_backoffice:organisation_review", kwargs={"pk": organisation.pk})


def _rate_limit_check(*, user: User) -> None:
    serialise_on(f"participation:organisation-register:user:{user.pk}")
    since = timezone.now() - REGISTRATION_WINDOW
    if (
        Organisation.objects.filter(created_by=user, created_at__gte=since).count()
        >= MAX_REGISTRATIONS_PER_DAY
    ):
        raise ValidationError(
            {
                NON_FIELD_ERRORS: [
                    ValidationError(
                        _(
                            "You have registered %(count)d organisations in the last day; "
                            "please wait a day before registering another."
                        )
                        % {"count": MAX_REGISTRATIONS_PER_DAY},
                        code="rate_limited",
                    )
                ]
            }
        )


def _account_check(user: User | None) -> User:
    if user is None or not user.is_authenticated or not user.is_active:
        raise ValidationError(_("Log in to register an organisation."), code="login_required")
    if user.email_confirmed_at is None:
        raise ValidationError(
            _("Confirm your email address first: open the link in the email we sent you."),
            code="email_unconfirmed",
        )
    return user


def organisation_register(
    *,
    municipality: Municipality,
    user: User | None,
    name: str,
    cui: str,
    field: str,
    description: str = "",
    contact_email: str,
    contact_phone: str = "",
    website: str = "",
) -> Organisation:
    """Register an organisation, waiting for verification, and notify the city's staff.

    Refused (ValidationError, nothing written): no account or an unconfirmed email, an
    invalid CUI, a CUI already registered in the city, a fourth registration in a day.
    """
    account = _account_check(user)
    digits = cui_normalise(cui)
    organisation = Organisation(
        municipality=municipality,
        name=name.strip(),
        cui=digits,
        field=field,
        description=description.strip(),
        contact_email=contact_email.strip().lower(),
        contact_phone=contact_phone.strip(),
        website=website.strip(),
        created_by=account,
        status=OrganisationStatus.PENDING,
    )
    organisation.full_clean(exclude=["cui"], validate_constraints=False)
    try:
        with transaction.atomic():
            _rate_limit_check(user=account)
            _cui_check_free(municipality=municipality, cui=digits)
            organisation.save()
            name_text = organisation.name
            _notify(
                recipients=_staff_recipients(municipality),
                municipality=municipality,
                kind="participation.organisation_registered",
                subject=lambda: _("New organisation to verify: %(name)s") % {"name": name_text},
                body=lambda: (
                    _(
                        "%(name)s (fiscal code %(cui)s) registered in the NGO registry and waits "
                        "for verification."
                    )
                    % {"name": name_text, "cui": digits}
                ),
                url=_backoffice_url(organisation),
            )
    except IntegrityError as error:  # a concurrent registration of the same CUI won
        raise _cui_taken_error() from error
    return organisation


def _registrant_notify(organisation: Organisation, *, verified: bool) -> None:
    registrant = organisation.created_by
    if registrant is None:
        return
    name, note = organisation.name, organisation.review_note

    def subject() -> str:
        if verified:
            return _("Your organisation was verified: %(name)s") % {"name": name}
        return _("Your organisation was not verified: %(name)s") % {"name": name}

    def body() -> str:
        if verified:
            text = _("%(name)s is now listed in the city's public directory of organisations.")
        else:
            text = _("The city did not verify %(name)s.")
        text = text % {"name": name}
        if note:
            label = _("Note from the city:")
            text = f"{text}\n\n{label} {note}"
        return text

    _notify(
        recipients=[registrant],
        municipality=organisation.municipality,
        kind="participation.organisation_reviewed",
        subject=subject,
        body=body,
        url=reverse("participation:organisation_mine"),
    )


def organisation_verify(*, organisation: Organisation, actor: User, note: str = "") -> Organisation:
    """Verify the organisation (it appears in the public directory); the registrant is
    notified."""
    with audited_change(organisation, actor=actor) as change:
        locked = change.instance
        locked.status = OrganisationStatus.VERIFIED
        locked.review_note = note.strip()
        locked.verified_by = actor
        locked.verified_at = timezone.now()
        locked.save()
        _registrant_notify(locked, verified=True)
    return locked


def organisation_reject(*, organisation: Organisation, actor: User, note: str) -> Organisation:
    """Refuse the organisation, with a note the registrant reads (required); it leaves the
    directory and loses its links to working groups and projects."""
    if not note.strip():
        raise ValidationError(
            {
                "note": ValidationError(
                    _("Write why, for the person who registered it."), code="required"
                )
            }
        )
    with audited_change(organisation, actor=actor) as change:
        locked = change.instance
        for link in list(locked.links.all()):
            _link_delete(link=link, actor=actor)
        locked.status = OrganisationStatus.REJECTED
        locked.review_note = note.strip()
        locked.verified_by = None
        locked.verified_at = None
        locked.save()
        _registrant_notify(locked, verified=False)
    return locked


def organisation_update(*, organisation: Organisation, actor: User, **values: Any) -> Organisation:
    """Staff correct an organisation's details (the CUI validated as at registration)."""
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"Not editable: {sorted(unknown)}")
    if "cui" in values:
        values["cui"] = cui_normalise(values["cui"])
    cleaned = {
        key: value.strip() if isinstance(value, str) else value for key, value in values.items()
    }
    if "contact_email" in cleaned:
        cleaned["contact_email"] = cleaned["contact_email"].lower()
    try:
        with audited_change(organisation, actor=actor, audit_if_unchanged=False) as change:
            locked = change.instance
            for key, value in cleaned.items():
                setattr(locked, key, value)
            locked.full_clean(exclude=["cui"], validate_constraints=False)
            _cui_check_free(municipality=locked.municipality, cui=locked.cui, exclude_pk=locked.pk)
            locked.save()
    except IntegrityError as error:
        raise _cui_taken_error() from error
    return locked


def _target_check(*, organisation: Organisation, kind: str, target_ref: str) -> links.LinkTarget:
    target_kind = LINK_TARGET_KINDS.get(kind)
    if target_kind is None:
        raise ValidationError(
            {"target": ValidationError(_("Choose what to link to."), code="invalid")}
        )
    if links.ref_kind(target_ref) != target_kind:
        raise ValidationError(
            {"target": ValidationError(_("Choose a record from the list."), code="invalid")}
        )
    found = links.target_resolve(municipality=organisation.municipality, ref=target_ref)
    if found is None:
        raise ValidationError(
            {
                "target": ValidationError(
                    _("This record does not exist in the city's plans (any more)."),
                    code="unknown_target",
                )
            }
        )
    return found


def _verified_check(organisation: Organisation) -> None:
    if organisation.status != OrganisationStatus.VERIFIED:
        raise ValidationError(
            _("Only verified organisations can join working groups or be named local actors."),
            code="not_verified",
        )


@transaction.atomic
def organisation_link_create(
    *, organisation: Organisation, actor: User, kind: str, target_ref: str
) -> OrganisationLink:
    """Put a verified organisation in a plans working group (``working_group``) or name it a
    local actor of a plan project (``local_actor``)."""
    locked = Organisation.objects.select_for_update().get(pk=organisation.pk)
    _verified_check(locked)
    _target_check(organisation=locked, kind=kind, target_ref=target_ref)
    if locked.links.filter(kind=kind, target_ref=target_ref).exists():
        raise ValidationError(
            {
                "target": ValidationError(
                    _("The organisation is linked to this already."), code="duplicate"
                )
            }
        )
    link = OrganisationLink.objects.create(
        municipality=locked.municipality,
        organisation=locked,
        kind=kind,
        target_ref=target_ref,
        created_by=actor,
    )
    audit_record(
        actor=actor,
        municipality=locked.municipality,
        action=AuditAction.CREATE,
        instance=link,
        after=model_snapshot(link),
    )
    return link


def _link_delete(*, link: OrganisationLink, actor: User) -> None:
    before = model_snapshot(link)
    audit_record(
        actor=actor,
        municipality=link.municipality,
        action=AuditAction.DELETE,
        instance=link,
        before=before,
    )
    link.delete()


@transaction.atomic
def organisation_link_delete(*, link: OrganisationLink, actor: User) -> None:
    _link_delete(link=link, actor=actor)


def organisation_join_request(
    *, organisation: Organisation, user: User | None, target_ref: str, message: str = ""
) -> links.LinkTarget:
    """The registrant of a verified organisation asks to join a working group: the city's
    staff are notified and add the link. Returns the group asked for."""
    account = _account_check(user)
    if organisation.created_by_id != account.pk:
        raise ValidationError(
            _("Only the person who registered the organisation can ask for it."),
            code="not_registrant",
        )
    _verified_check(organisation)
    target = _target_check(
        organisation=organisation, kind=OrganisationLinkKind.WORKING_GROUP, target_ref=target_ref
    )
    if organisation.links.filter(
        kind=OrganisationLinkKind.WORKING_GROUP, target_ref=target_ref
    ).exists():
        raise ValidationError(
            {
                "target": ValidationError(
                    _("The organisation is in this working group already."), code="duplicate"
                )
            }
        )
    if not rate_limit_hit(
        scope="participation:organisation-join",
        key=f"user:{account.pk}",
        limit=MAX_JOIN_REQUESTS_PER_DAY,
        window=REGISTRATION_WINDOW,
    ):
        raise ValidationError(
            _(
                "You have sent %(count)d requests to join a working group in the last day; "
                "please wait a day before sending another."
            )
            % {"count": MAX_JOIN_REQUESTS_PER_DAY},
            code="rate_limited",
        )
    message = message.strip()
    name, cui, municipality = organisation.name, organisation.cui, organisation.municipality

    def body() -> str:
        # The group's name in the recipient's language (the plans keep it in each).
        found = links.target_resolve(municipality=municipality, ref=target_ref)
        title = found.title if found is not None else target.title
        text = _(
            "%(name)s (fiscal code %(cui)s) asks to join the working group “%(group)s”. "
            "Add the link from the organisation's page in the back office if you agree."
        ) % {"name": name, "cui": cui, "group": title}
        if message:
            label = _("Their message:")
            text = f"{text}\n\n{label} {message}"
        return text

    with transaction.atomic():
        _notify(
            recipients=_staff_recipients(organisation.municipality),
            municipality=organisation.municipality,
            kind="participation.organisation_join_request",
            subject=lambda: _("%(name)s asks to join a working group") % {"name": name},
            body=body,
            url=_backoffice_url(organisation),
        )
    return target
