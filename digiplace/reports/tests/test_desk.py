"""The staff desk: the queue's defaults and counts, bulk actions (all or nothing, per
department, through the single actions' services), reply templates and the "waiting for the
reporter" status."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from digiplace.core.models import AuditLogEntry, Municipality, StaffMembership, StaffRole
from digiplace.core.tests.factories import StaffMembershipFactory, UserFactory
from digiplace.reports import selectors_desk
from digiplace.reports.models import (
    OPEN_STATUSES,
    Category,
    ReplyTemplate,
    Report,
    ReportStatus,
    ReportUpdate,
    UpdateKind,
)
from digiplace.reports.open311.queries import request_status
from digiplace.reports.services import desk, report_change_status
from digiplace.reports.tests.factories import CategoryFactory, ReportFactory

BOTOSANI = "botosani.localhost"
QUEUE = "/backoffice/reports/"
BULK = "/backoffice/reports/bulk/"


@pytest.fixture
def roads(botosani: Municipality) -> Category:
    return CategoryFactory.create(municipality=botosani, name="Pothole", name_en="Pothole")


@pytest.fixture
def roads_staff(botosani: Municipality, roads: Category) -> StaffMembership:
    return StaffMembershipFactory.create(
        municipality=botosani,
        department=roads.department,
        user=UserFactory.create(email="roads@botosani.example", full_name="Radu Drumaru"),
        modules=["reports"],
    )


@pytest.fixture
def staff_client(client: Client, roads_staff: StaffMembership) -> Client:
    client.force_login(roads_staff.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def get(client: Client, path: str, **data: Any) -> Any:
    return client.get(path, data, HTTP_HOST=BOTOSANI)


def post(client: Client, path: str, data: dict[str, Any]) -> Any:
    return client.post(path, data, HTTP_HOST=BOTOSANI)


def numbers(response: Any) -> list[int]:
    return [report.pk for report in response.context["page"].object_list]


def state(municipality: Municipality) -> dict[str, Any]:
    return {
        "reports": list(
            Report.objects.filter(municipality=municipality)
            .order_by("pk")
            .values("status", "assigned_to_id", "closed_at")
        ),
        "updates": ReportUpdate.objects.count(),
        "audit": AuditLogEntry.objects.count(),
        "mail": len(mail.outbox),
    }


# The queue


def test_queue_opens_on_the_open_reports_of_my_department(
    staff_client: Client, botosani: Municipality, roads: Category
) -> None:
    mine = ReportFactory.create(municipality=botosani, category=roads)
    waiting = ReportFactory.create(
        municipality=botosani, category=roads, status=ReportStatus.WAITING
    )
    ReportFactory.create(municipality=botosani, category=roads, status=ReportStatus.FIXED)
    ReportFactory.create(municipality=botosani)  # another department's

    response = get(staff_client, QUEUE)

    assert numbers(response) == [waiting.pk, mine.pk]
    page = response.content.decode()
    # The filters are folded while they are the defaults.
    assert '<details class="desk-filters">' in page


def test_queue_of_someone_without_a_department_shows_every_open_report(
    client: Client, botosani: Municipality
) -> None:
    dispatcher = StaffMembershipFactory.create(
        municipality=botosani, department=None, modules=["reports"]
    )
    client.force_login(dispatcher.user)
    first = ReportFactory.create(municipality=botosani)
    second = ReportFactory.create(municipality=botosani)
    ReportFactory.create(municipality=botosani, status=ReportStatus.DUPLICATE)

    assert numbers(get(client, QUEUE)) == [second.pk, first.pk]


def test_a_filter_unfolds_the_filters_and_the_order_control_sorts(
    staff_client: Client, botosani: Municipality, roads: Category
) -> None:
    now = timezone.now()
    fresh = ReportFactory.create(municipality=botosani, category=roads)
    late = ReportFactory.create(
        municipality=botosani,
        category=roads,
        created_at=now - datetime.timedelta(days=20),
        expected_at=now - datetime.timedelta(days=6),
    )

    response = get(staff_client, QUEUE, status="open", department="mine", q="Problem")
    assert '<details class="desk-filters" open>' in response.content.decode()

    response = get(staff_client, QUEUE, status="open", department="mine", sort="overdue")
    assert numbers(response) == [late.pk, fresh.pk]
    assert '<details class="desk-filters">' in response.content.decode()


def test_dashboard_counts_match_the_queues_they_link_to(
    staff_client: Client, botosani: Municipality, roads: Category, roads_staff: StaffMembership
) -> None:
    now = timezone.now()
    ReportFactory.create_batch(2, municipality=botosani, category=roads)
    ReportFactory.create(
        municipality=botosani,
        category=roads,
        status=ReportStatus.IN_PROGRESS,
        created_at=now - datetime.timedelta(days=30),
        expected_at=now - datetime.timedelta(days=2),
    )
    ReportFactory.create(municipality=botosani, category=roads, status=ReportStatus.WAITING)
    # Assigned to me in another department: counted under "assigned to me" only.
    ReportFactory.create(
        municipality=botosani, status=ReportStatus.ACKNOWLEDGED, assigned_to=roads_staff.user
    )
    ReportFactory.create(municipality=botosani)  # another department's, not mine
    ReportFactory.create(municipality=botosani, category=roads, status=ReportStatus.FIXED)

    dashboard = {tile["key"]: tile for tile in get(staff_client, QUEUE).context["dashboard"]}

    assert {key: tile["count"] for key, tile in dashboard.items()} == {
        "new": 2,
        "overdue": 1,
        "mine": 1,
        "waiting": 1,
    }
    for tile in dashboard.values():
        linked = staff_client.get(f"{QUEUE}?{tile['query']}", HTTP_HOST=BOTOSANI)
        assert linked.context["page"].paginator.count == tile["count"], tile["key"]


# Bulk actions


def test_bulk_status_change_goes_through_the_status_service_for_each_report(
    staff_client: Client,
    botosani: Municipality,
    roads: Category,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    first, second = ReportFactory.create_batch(2, municipality=botosani, category=roads)
    already = ReportFactory.create(
        municipality=botosani, category=roads, status=ReportStatus.ACKNOWLEDGED
    )
    audit_before = AuditLogEntry.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        response = post(
            staff_client,
            BULK,
            {
                "reports": [first.pk, second.pk, already.pk],
                "action": "status",
                "status": "acknowledged",
                "query": "status=open&department=mine",
            },
        )

    assert response.status_code == 302
    assert response["Location"] == f"{QUEUE}?status=open&department=mine"
    for report in (first, second):
        report.refresh_from_db()
        assert report.status == ReportStatus.ACKNOWLEDGED
        assert report.updates.filter(
            kind=UpdateKind.STATUS, new_status=ReportStatus.ACKNOWLEDGED
        ).exists()
    assert not already.updates.filter(kind=UpdateKind.STATUS).exists()
    assert AuditLogEntry.objects.count() == audit_before + 2
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        [first.reporter_email, second.reporter_email]
    )
    page = get(staff_client, QUEUE).content.decode()
    assert "2 reports were changed." in page
    assert f"Already so, left as they were: #{already.pk}." in page


def test_bulk_assign_to_a_colleague(
    staff_client: Client, botosani: Municipality, roads: Category, botosani_staff: StaffMembership
) -> None:
    reports = ReportFactory.create_batch(3, municipality=botosani, category=roads)

    response = post(
        staff_client,
        BULK,
        {
            "reports": [report.pk for report in reports],
            "action": "assign",
            "assignee": botosani_staff.user_id,
        },
    )

    assert response.status_code == 302
    assert {
        report.assigned_to_id for report in Report.objects.filter(pk__in=[r.pk for r in reports])
    } == {botosani_staff.user_id}
    assert ReportUpdate.objects.filter(kind=UpdateKind.ASSIGNED, is_public=False).count() == 3


def test_bulk_with_another_departments_report_changes_nothing(
    staff_client: Client, botosani: Municipality, roads: Category, timisoara: Municipality
) -> None:
    mine = ReportFactory.create(municipality=botosani, category=roads)
    theirs = ReportFactory.create(municipality=botosani)
    elsewhere = ReportFactory.create(municipality=timisoara)
    before = state(botosani)

    response = post(
        staff_client,
        BULK,
        {"reports": [mine.pk, theirs.pk, elsewhere.pk], "action": "status", "status": "fixed"},
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "Nothing was changed:" in page
    assert f"Report #{theirs.pk}: it belongs to another department; you cannot change it." in page
    assert f"Report #{elsewhere.pk}: there is no such report in this city." in page
    assert f"Report #{mine.pk}:" not in page
    # The ticked reports stay ticked.
    assert re.search(rf'value="{mine.pk}" id="pick-{mine.pk}" checked', page)
    assert state(botosani) == before


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"action": "status", "status": "fixed", "reports": []}, "Choose at least one report."),
        ({"action": "status", "status": ""}, "Choose the new status."),
        ({"action": "status", "status": "lost"}, "Choose one of the statuses offered."),
        ({"action": "assign", "assignee": ""}, "Choose the person, or nobody."),
        ({"action": "assign", "assignee": "99999"}, "Choose a staff member of this city."),
        ({"action": "delete"}, "Choose what to do with the reports."),
        (
            {"action": "status", "status": "fixed", "reports": ["1x"]},
            "Choose reports from the list.",
        ),
    ],
)
def test_bad_bulk_requests_are_refused_with_a_clear_message(
    staff_client: Client,
    botosani: Municipality,
    roads: Category,
    data: dict[str, Any],
    message: str,
) -> None:
    report = ReportFactory.create(municipality=botosani, category=roads)
    data = {"reports": [report.pk], **data}
    before = state(botosani)

    response = post(staff_client, BULK, data)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert state(botosani) == before


def test_a_refusal_half_way_rolls_back_the_reports_already_changed(
    botosani: Municipality,
    roads: Category,
    roads_staff: StaffMembership,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    first, second = ReportFactory.create_batch(2, municipality=botosani, category=roads)
    before = state(botosani)

    def change(report: Report) -> object:
        if report.pk == second.pk:
            raise ValidationError({"status": ["The crew is not available."]})
        return report_change_status(report=report, actor=roads_staff.user, status="fixed")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError) as error:
        desk._bulk(  # the shared all-or-nothing loop itself
            municipality=botosani,
            membership=roads_staff,
            report_ids=[first.pk, second.pk],
            is_unchanged=lambda report: False,
            apply=change,
        )

    assert error.value.message_dict == {
        "reports": [f"Report #{second.pk}: The crew is not available."]
    }
    assert state(botosani) == before  # the first report's change and email are gone too


def test_who_may_handle_which_report(
    botosani: Municipality, roads: Category, roads_staff: StaffMembership, timisoara: Municipality
) -> None:
    own = ReportFactory.create(municipality=botosani, category=roads)
    other = ReportFactory.create(municipality=botosani)
    unrouted = ReportFactory.create(municipality=botosani, department=None)
    assigned = ReportFactory.create(municipality=botosani, assigned_to=roads_staff.user)
    admin = StaffMembershipFactory.create(municipality=botosani, role=StaffRole.ADMIN)
    dispatcher = StaffMembershipFactory.create(municipality=botosani, department=None)
    foreign = StaffMembershipFactory.create(municipality=timisoara, role=StaffRole.ADMIN)
    inactive = StaffMembershipFactory.create(
        municipality=botosani, department=roads.department, is_active=False
    )

    def may(membership: StaffMembership, report: Report) -> bool:
        return desk.report_may_handle(membership=membership, report=report)

    assert [may(roads_staff, report) for report in (own, other, unrouted, assigned)] == [
        True,
        False,
        True,
        True,
    ]
    assert may(admin, other) and may(dispatcher, other)
    assert not may(foreign, own)
    assert not may(inactive, own)


def test_administrators_bulk_change_any_department(
    client: Client, botosani: Municipality, botosani_admin: StaffMembership
) -> None:
    client.force_login(botosani_admin.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    reports = [
        ReportFactory.create(municipality=botosani),
        ReportFactory.create(municipality=botosani),
    ]

    response = post(
        client,
        BULK,
        {"reports": [report.pk for report in reports], "action": "status", "status": "waiting"},
    )

    assert response.status_code == 302
    assert set(
        Report.objects.filter(pk__in=[r.pk for r in reports]).values_list("status", flat=True)
    ) == {"waiting"}


def test_bulk_needs_a_post_and_the_module(
    client: Client, botosani: Municipality, botosani_staff: StaffMembership
) -> None:
    report = ReportFactory.create(municipality=botosani)
    client.force_login(botosani_staff.user)  # staff without the reports module
    before = state(botosani)

    refused = post(client, BULK, {"reports": [report.pk], "action": "status", "status": "fixed"})

    assert refused.status_code == 403
    assert state(botosani) == before
    botosani_staff.modules = ["reports"]
    botosani_staff.save()
    assert get(client, BULK).status_code == 405


# The waiting status


def test_waiting_for_the_reporter_is_an_open_status(
    botosani: Municipality, roads: Category, roads_staff: StaffMembership
) -> None:
    report = ReportFactory.create(municipality=botosani, category=roads)

    report_change_status(
        report=report,
        actor=roads_staff.user,
        status=ReportStatus.WAITING,
        public_response="Could you send a photo of the place?",
    )

    report.refresh_from_db()
    assert ReportStatus.WAITING in OPEN_STATUSES
    assert report.is_open and report.closed_at is None
    assert request_status(report) == "open"
    assert str(ReportStatus.WAITING.label) == "Waiting for the reporter"


# Reply templates


def _template(municipality: Municipality, **fields: Any) -> ReplyTemplate:
    fields.setdefault("title_en", fields.get("title", "Template"))
    fields.setdefault("text_en", fields.get("text", "Text"))
    return ReplyTemplate.objects.create(municipality=municipality, **fields)


def test_templates_for_the_reports_category_come_before_those_for_any(
    botosani: Municipality, timisoara: Municipality, roads: Category
) -> None:
    report = ReportFactory.create(municipality=botosani, category=roads)
    general = _template(botosani, title="Thanks", text="Thank you.", position=0)
    specific = _template(botosani, category=roads, title="Paving", text="Paved soon.", position=5)
    _template(botosani, category=CategoryFactory.create(municipality=botosani), title="Lights")
    _template(botosani, title="Old", is_active=False)
    _template(timisoara, title="Elsewhere")

    assert selectors_desk.reply_template_list(report=report) == [specific, general]


def test_a_template_starts_the_public_reply_even_without_javascript(
    staff_client: Client, botosani: Municipality, roads: Category, timisoara: Municipality
) -> None:
    report = ReportFactory.create(municipality=botosani, category=roads)
    template = _template(
        botosani, title="Paving", text="The repair is planned for next week.", category=roads
    )
    foreign = _template(timisoara, title="Elsewhere", text="Not for this city.")
    page = f"{QUEUE}{report.pk}/"

    listed = get(staff_client, page).content.decode()
    assert f'href="?template={template.pk}#respond"' in listed
    assert 'data-text="The repair is planned for next week."' in listed

    chosen = get(staff_client, page, template=template.pk)
    form = chosen.context["response_form"]
    assert form.initial == {"text": "The repair is planned for next week.", "is_public": "1"}
    assert get(staff_client, page, template=foreign.pk).context["response_form"].initial == {}
    assert get(staff_client, page, template="x").context["response_form"].initial == {}


def test_a_templates_category_must_be_of_its_city(
    botosani: Municipality, timisoara: Municipality
) -> None:
    template = ReplyTemplate(
        municipality=botosani,
        category=CategoryFactory.create(municipality=timisoara),
        title="Wrong city",
        text="…",
    )

    with pytest.raises(ValidationError) as error:
        template.full_clean()

    assert error.value.message_dict["category"] == ["Choose a category of the same city."]


def test_the_report_screen_has_map_photos_templates_and_shortcuts(
    staff_client: Client, botosani: Municipality, roads: Category
) -> None:
    report = ReportFactory.create(municipality=botosani, category=roads)
    ReportUpdate.objects.create(
        municipality=botosani,
        report=report,
        kind=UpdateKind.NOTE,
        text="Call first.",
        is_public=False,
    )

    page = get(staff_client, f"{QUEUE}{report.pk}/").content.decode()

    assert 'id="desk-map"' in page and "data-map" in page
    assert f"[{report.longitude}, {report.latitude}]" in page.replace('"coordinates": ', "")
    assert "Keyboard shortcuts" in page
    assert "Assign to me" in page
    assert "Call first." in page
    # The summary, the actions, the timeline and the details follow each other (phone order).
    order = [
        page.index(marker)
        for marker in ("summary-heading", "actions-heading", "timeline-heading", "details-heading")
    ]
    assert order == sorted(order)


@pytest.mark.django_db
def test_the_demo_loads_reply_templates_in_both_languages_once() -> None:
    call_command("demo_load", verbosity=0)
    call_command("reports_demo", "--reports", "5", verbosity=0)
    count = ReplyTemplate.objects.count()
    call_command("reports_demo", "--reports", "5", verbosity=0)

    assert ReplyTemplate.objects.count() == count == 14
    for municipality in Municipality.objects.filter(slug__in=["botosani", "timisoara"]):
        templates = ReplyTemplate.objects.filter(municipality=municipality)
        assert templates.filter(category__isnull=True).count() == 4
        for language in ("ro", "en"):
            assert not templates.filter(**{f"title_{language}__isnull": True}).exists()
            assert not templates.filter(**{f"text_{language}": ""}).exists()
        assert {
            template.category.municipality_id for template in templates if template.category
        } == {municipality.pk}
