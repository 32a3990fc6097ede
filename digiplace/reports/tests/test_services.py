"""Writes of the reports module: validation that writes nothing, routing, the timeline,
the audit log and who is told of what."""

from __future__ import annotations

import datetime
import io
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from digiplace.core import personal_data
from digiplace.core.models import AuditLogEntry, Municipality, Notification, StaffMembership, User
from digiplace.core.tests.factories import DepartmentFactory, UserFactory
from digiplace.reports import services
from digiplace.reports.models import (
    AbuseFlag,
    AttributeDatatype,
    Category,
    NeighbourhoodSubscription,
    Report,
    ReportPhoto,
    ReportStatus,
    ReportUpdate,
    Supporter,
    UpdateKind,
)
from digiplace.reports.services import notifications
from digiplace.reports.tests.factories import (
    AbuseFlagFactory,
    CategoryAttributeFactory,
    CategoryFactory,
    NeighbourhoodFactory,
    NeighbourhoodSubscriptionFactory,
    ReportFactory,
    ReportPhotoFactory,
    RoutingRuleFactory,
    SupporterFactory,
)

INSIDE = {"latitude": 47.75, "longitude": 26.67}


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def category(botosani: Municipality) -> Category:
    return CategoryFactory.create(
        municipality=botosani, service_code="overflowing-container", name="Overflowing container"
    )


def gps_jpeg() -> SimpleUploadedFile:
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (47.0, 44.0, 55.0), 3: "E", 4: (26.0, 40.0, 10.0)}
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 120, 10)).save(buffer, format="JPEG", exif=exif)
    return SimpleUploadedFile("container.jpg", buffer.getvalue(), content_type="image/jpeg")


def create(municipality: Municipality, category: Category, **overrides: Any) -> Report:
    arguments: dict[str, Any] = {
        "municipality": municipality,
        "category": category,
        "description": "The container on Str. Primăverii is overflowing.",
        "reporter_name": "Ion Ionescu",
        "reporter_email": "ion@example.org",
        **INSIDE,
    }
    arguments.update(overrides)
    return services.report_create(**arguments)


def nothing_written(media_root: Path) -> bool:
    return (
        Report.objects.count() == 0
        and ReportPhoto.objects.count() == 0
        and ReportUpdate.objects.count() == 0
        and not any(path.is_file() for path in media_root.rglob("*"))
    )


# Creating a report


@pytest.mark.django_db
def test_report_is_routed_dated_and_stored_with_a_clean_photo(
    botosani: Municipality, category: Category, resident: User, _media_root: Path
) -> None:
    neighbourhood = NeighbourhoodFactory.create(municipality=botosani)
    sanitation = DepartmentFactory.create(municipality=botosani, name="Sanitation")
    RoutingRuleFactory.create(
        municipality=botosani, category=category, neighbourhood=neighbourhood, department=sanitation
    )
    RoutingRuleFactory.create(municipality=botosani, category=category)

    report = create(
        botosani,
        category,
        reporter=resident,
        reporter_name="",
        reporter_email="",
        photos=[gps_jpeg()],
        source_address="192.0.2.1",
        locale="ro",
    )

    report.refresh_from_db()
    assert report.neighbourhood == neighbourhood
    assert report.department == sanitation
    assert report.status == ReportStatus.NEW
    assert (report.reporter, report.reporter_email, report.reporter_name) == (
        resident,
        "resident@example.org",
        "Ana Popescu",
    )
    assert report.expected_at == report.created_at + datetime.timedelta(days=14)
    assert report.editable_until == report.created_at + services.EDIT_WINDOW
    assert list(report.updates.values_list("kind", "new_status", "author")) == [
        (UpdateKind.CREATED, ReportStatus.NEW, resident.pk)
    ]
    photo = report.photos.get()
    stored = Image.open(photo.image.path)
    assert (stored.format, stored.size, (photo.width, photo.height)) == (
        "JPEG",
        (64, 48),
        (64, 48),
    )
    assert dict(stored.getexif()) == {}
    assert stored.getexif().get_ifd(0x8825) == {}


@pytest.mark.django_db
def test_routing_prefers_category_then_neighbourhood_rules_then_the_category(
    botosani: Municipality, category: Category
) -> None:
    neighbourhood = NeighbourhoodFactory.create(municipality=botosani)
    by_category = DepartmentFactory.create(municipality=botosani, name="By category")
    by_area = DepartmentFactory.create(municipality=botosani, name="By area")

    no_rule = services.department_for(category=category, neighbourhood=neighbourhood)
    RoutingRuleFactory.create(
        municipality=botosani, category=None, neighbourhood=neighbourhood, department=by_area
    )
    area_rule = services.department_for(category=category, neighbourhood=neighbourhood)
    RoutingRuleFactory.create(municipality=botosani, category=category, department=by_category)
    category_rule = services.department_for(category=category, neighbourhood=neighbourhood)
    outside_area = services.department_for(category=category, neighbourhood=None)

    assert no_rule == category.department
    assert area_rule == by_area
    assert category_rule == by_category
    assert outside_area == by_category


@pytest.mark.django_db
def test_place_outside_the_city_is_refused_and_nothing_is_written(
    botosani: Municipality, category: Category, _media_root: Path
) -> None:
    with pytest.raises(ValidationError) as refused:
        create(botosani, category, latitude=45.75, longitude=21.22, photos=[gps_jpeg()])

    assert refused.value.message_dict == {
        "location": ["This place is outside Botoșani Municipality."]
    }
    assert nothing_written(_media_root)


@pytest.mark.django_db
def test_every_bad_field_is_reported_at_once_and_nothing_is_written(
    botosani: Municipality, timisoara: Municipality, _media_root: Path
) -> None:
    foreign_category = CategoryFactory.create(municipality=timisoara)
    text_file = SimpleUploadedFile("photo.jpg", b"not an image", content_type="image/jpeg")

    with pytest.raises(ValidationError) as refused:
        create(
            botosani,
            foreign_category,
            description="  ",
            reporter_name="",
            reporter_email="not-an-email",
            photos=[gps_jpeg(), text_file],
        )

    assert refused.value.message_dict == {
        "category": ["Choose one of this city's categories."],
        "description": ["Describe the problem."],
        "reporter_name": ["Give your name."],
        "reporter_email": ["Enter a valid email address."],
        "photos": ["Photo 2: This file is not a photo we accept: send a JPEG, PNG or WebP image."],
    }
    assert nothing_written(_media_root)


@pytest.mark.django_db
def test_more_than_three_photos_and_inactive_category_are_refused(
    botosani: Municipality, category: Category, _media_root: Path
) -> None:
    Category.objects.filter(pk=category.pk).update(is_active=False)
    category.refresh_from_db()

    with pytest.raises(ValidationError) as refused:
        create(botosani, category, photos=[gps_jpeg() for _ in range(4)])

    assert refused.value.message_dict == {
        "category": ["This category no longer takes reports."],
        "photos": ["Send at most 3 photos."],
    }
    assert nothing_written(_media_root)


# Answers to the category's questions


@pytest.fixture
def questions(botosani: Municipality, category: Category) -> Category:
    for code, datatype, required in [
        ("size", AttributeDatatype.STRING, True),
        ("details", AttributeDatatype.TEXT, False),
        ("bags", AttributeDatatype.NUMBER, False),
        ("seen_at", AttributeDatatype.DATETIME, False),
        ("kind", AttributeDatatype.SINGLE, False),
        ("waste", AttributeDatatype.MULTI, False),
    ]:
        CategoryAttributeFactory.create(
            municipality=botosani,
            category=category,
            code=code,
            datatype=datatype,
            required=required,
            description=f"Question {code}",
            values=[{"key": "glass", "name": "Glass"}, {"key": "paper", "name": "Paper"}],
        )
    return category


@pytest.mark.django_db
def test_answers_of_every_datatype_are_stored_in_their_clean_form(
    botosani: Municipality, questions: Category
) -> None:
    report = create(
        botosani,
        questions,
        attributes={
            "size": " large ",
            "details": "Bags all around.",
            "bags": "12,5",
            "seen_at": "2025-05-31T14:30:00+03:00",
            "kind": "glass",
            "waste": ["paper", "glass", "paper"],
        },
    )

    assert report.attributes == {
        "size": "large",
        "details": "Bags all around.",
        "bags": "12.5",
        "seen_at": "2025-05-31T14:30:00+03:00",
        "kind": "glass",
        "waste": ["paper", "glass"],
    }


@pytest.mark.django_db
def test_wrong_answers_are_refused_question_by_question(
    botosani: Municipality, questions: Category, _media_root: Path
) -> None:
    with pytest.raises(ValidationError) as refused:
        create(
            botosani,
            questions,
            attributes={
                "details": "x",
                "bags": "many",
                "seen_at": "yesterday",
                "kind": "metal",
                "waste": ["paper", "stone"],
                "colour": "red",
            },
        )

    assert refused.value.message_dict == {
        "attribute[colour]": ["This category has no question with the code “colour”."],
        "attribute[size]": ["Answer the question “Question size”."],
        "attribute[bags]": ["“Question bags”: enter a number."],
        "attribute[seen_at]": [
            "“Question seen_at”: enter a date and time such as 2025-05-31T14:30:00+03:00."
        ],
        "attribute[kind]": ["“Question kind”: choose one of the options offered."],
        "attribute[waste]": ["“Question waste”: “stone” is not one of the options offered."],
    }
    assert nothing_written(_media_root)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("answer", "stored"),
    [("12", "12"), (" 12.5 ", "12.5"), ("12,5", "12.5"), ("-3", "-3"), (7, "7"), (2.5, "2.5")],
)
def test_number_answers_in_ascii_digits_are_stored_as_decimals(
    botosani: Municipality, questions: Category, answer: Any, stored: str
) -> None:
    report = create(botosani, questions, attributes={"size": "large", "bags": answer})

    assert report.attributes["bags"] == stored


@pytest.mark.django_db
@pytest.mark.parametrize(
    "answer", ["٣", "１２", "1_000", "1E+999999", "1e3", "inf", "NaN", "²", True, "1.2.3"]
)
def test_number_answers_the_strict_parser_refuses(
    botosani: Municipality, questions: Category, _media_root: Path, answer: Any
) -> None:
    with pytest.raises(ValidationError) as refused:
        create(botosani, questions, attributes={"size": "large", "bags": answer})

    assert refused.value.message_dict == {"attribute[bags]": ["“Question bags”: enter a number."]}
    assert nothing_written(_media_root)


@pytest.mark.django_db
def test_a_number_answer_too_large_is_refused_with_the_range(
    botosani: Municipality, questions: Category
) -> None:
    with pytest.raises(ValidationError) as refused:
        create(botosani, questions, attributes={"size": "large", "bags": "9" * 20})

    assert refused.value.message_dict == {
        "attribute[bags]": [
            "“Question bags” must be a number from -1000000000000000 to 1000000000000000."
        ]
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    "answer", ["20250531T143000", "2025-05-31T14", "٢٠٢٥-05-31T14:30:00", "2025-02-30", 5]
)
def test_date_time_answers_the_strict_parser_refuses(
    botosani: Municipality, questions: Category, answer: Any
) -> None:
    with pytest.raises(ValidationError) as refused:
        create(botosani, questions, attributes={"size": "large", "seen_at": answer})

    assert refused.value.message_dict == {
        "attribute[seen_at]": [
            "“Question seen_at”: enter a date and time such as 2025-05-31T14:30:00+03:00."
        ]
    }


@pytest.mark.django_db
def test_a_date_time_answer_out_of_range_is_refused_with_the_range(
    botosani: Municipality, questions: Category
) -> None:
    with pytest.raises(ValidationError) as refused:
        create(botosani, questions, attributes={"size": "large", "seen_at": "9999-12-31T23:59:59"})

    assert refused.value.message_dict == {
        "attribute[seen_at]": ["“Question seen_at” must be a date from 1900-01-01 to 2999-12-31."]
    }


@pytest.mark.django_db
def test_string_answer_longer_than_300_characters_is_refused(
    botosani: Municipality, questions: Category
) -> None:
    with pytest.raises(ValidationError) as refused:
        create(botosani, questions, attributes={"size": "x" * 301})

    assert refused.value.message_dict == {
        "attribute[size]": ["“Question size”: use at most 300 characters."]
    }


# Rate limits


@pytest.mark.django_db
def test_eleventh_report_of_a_person_in_an_hour_is_refused(
    botosani: Municipality, category: Category
) -> None:
    ReportFactory.create_batch(
        10, municipality=botosani, category=category, reporter_email="ion@example.org"
    )
    ReportFactory.create(
        municipality=botosani,
        category=category,
        reporter_email="ion@example.org",
        created_at=timezone.now() - datetime.timedelta(hours=2),
    )

    with pytest.raises(ValidationError) as refused:
        create(botosani, category, reporter_email="ION@example.org")

    assert refused.value.message_dict == {
        "__all__": [
            "You have sent 10 reports in the last hour; please wait a while before sending another."
        ]
    }
    assert Report.objects.count() == 11


@pytest.mark.django_db
def test_twenty_first_report_from_one_address_in_an_hour_is_refused(
    botosani: Municipality, category: Category
) -> None:
    ReportFactory.create_batch(
        20, municipality=botosani, category=category, source_address="192.0.2.7"
    )

    allowed = create(botosani, category, source_address="192.0.2.8")
    with pytest.raises(ValidationError) as refused:
        create(botosani, category, reporter_email="other@example.org", source_address="192.0.2.7")

    assert allowed.pk
    assert refused.value.messages == [
        "Too many reports were sent from your network in the last hour; please try again later."
    ]
    assert Report.objects.count() == 21


# Subscriptions, "me too" and corrections


@pytest.mark.django_db
def test_neighbourhood_subscribers_are_told_of_a_new_report(
    botosani: Municipality,
    category: Category,
    resident: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    neighbourhood = NeighbourhoodFactory.create(municipality=botosani, name="Centru")
    subscriber = UserFactory.create(email="watcher@example.org", preferred_language="en")
    NeighbourhoodSubscriptionFactory.create(
        municipality=botosani, neighbourhood=neighbourhood, user=subscriber
    )
    NeighbourhoodSubscriptionFactory.create(
        municipality=botosani, neighbourhood=neighbourhood, user=resident
    )

    with django_capture_on_commit_callbacks(execute=True):
        create(botosani, category, reporter=resident)

    # The reporter is sent the acknowledgement, not the neighbourhood's alert.
    notification = Notification.objects.get(kind="reports.neighbourhood_new")
    assert (notification.recipient, notification.subject) == (
        subscriber,
        "New report in Centru: Overflowing container",
    )
    assert [message.to for message in mail.outbox if "New report in" in message.subject] == [
        ["watcher@example.org"]
    ]


@pytest.mark.django_db
def test_support_is_added_once_and_is_a_silent_no_op_for_the_reporter(
    botosani: Municipality, category: Category
) -> None:
    report = ReportFactory.create(
        municipality=botosani, category=category, reporter_email="ion@example.org"
    )

    first = services.report_support(report=report, email="Maria@Example.org")
    again = services.report_support(report=report, email="maria@example.org")
    by_reporter = services.report_support(report=report, email="ion@example.org")

    assert first == again
    assert by_reporter is None
    assert list(report.supporters.values_list("email", flat=True)) == ["maria@example.org"]


@pytest.mark.django_db
def test_addresses_that_never_confirmed_are_removed_after_the_link_expires(
    botosani: Municipality, category: Category
) -> None:
    report = ReportFactory.create(municipality=botosani, category=category)
    other = ReportFactory.create(municipality=botosani, category=category)
    expired = services.report_support(report=report, email="stranger@example.org")
    recent = services.report_support(report=report, email="recent@example.org")
    confirmed = SupporterFactory.create(
        municipality=botosani, report=report, email="confirmed@example.org"
    )
    assert expired is not None
    week_ago = timezone.now() - datetime.timedelta(days=7, minutes=1)
    Supporter.objects.filter(pk__in=[expired.pk, confirmed.pk]).update(created_at=week_ago)

    services.report_support(report=other, email="someone@example.org")

    assert sorted(Supporter.objects.values_list("email", flat=True)) == [
        "confirmed@example.org",
        "recent@example.org",
        "someone@example.org",
    ]
    assert recent is not None


@pytest.mark.django_db
def test_supporting_again_while_unconfirmed_keeps_the_address_for_the_new_link(
    botosani: Municipality, category: Category, django_capture_on_commit_callbacks: Any
) -> None:
    report = ReportFactory.create(municipality=botosani, category=category)
    with django_capture_on_commit_callbacks(execute=True):
        supporter = services.report_support(report=report, email="maria@example.org")
    assert supporter is not None
    six_days_ago = timezone.now() - datetime.timedelta(days=6)
    Supporter.objects.filter(pk=supporter.pk).update(created_at=six_days_ago)

    with django_capture_on_commit_callbacks(execute=True):
        again = services.report_support(report=report, email="maria@example.org")

    assert again is not None
    assert again.created_at > six_days_ago
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_reporter_corrects_the_description_only_in_the_window(
    botosani: Municipality, category: Category, resident: User
) -> None:
    report = create(botosani, category, reporter=resident)
    other = UserFactory.create()

    services.report_edit_description(report=report, editor=resident, description="Two containers.")
    with pytest.raises(ValidationError) as stranger:
        services.report_edit_description(report=report, editor=other, description="Spam")
    Report.objects.filter(pk=report.pk).update(
        editable_until=timezone.now() - datetime.timedelta(seconds=1)
    )
    report.refresh_from_db()
    with pytest.raises(ValidationError) as late:
        services.report_edit_description(report=report, editor=resident, description="Late")

    report.refresh_from_db()
    assert report.description == "Two containers."
    assert stranger.value.messages == ["Only the person who sent this report can correct it."]
    assert late.value.messages == ["The time to correct this report has passed."]
    assert list(report.updates.values_list("kind", flat=True)) == [
        UpdateKind.CREATED,
        UpdateKind.EDITED,
    ]


# The city's side


@pytest.mark.django_db
def test_status_change_is_recorded_audited_and_told_to_reporter_and_supporters(
    botosani: Municipality,
    category: Category,
    botosani_staff: StaffMembership,
    django_capture_on_commit_callbacks: Any,
) -> None:
    staff = botosani_staff.user
    report = create(botosani, category, locale="en")
    supporter = UserFactory.create(email="neighbour@example.org", preferred_language="en")
    SupporterFactory.create(
        municipality=botosani, report=report, user=supporter, email=supporter.email
    )
    SupporterFactory.create(municipality=botosani, report=report, email="guest@example.org")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        acknowledged = services.report_change_status(
            report=report, actor=staff, status=ReportStatus.ACKNOWLEDGED
        )
    with django_capture_on_commit_callbacks(execute=True):
        fixed = services.report_change_status(
            report=report, actor=staff, status="fixed", public_response="Emptied this morning."
        )

    report.refresh_from_db()
    assert report.status == ReportStatus.FIXED
    assert report.closed_at is not None
    assert report.updated_at >= report.closed_at
    assert [(update.old_status, update.new_status) for update in (acknowledged, fixed)] == [
        ("new", "acknowledged"),
        ("acknowledged", "fixed"),
    ]
    assert fixed.text == "Emptied this morning."
    entries = AuditLogEntry.objects.filter(target_type="reports.Report").order_by("id")
    assert [
        (entry.actor, (entry.before or {})["status"], (entry.after or {})["status"])
        for entry in entries
    ] == [
        (staff, "new", "acknowledged"),
        (staff, "acknowledged", "fixed"),
    ]
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        ["ion@example.org", "guest@example.org", "neighbour@example.org"] * 2
    )
    last_to_reporter = [m for m in mail.outbox if m.to == ["ion@example.org"]][-1]
    assert last_to_reporter.subject == f"Report #{report.pk}: Fixed"
    assert "Emptied this morning." in last_to_reporter.body
    assert Notification.objects.filter(recipient=supporter).count() == 2


@pytest.mark.django_db
def test_reporter_is_told_in_the_language_of_the_report(
    botosani: Municipality,
    category: Category,
    botosani_staff: StaffMembership,
    django_capture_on_commit_callbacks: Any,
) -> None:
    report = create(botosani, category, locale="ro")

    with django_capture_on_commit_callbacks(execute=True):
        services.report_change_status(
            report=report, actor=botosani_staff.user, status=ReportStatus.FIXED
        )

    assert [message.subject for message in mail.outbox] == [f"Sesizarea nr. {report.pk}: Rezolvată"]
    assert notifications._language_for("ro-RO", "en") == "ro"
    assert notifications._language_for("", "fr", "en") == "en"


@pytest.mark.django_db
def test_internal_note_is_not_public_and_tells_nobody(
    botosani: Municipality,
    category: Category,
    botosani_staff: StaffMembership,
    django_capture_on_commit_callbacks: Any,
) -> None:
    report = create(botosani, category)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        note = services.report_respond(
            report=report, actor=botosani_staff.user, text="Truck broken.", is_public=False
        )
        response = services.report_respond(
            report=report, actor=botosani_staff.user, text="Coming tomorrow.", is_public=True
        )

    assert (note.kind, note.is_public) == (UpdateKind.NOTE, False)
    assert (response.kind, response.is_public) == (UpdateKind.RESPONSE, True)
    assert [message.to for message in mail.outbox] == [["ion@example.org"]]
    assert "Coming tomorrow." in mail.outbox[0].body
    assert AuditLogEntry.objects.filter(target_type="reports.ReportUpdate").count() == 2


@pytest.mark.django_db
def test_same_status_without_response_is_refused_and_writes_nothing(
    botosani: Municipality, category: Category, botosani_staff: StaffMembership
) -> None:
    report = ReportFactory.create(municipality=botosani, category=category)

    with pytest.raises(ValidationError) as same:
        services.report_change_status(report=report, actor=botosani_staff.user, status="new")
    with pytest.raises(ValidationError) as unknown:
        services.report_change_status(report=report, actor=botosani_staff.user, status="gone")

    assert same.value.message_dict == {"status": ["The report is already “New”."]}
    assert unknown.value.message_dict == {"status": ["Choose a valid status."]}
    assert ReportUpdate.objects.count() == 0
    assert AuditLogEntry.objects.count() == 0


@pytest.mark.django_db
def test_recategorising_routes_again_and_resets_the_sla_date(
    botosani: Municipality, category: Category, botosani_staff: StaffMembership
) -> None:
    report = create(botosani, category)
    lights = CategoryFactory.create(municipality=botosani, name="Broken light", sla_days=3)

    update = services.report_recategorise(report=report, actor=botosani_staff.user, category=lights)

    report.refresh_from_db()
    assert (report.category, report.department) == (lights, lights.department)
    assert report.expected_at == report.created_at + datetime.timedelta(days=3)
    assert update.text == "Category changed from “Overflowing container” to “Broken light”."
    assert AuditLogEntry.objects.get().after == {
        "category_id": lights.pk,
        "department_id": lights.department_id,
        "expected_at": report.expected_at.isoformat(),
        "updated_at": report.updated_at.isoformat(),
    }


@pytest.mark.django_db
def test_assignment_only_to_staff_of_the_city(
    botosani: Municipality,
    category: Category,
    botosani_staff: StaffMembership,
    botosani_admin: StaffMembership,
    resident: User,
) -> None:
    report = ReportFactory.create(municipality=botosani, category=category)

    update = services.report_assign(
        report=report, actor=botosani_admin.user, assignee=botosani_staff.user
    )
    with pytest.raises(ValidationError) as refused:
        services.report_assign(report=report, actor=botosani_admin.user, assignee=resident)

    report.refresh_from_db()
    assert report.assigned_to == botosani_staff.user
    assert (update.kind, update.is_public) == (UpdateKind.ASSIGNED, False)
    assert refused.value.message_dict == {"assignee": ["Choose a staff member of this city."]}


@pytest.mark.django_db
def test_merge_closes_the_duplicate_and_its_people_follow_the_original(
    botosani: Municipality, category: Category, botosani_staff: StaffMembership
) -> None:
    original = ReportFactory.create(
        municipality=botosani, category=category, reporter_email="first@example.org"
    )
    duplicate = ReportFactory.create(
        municipality=botosani, category=category, reporter_email="second@example.org"
    )
    SupporterFactory.create(municipality=botosani, report=duplicate, email="third@example.org")
    SupporterFactory.create(municipality=botosani, report=duplicate, email="first@example.org")

    update = services.report_merge(report=duplicate, actor=botosani_staff.user, into=original)
    with pytest.raises(ValidationError) as self_merge:
        services.report_merge(report=original, actor=botosani_staff.user, into=original)

    duplicate.refresh_from_db()
    assert (duplicate.status, duplicate.duplicate_of) == (ReportStatus.DUPLICATE, original)
    assert duplicate.closed_at is not None
    assert update.kind == UpdateKind.MERGED
    assert sorted(original.supporters.values_list("email", flat=True)) == [
        "second@example.org",
        "third@example.org",
    ]
    assert original.updates.get().text == f"Report #{duplicate.pk} was merged into this one."
    assert self_merge.value.message_dict == {"into": ["Choose another report of this city."]}


@pytest.mark.django_db
def test_moderation_hides_a_photo_and_the_report_and_resolves_flags(
    botosani: Municipality, category: Category, botosani_admin: StaffMembership
) -> None:
    report = ReportFactory.create(municipality=botosani, category=category)
    photo, _kept = ReportPhotoFactory.create_batch(2, municipality=botosani, report=report)
    other_photo = ReportPhotoFactory.create(municipality=botosani)
    AbuseFlagFactory.create(municipality=botosani, report=report)

    with pytest.raises(ValidationError):
        services.report_moderate(
            report=report, actor=botosani_admin.user, hide_photo_ids=[other_photo.pk]
        )
    update = services.report_moderate(
        report=report, actor=botosani_admin.user, hide_report=True, hide_photo_ids=[photo.pk]
    )

    report.refresh_from_db()
    assert report.is_hidden
    assert list(report.photos.filter(is_hidden=True)) == [photo]
    assert (update.kind, update.is_public) == (UpdateKind.MODERATED, False)
    assert not AbuseFlag.objects.filter(is_resolved=False).exists()
    entry = AuditLogEntry.objects.get()
    assert (entry.before, entry.after) == (
        {"hidden_photo_ids": [], "is_hidden": False},
        {"hidden_photo_ids": [photo.pk], "is_hidden": True},
    )


# Personal data


@pytest.mark.django_db
def test_erasure_keeps_the_report_public_without_the_person(
    botosani: Municipality, category: Category, resident: User
) -> None:
    report = create(
        botosani, category, reporter=resident, reporter_phone="0740000000", is_anonymous=False
    )
    other_report = ReportFactory.create(municipality=botosani, category=category)
    SupporterFactory.create(
        municipality=botosani, report=other_report, user=resident, email=resident.email
    )
    NeighbourhoodSubscriptionFactory.create(municipality=botosani, user=resident)

    exported = personal_data.user_data_export(user=resident)["sections"]["reports"]
    personal_data.user_erase(user=resident)

    assert [item["id"] for item in exported["reports"]] == [report.pk]
    assert [item["report_id"] for item in exported["supports"]] == [other_report.pk]
    assert len(exported["neighbourhood_subscriptions"]) == 1
    report.refresh_from_db()
    assert (
        report.reporter,
        report.reporter_name,
        report.reporter_email,
        report.reporter_phone,
        report.is_anonymous,
    ) == (None, "", "", "", True)
    assert report.description == "The container on Str. Primăverii is overflowing."
    assert not Supporter.objects.exists()
    assert not NeighbourhoodSubscription.objects.exists()


@pytest.mark.django_db
def test_an_address_without_a_point_is_enough(
    botosani: Municipality, category: Category, _media_root: Path
) -> None:
    report = create(botosani, category, latitude=None, longitude=None, address="Str. Marchian 5")

    assert (report.latitude, report.longitude, report.neighbourhood) == (None, None, None)
    assert report.department == category.department


@pytest.mark.django_db
def test_no_point_and_no_address_writes_nothing(
    botosani: Municipality, category: Category, _media_root: Path
) -> None:
    with pytest.raises(ValidationError) as raised:
        create(botosani, category, latitude=None, longitude=None, address="  ")

    assert "location" in raised.value.message_dict
    assert nothing_written(_media_root)
