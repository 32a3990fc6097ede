"""The reports back office: who may use it, the queue and its filters, every action on a
report (each through its service, nothing written on bad input) and the Open311 API keys."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.utils import timezone

from digiplace.core.models import AuditLogEntry, Municipality, StaffMembership, StaffRole, User
from digiplace.core.tests.factories import (
    DepartmentFactory,
    StaffMembershipFactory,
    UserFactory,
)
from digiplace.reports import selectors
from digiplace.reports.models import (
    AbuseFlag,
    ApiKey,
    Report,
    ReportPhoto,
    ReportStatus,
    ReportUpdate,
    Supporter,
    UpdateKind,
)
from digiplace.reports.tests.factories import (
    AbuseFlagFactory,
    ApiKeyFactory,
    CategoryFactory,
    NeighbourhoodFactory,
    ReportFactory,
    ReportPhotoFactory,
    RoutingRuleFactory,
)

BOTOSANI = "botosani.localhost"
QUEUE = "/backoffice/reports/"
API_KEYS = "/backoffice/reports/api-keys/"


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def reports_staff(botosani: Municipality) -> StaffMembership:
    return StaffMembershipFactory.create(
        municipality=botosani,
        user=UserFactory.create(email="roads@botosani.example", full_name="Radu Drumaru"),
        modules=["reports"],
    )


@pytest.fixture
def staff_client(client: Client, reports_staff: StaffMembership) -> Client:
    client.force_login(reports_staff.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def report(botosani: Municipality) -> Report:
    return ReportFactory.create(municipality=botosani, reporter_email="ion@example.org")


def get(client: Client, path: str, **data: Any) -> Any:
    return client.get(path, data, HTTP_HOST=BOTOSANI)


def post(client: Client, path: str, data: dict[str, Any] | None = None) -> Any:
    return client.post(path, data or {}, HTTP_HOST=BOTOSANI)


def manage(report: Report, action: str = "") -> str:
    return f"/backoffice/reports/{report.pk}/" + (f"{action}/" if action else "")


def numbers(response: Any) -> list[int]:
    return [report.pk for report in response.context["page"].object_list]


def state(municipality: Municipality) -> dict[str, Any]:
    """What the actions could change, to check that a refused one changed nothing."""
    return {
        "reports": list(
            Report.objects.filter(municipality=municipality)
            .order_by("pk")
            .values(
                "status",
                "category_id",
                "department_id",
                "assigned_to_id",
                "duplicate_of_id",
                "is_hidden",
            )
        ),
        "updates": ReportUpdate.objects.count(),
        "photos": list(ReportPhoto.objects.order_by("pk").values_list("is_hidden", flat=True)),
        "flags": list(AbuseFlag.objects.order_by("pk").values_list("is_resolved", flat=True)),
        "keys": list(ApiKey.objects.order_by("pk").values_list("is_active", flat=True)),
        "audit": AuditLogEntry.objects.count(),
        "mail": len(mail.outbox),
    }


# Who may use it


def _action_requests(report: Report, key: ApiKey) -> list[tuple[str, dict[str, Any]]]:
    return [
        (manage(report, "status"), {"status": "fixed", "public_response": "Done."}),
        (manage(report, "respond"), {"text": "Hello", "is_public": "1"}),
        (manage(report, "assign"), {"assignee": ""}),
        (manage(report, "merge"), {"into": report.pk}),
        (manage(report, "visibility"), {"hide": "1"}),
        (API_KEYS, {"name": "App", "contact_email": "dev@example.org"}),
        (f"{API_KEYS}{key.pk}/deactivate/", {}),
    ]


def test_anonymous_visitors_are_sent_to_the_login_page(client: Client, report: Report) -> None:
    key = ApiKeyFactory.create(municipality=report.municipality)
    before = state(report.municipality)

    pages = [get(client, QUEUE), get(client, manage(report)), get(client, API_KEYS)]
    actions = [post(client, path, data) for path, data in _action_requests(report, key)]

    for response in pages + actions:
        assert response.status_code == 302
        assert "/login/" in response["Location"]
    assert state(report.municipality) == before


@pytest.mark.parametrize("who", ["resident", "staff_without_module", "other_city_admin"])
def test_people_without_the_reports_module_here_are_refused(
    who: str,
    client: Client,
    report: Report,
    resident: User,
    botosani_staff: StaffMembership,
    timisoara_admin: StaffMembership,
) -> None:
    person = {
        "resident": resident,
        "staff_without_module": botosani_staff.user,
        "other_city_admin": timisoara_admin.user,
    }[who]
    key = ApiKeyFactory.create(municipality=report.municipality)
    before = state(report.municipality)
    client.force_login(person)

    pages = [get(client, QUEUE), get(client, manage(report)), get(client, API_KEYS)]
    actions = [post(client, path, data) for path, data in _action_requests(report, key)]

    assert [response.status_code for response in pages + actions] == [403] * 10
    assert state(report.municipality) == before


def test_staff_cannot_manage_api_keys(staff_client: Client, botosani: Municipality) -> None:
    key = ApiKeyFactory.create(municipality=botosani)
    before = state(botosani)

    answers = [
        get(staff_client, API_KEYS).status_code,
        post(staff_client, API_KEYS, {"name": "App", "contact_email": "dev@example.org"}),
        post(staff_client, f"{API_KEYS}{key.pk}/deactivate/"),
    ]

    assert [answers[0], answers[1].status_code, answers[2].status_code] == [403, 403, 403]
    assert state(botosani) == before


def test_another_citys_report_is_not_found_and_nothing_is_written(
    staff_client: Client, timisoara: Municipality
) -> None:
    foreign = ReportFactory.create(municipality=timisoara)
    photo = ReportPhotoFactory.create(municipality=timisoara, report=foreign)
    before = state(timisoara)
    actions: list[tuple[str, dict[str, Any]]] = [
        ("status", {"status": "fixed"}),
        ("respond", {"text": "Hello", "is_public": "0"}),
        ("assign", {"assignee": ""}),
        ("category", {"category": foreign.category_id}),
        ("merge", {"into": 1}),
        ("visibility", {"hide": "1"}),
        ("photos/visibility", {"photo": photo.pk, "hide": "1"}),
    ]

    answers = [get(staff_client, manage(foreign)).status_code] + [
        post(staff_client, manage(foreign, action), data).status_code for action, data in actions
    ]

    assert answers == [404] * 8
    assert state(timisoara) == before


# The queue


def test_queue_lists_the_citys_reports_with_hidden_and_overdue_marks(
    staff_client: Client, botosani: Municipality, timisoara: Municipality
) -> None:
    now = timezone.now()
    overdue = ReportFactory.create(
        municipality=botosani,
        created_at=now - datetime.timedelta(days=20),
        expected_at=now - datetime.timedelta(days=6),
    )
    hidden = ReportFactory.create(municipality=botosani, is_hidden=True)
    ReportFactory.create(municipality=timisoara)

    response = get(staff_client, QUEUE, department="")

    assert response.status_code == 200
    assert numbers(response) == [hidden.pk, overdue.pk]
    page = response.content.decode()
    assert page.count("Overdue</strong>") == 1
    assert page.count("Hidden</strong>") == 1
    assert overdue.expected_at is not None
    due = timezone.localtime(overdue.expected_at, ZoneInfo(botosani.time_zone))
    assert f'datetime="{due.isoformat()}"' in page


def test_queue_filters(
    staff_client: Client, botosani: Municipality, reports_staff: StaffMembership
) -> None:
    now = timezone.now()
    neighbourhood = NeighbourhoodFactory.create(municipality=botosani)
    lights = CategoryFactory.create(municipality=botosani, name="Broken street light")
    new = ReportFactory.create(
        municipality=botosani, description="Container full on Calea Națională"
    )
    fixed = ReportFactory.create(municipality=botosani, status=ReportStatus.FIXED)
    light = ReportFactory.create(
        municipality=botosani, category=lights, neighbourhood=neighbourhood
    )
    late = ReportFactory.create(
        municipality=botosani,
        created_at=now - datetime.timedelta(days=30),
        expected_at=now - datetime.timedelta(days=16),
        assigned_to=reports_staff.user,
    )
    late_closed = ReportFactory.create(
        municipality=botosani,
        status=ReportStatus.UNABLE_TO_FIX,
        created_at=now - datetime.timedelta(days=40),
        expected_at=now - datetime.timedelta(days=26),
    )

    def found(**filters: Any) -> list[int]:
        return numbers(get(staff_client, QUEUE, department="", **filters))

    assert found(status="open") == [light.pk, new.pk, late.pk]
    assert found(status="closed") == [fixed.pk, late_closed.pk]
    assert found(status="fixed") == [fixed.pk]
    assert found(category=lights.pk) == [light.pk]
    assert found(neighbourhood=neighbourhood.pk) == [light.pk]
    assert found(overdue="on") == [late.pk]
    assert found(mine="on") == [late.pk]
    assert found(q="națională") == [new.pk]
    assert found(q=f"#{fixed.pk}") == [fixed.pk]
    assert found(status="no-such-status", category=lights.pk) == [light.pk]


def test_queue_starts_with_my_department_and_can_show_all(
    staff_client: Client, botosani: Municipality, reports_staff: StaffMembership
) -> None:
    mine = ReportFactory.create(
        municipality=botosani,
        category=CategoryFactory.create(municipality=botosani, department=reports_staff.department),
    )
    other = ReportFactory.create(municipality=botosani)
    other_department = other.department
    assert other_department is not None

    assert numbers(get(staff_client, QUEUE)) == [mine.pk]
    assert numbers(get(staff_client, QUEUE, department="")) == [other.pk, mine.pk]
    assert numbers(get(staff_client, QUEUE, department=other_department.pk)) == [other.pk]


def test_queue_sorts_the_most_overdue_first(staff_client: Client, botosani: Municipality) -> None:
    now = timezone.now()
    fresh = ReportFactory.create(municipality=botosani)
    late = ReportFactory.create(
        municipality=botosani,
        created_at=now - datetime.timedelta(days=20),
        expected_at=now - datetime.timedelta(days=6),
    )
    later = ReportFactory.create(
        municipality=botosani,
        created_at=now - datetime.timedelta(days=30),
        expected_at=now - datetime.timedelta(days=16),
    )

    assert numbers(get(staff_client, QUEUE, department="", sort="overdue")) == [
        later.pk,
        late.pk,
        fresh.pk,
    ]


def test_queue_query_count_does_not_grow_with_rows(
    staff_client: Client,
    botosani: Municipality,
    reports_staff: StaffMembership,
    django_assert_max_num_queries: Callable[..., Any],
) -> None:
    def make(count: int) -> None:
        for _number in range(count):
            ReportFactory.create(
                municipality=botosani,
                neighbourhood=NeighbourhoodFactory.create(municipality=botosani),
                assigned_to=reports_staff.user,
            )

    make(2)
    # The first request also creates each module's cache version (about six queries each on
    # the database cache): the ceiling grows with the modules, not with the rows.
    with django_assert_max_num_queries(120) as few:  # type: ignore[operator]
        assert get(staff_client, QUEUE, department="").status_code == 200
    make(20)
    with django_assert_max_num_queries(len(few.captured_queries)):  # type: ignore[operator]
        response = get(staff_client, QUEUE, department="")
    assert len(numbers(response)) == 22


# One report and its actions


def test_manage_page_shows_contact_photos_flags_and_internal_notes(
    staff_client: Client, report: Report
) -> None:
    report.reporter_phone = "+40 700 000 000"
    report.save()
    ReportPhotoFactory.create(municipality=report.municipality, report=report)
    AbuseFlagFactory.create(municipality=report.municipality, report=report, reason="Rude words")
    ReportUpdate.objects.create(
        municipality=report.municipality,
        report=report,
        kind=UpdateKind.NOTE,
        text="Call the contractor first.",
        is_public=False,
    )

    page = get(staff_client, manage(report)).content.decode()

    for text in ["ion@example.org", "+40 700 000 000", "Rude words", "Call the contractor"]:
        assert text in page
    assert "<img" in page


def test_status_change_with_response_notifies_the_reporter(
    staff_client: Client,
    report: Report,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = post(
            staff_client,
            manage(report, "status"),
            {"status": "acknowledged", "public_response": "A crew comes on Monday."},
        )

    assert response.status_code == 302
    assert response["Location"] == manage(report)
    report.refresh_from_db()
    assert report.status == ReportStatus.ACKNOWLEDGED
    assert [message.to for message in mail.outbox] == [["ion@example.org"]]
    assert "A crew comes on Monday." in mail.outbox[0].body
    page = get(staff_client, manage(report)).content.decode()
    assert f"Report #{report.pk} is now “Acknowledged”." in page


def test_unknown_status_is_refused_and_nothing_is_written(
    staff_client: Client, report: Report
) -> None:
    before = state(report.municipality)

    response = post(staff_client, manage(report, "status"), {"status": "solved-by-magic"})

    assert response.status_code == 200
    assert "Choose one of the statuses offered." in response.content.decode()
    assert state(report.municipality) == before


def test_the_same_status_again_shows_the_services_message(
    staff_client: Client, report: Report
) -> None:
    before = state(report.municipality)

    response = post(staff_client, manage(report, "status"), {"status": "new"})

    assert "The report is already “New”." in response.content.decode()
    assert state(report.municipality) == before


def test_internal_note_stays_out_of_the_public_timeline(
    staff_client: Client, report: Report
) -> None:
    response = post(
        staff_client, manage(report, "respond"), {"text": "Budget is short.", "is_public": "0"}
    )

    assert response.status_code == 302
    assert [update.text for update in selectors.report_timeline(report=report)] == []
    staff_timeline = selectors.report_timeline(report=report, include_internal=True)
    assert [(update.kind, update.text) for update in staff_timeline] == [
        (UpdateKind.NOTE, "Budget is short.")
    ]
    assert mail.outbox == []
    assert "Budget is short." in get(staff_client, manage(report)).content.decode()


def test_public_response_is_in_the_public_timeline(
    staff_client: Client,
    report: Report,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        post(staff_client, manage(report, "respond"), {"text": "Thank you.", "is_public": "1"})

    assert [update.text for update in selectors.report_timeline(report=report)] == ["Thank you."]
    assert len(mail.outbox) == 1


def test_empty_response_is_refused(staff_client: Client, report: Report) -> None:
    before = state(report.municipality)

    response = post(staff_client, manage(report, "respond"), {"text": " ", "is_public": "0"})

    assert "Write the response or the note." in response.content.decode()
    assert state(report.municipality) == before


def test_assign_to_a_staff_member_of_this_city(
    staff_client: Client, report: Report, botosani_staff: StaffMembership
) -> None:
    response = post(staff_client, manage(report, "assign"), {"assignee": botosani_staff.user_id})

    assert response.status_code == 302
    report.refresh_from_db()
    assert report.assigned_to == botosani_staff.user


def test_assign_to_another_citys_staff_is_refused(
    staff_client: Client, report: Report, timisoara_admin: StaffMembership
) -> None:
    before = state(report.municipality)

    response = post(staff_client, manage(report, "assign"), {"assignee": timisoara_admin.user_id})

    assert "Choose a staff member of this city." in response.content.decode()
    assert state(report.municipality) == before


def test_recategorise_routes_the_report_again(
    staff_client: Client, report: Report, botosani: Municipality
) -> None:
    lights = CategoryFactory.create(municipality=botosani, name="Broken street light", sla_days=3)
    rule = RoutingRuleFactory.create(
        municipality=botosani,
        category=lights,
        department=DepartmentFactory.create(municipality=botosani, name="Street lighting"),
    )

    response = post(staff_client, manage(report, "category"), {"category": lights.pk})

    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.category, report.department) == (lights, rule.department)
    assert report.expected_at == report.created_at + datetime.timedelta(days=3)
    page = get(staff_client, manage(report)).content.decode()
    assert "routed to Street lighting" in page


def test_recategorise_into_another_citys_category_is_refused(
    staff_client: Client, report: Report, timisoara: Municipality
) -> None:
    foreign = CategoryFactory.create(municipality=timisoara)
    before = state(report.municipality)

    response = post(staff_client, manage(report, "category"), {"category": foreign.pk})

    assert "Choose one of this city&#x27;s categories." in response.content.decode()
    assert state(report.municipality) == before


def test_merge_into_another_report(
    staff_client: Client, report: Report, botosani: Municipality
) -> None:
    original = ReportFactory.create(municipality=botosani, category=report.category)

    response = post(staff_client, manage(report, "merge"), {"into": original.pk})

    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.status, report.duplicate_of) == (ReportStatus.DUPLICATE, original)
    assert Supporter.objects.filter(report=original, email="ion@example.org").exists()


@pytest.mark.parametrize("target", ["itself", "foreign", "missing", "duplicate"])
def test_bad_merges_are_refused_with_a_clear_message(
    target: str,
    staff_client: Client,
    report: Report,
    botosani: Municipality,
    timisoara: Municipality,
) -> None:
    original = ReportFactory.create(municipality=botosani)
    duplicate = ReportFactory.create(
        municipality=botosani, status=ReportStatus.DUPLICATE, duplicate_of=original
    )
    foreign = ReportFactory.create(municipality=timisoara)
    into, message = {
        "itself": (report.pk, "A report cannot be merged into itself."),
        "foreign": (foreign.pk, f"There is no report #{foreign.pk} in this city."),
        "missing": (999_999, "There is no report #999999 in this city."),
        "duplicate": (
            duplicate.pk,
            f"That report is itself a duplicate; merge into #{original.pk} instead.",
        ),
    }[target]
    before = state(botosani), state(timisoara)

    response = post(staff_client, manage(report, "merge"), {"into": into})

    assert response.status_code == 200
    assert message in response.content.decode()
    assert (state(botosani), state(timisoara)) == before


def public_reports(municipality: Municipality) -> list[Report]:
    return list(
        selectors.report_search(municipality=municipality, filters=selectors.ReportFilters())
    )


def test_hiding_a_report_removes_it_from_the_public_list_and_resolves_flags(
    staff_client: Client, report: Report, botosani: Municipality
) -> None:
    flag = AbuseFlagFactory.create(municipality=botosani, report=report)

    response = post(staff_client, manage(report, "visibility"), {"hide": "1"})

    assert response.status_code == 302
    assert public_reports(botosani) == []
    assert numbers(get(staff_client, QUEUE, department="")) == [report.pk]
    flag.refresh_from_db()
    assert flag.is_resolved

    post(staff_client, manage(report, "visibility"), {"hide": "0"})

    assert public_reports(botosani) == [report]


def test_hiding_and_showing_a_photo(staff_client: Client, report: Report) -> None:
    photo = ReportPhotoFactory.create(municipality=report.municipality, report=report)

    post(staff_client, manage(report, "photos/visibility"), {"photo": photo.pk, "hide": "1"})
    photo.refresh_from_db()
    hidden = photo.is_hidden
    post(staff_client, manage(report, "photos/visibility"), {"photo": photo.pk, "hide": "0"})
    photo.refresh_from_db()

    assert (hidden, photo.is_hidden) == (True, False)


def test_another_reports_photo_cannot_be_hidden(
    staff_client: Client, report: Report, botosani: Municipality
) -> None:
    other_photo = ReportPhotoFactory.create(municipality=botosani)
    before = state(botosani)

    response = post(
        staff_client, manage(report, "photos/visibility"), {"photo": other_photo.pk, "hide": "1"}
    )

    assert response.status_code == 302
    assert (
        "These photos are not of this report" in get(staff_client, manage(report)).content.decode()
    )
    assert state(botosani) == before


def test_a_get_on_an_action_shows_the_report(staff_client: Client, report: Report) -> None:
    before = state(report.municipality)

    response = get(staff_client, manage(report, "status"))

    assert (response.status_code, response["Location"]) == (302, manage(report))
    assert state(report.municipality) == before


# Open311 API keys


@pytest.fixture
def admin_client(client: Client, botosani_admin: StaffMembership) -> Client:
    client.force_login(botosani_admin.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_admin_issues_a_key_shown_once(admin_client: Client, botosani: Municipality) -> None:
    response = post(
        admin_client, API_KEYS, {"name": "Oraș Curat app", "contact_email": "Dev@Example.org"}
    )

    assert response.status_code == 302
    key = ApiKey.objects.get(municipality=botosani)
    assert (key.name, key.contact_email, key.is_active) == (
        "Oraș Curat app",
        "dev@example.org",
        True,
    )
    assert key.key in get(admin_client, API_KEYS).content.decode()
    assert key.key not in get(admin_client, API_KEYS).content.decode()
    entry = AuditLogEntry.objects.get(target_type="reports.ApiKey")
    assert (entry.action, entry.target_id) == ("create", str(key.pk))
    assert entry.after is not None
    assert "key" not in entry.after


def test_bad_key_request_is_refused(admin_client: Client, botosani: Municipality) -> None:
    before = state(botosani)

    response = post(admin_client, API_KEYS, {"name": "", "contact_email": "not-an-email"})

    page = response.content.decode()
    assert "Name the application." in page
    assert "Enter a valid email address." in page
    assert state(botosani) == before


def test_admin_deactivates_a_key(
    admin_client: Client, botosani: Municipality, timisoara: Municipality
) -> None:
    key = ApiKeyFactory.create(municipality=botosani)
    foreign = ApiKeyFactory.create(municipality=timisoara)

    response = post(admin_client, f"{API_KEYS}{key.pk}/deactivate/")
    refused = post(admin_client, f"{API_KEYS}{foreign.pk}/deactivate/")

    assert (response.status_code, refused.status_code) == (302, 404)
    key.refresh_from_db()
    foreign.refresh_from_db()
    assert (key.is_active, foreign.is_active) == (False, True)
    entry = AuditLogEntry.objects.get(target_type="reports.ApiKey")
    assert (entry.before, entry.after) == ({"is_active": True}, {"is_active": False})


def test_admin_lists_only_this_citys_keys(
    admin_client: Client, botosani: Municipality, timisoara: Municipality
) -> None:
    ApiKeyFactory.create(municipality=botosani, name="Botoșani app")
    ApiKeyFactory.create(municipality=timisoara, name="Timișoara app")

    page = get(admin_client, API_KEYS).content.decode()

    assert "Botoșani app" in page
    assert "Timișoara app" not in page


def test_administrators_use_the_queue_without_the_module_listed(
    client: Client, botosani: Municipality
) -> None:
    admin = StaffMembershipFactory.create(municipality=botosani, role=StaffRole.ADMIN)
    client.force_login(admin.user)

    assert get(client, QUEUE).status_code == 200
