"""Staff pages of processes and zones: who may open them, every change audited, phases as a
formset, the plan project chosen from the plan's projects, bad input refused with nothing
written."""

from __future__ import annotations

import datetime
import html
import json
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from digiplace.core.models import AuditAction, AuditLogEntry, Municipality, StaffMembership, User
from digiplace.core.tests.factories import StaffMembershipFactory, UserFactory
from digiplace.participation.models import Phase, Process, Zone
from digiplace.participation.tests.factories import PhaseFactory, ProcessFactory, ZoneFactory
from digiplace.participation.tests.factories_surveys import SurveyFactory
from digiplace.plans.tests.factories import PlanFactory, ProjectFactory

BOTOSANI = "botosani.localhost"

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(botosani: Municipality) -> StaffMembership:
    return StaffMembershipFactory.create(
        municipality=botosani,
        user=UserFactory.create(email="participare@botosani.example"),
        modules=["participation"],
    )


def _client(user: User | None = None) -> Client:
    client = Client(HTTP_HOST=BOTOSANI)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    if user is not None:
        client.force_login(user)
    return client


def _day(days: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


def _phases(*rows: tuple[str, int, int], initial: int = 0) -> dict[str, Any]:
    data: dict[str, Any] = {
        "phases-TOTAL_FORMS": str(len(rows)),
        "phases-INITIAL_FORMS": str(initial),
        "phases-MIN_NUM_FORMS": "0",
        "phases-MAX_NUM_FORMS": "20",
    }
    for number, (title, start, end) in enumerate(rows):
        data[f"phases-{number}-title_ro"] = title
        data[f"phases-{number}-title_en"] = title
        data[f"phases-{number}-starts_on"] = _day(start)
        data[f"phases-{number}-ends_on"] = _day(end)
    return data


def _process_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "slug": "tramvai",
        "title_ro": "Tramvai sau autobuze electrice",
        "title_en": "Tramway or electric buses",
        "summary_ro": "Consultare publică",
        "scope": "city",
        "is_published": "on",
        **_phases(("Informare", -10, -1), ("Consultare", 0, 20)),
    }
    data.update(overrides)
    return data


STAFF_PAGES: list[tuple[str, dict[str, Any]]] = [
    ("participation_backoffice:index", {}),
    ("participation_backoffice:process_staff_list", {}),
    ("participation_backoffice:process_create", {}),
    ("participation_backoffice:zone_list", {}),
    ("participation_backoffice:zone_create", {}),
]


@pytest.mark.parametrize(("name", "kwargs"), STAFF_PAGES)
def test_staff_pages_open_for_participation_staff(
    staff: StaffMembership, name: str, kwargs: dict[str, Any]
) -> None:
    assert _client(staff.user).get(reverse(name, kwargs=kwargs)).status_code == 200


@pytest.mark.parametrize(("name", "kwargs"), STAFF_PAGES)
def test_residents_and_other_staff_are_refused(
    botosani: Municipality,
    timisoara_admin: StaffMembership,
    resident: User,
    name: str,
    kwargs: dict[str, Any],
) -> None:
    plans_only = StaffMembershipFactory.create(municipality=botosani, modules=["plans"])
    path = reverse(name, kwargs=kwargs)

    assert _client(resident).get(path).status_code == 403
    assert _client(timisoara_admin.user).get(path).status_code == 403  # another city's staff
    assert _client(plans_only.user).get(path).status_code == 403  # another module
    anonymous = _client().get(path)
    assert anonymous.status_code == 302
    assert "/accounts/login/" in anonymous["Location"]


def test_another_citys_process_and_zone_are_404(
    staff: StaffMembership, timisoara: Municipality
) -> None:
    process = ProcessFactory.create(municipality=timisoara)
    zone = ZoneFactory.create(municipality=timisoara)
    client = _client(staff.user)

    assert (
        client.get(reverse("participation_backoffice:process_edit", args=[process.pk])).status_code
        == 404
    )
    assert (
        client.post(
            reverse("participation_backoffice:process_delete", args=[process.pk])
        ).status_code
        == 404
    )
    assert (
        client.get(reverse("participation_backoffice:zone_edit", args=[zone.pk])).status_code == 404
    )
    assert Process.objects.filter(pk=process.pk).exists()


def test_dashboard_links_every_components_staff_pages(staff: StaffMembership) -> None:
    html = _client(staff.user).get(reverse("participation_backoffice:index")).content.decode()

    for name in [
        "participation_backoffice:process_staff_list",
        "participation_backoffice:zone_list",
        "participation_backoffice:survey_staff_list",
        "participation_backoffice:proposal_staff_list",
        "participation_backoffice:moderation_queue",
        "participation_backoffice:budget_list",
        "participation_backoffice:budget_create",
        "participation_backoffice:meeting_staff_list",
        "participation_backoffice:meeting_create",
        "participation_backoffice:organisation_queue",
    ]:
        assert f'href="{reverse(name)}"' in html, name


def test_create_a_process_with_phases_and_a_plan_project(
    botosani: Municipality, staff: StaffMembership
) -> None:
    plan = PlanFactory.create(municipality=botosani, key="sud")
    ProjectFactory.create(municipality=botosani, plan=plan, key="P1", title_en="Tramway study")
    form_page = _client(staff.user).get(reverse("participation_backoffice:process_create"))
    assert 'value="plans.project:sud/P1"' in form_page.content.decode()

    response = _client(staff.user).post(
        reverse("participation_backoffice:process_create"),
        _process_data(plan_project_ref="plans.project:sud/P1"),
    )

    assert response.status_code == 302
    process = Process.objects.get(municipality=botosani, slug="tramvai")
    assert process.plan_project_ref == "plans.project:sud/P1"
    assert (process.title_ro, process.title_en) == (  # type: ignore[attr-defined]
        "Tramvai sau autobuze electrice",
        "Tramway or electric buses",
    )
    assert [phase.title_ro for phase in process.phases.order_by("position")] == [  # type: ignore[attr-defined]
        "Informare",
        "Consultare",
    ]
    created = AuditLogEntry.objects.filter(action=AuditAction.CREATE, actor=staff.user)
    assert sorted(created.values_list("target_type", flat=True)) == [
        "participation.Phase",
        "participation.Phase",
        "participation.Process",
    ]
    public = _client().get(reverse("participation:process_detail", args=["tramvai"]))
    assert "Tramway study" in public.content.decode()


def test_editing_phases_updates_adds_and_removes_with_audit(
    botosani: Municipality, staff: StaffMembership
) -> None:
    process = ProcessFactory.create(municipality=botosani, slug="tramvai")
    PhaseFactory.create(
        process=process,
        title_ro="Informare",
        position=0,
        starts_on=timezone.localdate() - datetime.timedelta(days=10),
        ends_on=timezone.localdate() - datetime.timedelta(days=1),
    )
    PhaseFactory.create(
        process=process,
        title_ro="Vot",
        position=1,
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate() + datetime.timedelta(days=5),
    )
    data = _process_data(
        **_phases(("Informare", -10, -1), ("Vot", 0, 5), initial=2),
    )
    data["phases-1-DELETE"] = "on"
    data.update(
        {
            "phases-TOTAL_FORMS": "3",
            "phases-2-title_ro": "Raport",
            "phases-2-starts_on": _day(6),
            "phases-2-ends_on": _day(30),
        }
    )

    response = _client(staff.user).post(
        reverse("participation_backoffice:process_edit", args=[process.pk]), data
    )

    assert response.status_code == 302
    phases = Phase.objects.filter(process=process).order_by("position")
    assert [phase.title_ro for phase in phases] == ["Informare", "Raport"]  # type: ignore[attr-defined]
    actions = set(
        AuditLogEntry.objects.filter(target_type="participation.Phase").values_list(
            "action", flat=True
        )
    )
    assert actions == {AuditAction.UPDATE}  # the second row became "Raport": changed in place
    entry = AuditLogEntry.objects.get(target_type="participation.Process")
    assert entry.action == AuditAction.UPDATE


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"slug": "taken"}, "Another process of the city has this short name."),
        ({"slug": "not a slug!"}, "Enter a valid"),
        ({"title_ro": ""}, "This field is required."),
        ({"scope": "zone"}, "Choose the neighbourhood of the process."),
        ({"plan_project_ref": "plans.project:sud/NOPE"}, "Choose a project of the city's plan."),
        (
            {
                "proposals_enabled": "on",
                "proposals_open_from": "2026-05-10T10:00",
                "proposals_open_until": "2026-05-01T10:00",
            },
            "Proposals must close after they open.",
        ),
        (_phases(("A", 0, 10), ("B", 5, 20)), "Phases may not overlap"),
        (_phases(("A", 10, 0)), "A phase ends on or after the day it starts."),
    ],
)
def test_bad_process_input_is_explained_and_writes_nothing(
    botosani: Municipality, staff: StaffMembership, overrides: dict[str, Any], message: str
) -> None:
    ProcessFactory.create(municipality=botosani, slug="taken")
    before = (Process.objects.count(), Phase.objects.count(), AuditLogEntry.objects.count())

    response = _client(staff.user).post(
        reverse("participation_backoffice:process_create"), _process_data(**overrides)
    )

    assert response.status_code == 400
    assert message in html.unescape(response.content.decode())
    after = (Process.objects.count(), Phase.objects.count(), AuditLogEntry.objects.count())
    assert after == before


def test_another_citys_zone_cannot_be_chosen(
    botosani: Municipality, timisoara: Municipality, staff: StaffMembership
) -> None:
    zone = ZoneFactory.create(municipality=timisoara)

    response = _client(staff.user).post(
        reverse("participation_backoffice:process_create"),
        _process_data(scope="zone", zone=str(zone.pk)),
    )

    assert response.status_code == 400
    assert not Process.objects.filter(slug="tramvai").exists()


def test_a_process_holding_a_survey_is_not_deleted(
    botosani: Municipality, staff: StaffMembership
) -> None:
    process = ProcessFactory.create(municipality=botosani)
    SurveyFactory.create(process=process)
    empty = ProcessFactory.create(municipality=botosani)
    client = _client(staff.user)

    refused = client.post(
        reverse("participation_backoffice:process_delete", args=[process.pk]), follow=True
    )
    assert "cannot be deleted" in refused.content.decode()
    assert Process.objects.filter(pk=process.pk).exists()

    client.post(reverse("participation_backoffice:process_delete", args=[empty.pk]))
    assert not Process.objects.filter(pk=empty.pk).exists()
    entry = AuditLogEntry.objects.get(action=AuditAction.DELETE)
    assert entry.target_id == str(empty.pk)


SQUARE = {
    "type": "Polygon",
    "coordinates": [[[26.66, 47.74], [26.67, 47.74], [26.67, 47.75], [26.66, 47.74]]],
}


def test_zones_are_created_edited_and_audited(
    botosani: Municipality, staff: StaffMembership
) -> None:
    client = _client(staff.user)
    response = client.post(
        reverse("participation_backoffice:zone_create"),
        {
            "slug": "centru",
            "name_ro": "Centru",
            "name_en": "Centre",
            "position": "1",
            "geometry": json.dumps({"type": "Feature", "geometry": SQUARE, "properties": {}}),
        },
    )
    assert response.status_code == 302
    zone = Zone.objects.get(municipality=botosani, slug="centru")
    assert zone.geometry == SQUARE

    client.post(
        reverse("participation_backoffice:zone_edit", args=[zone.pk]),
        {"slug": "centru", "name_ro": "Centrul vechi", "name_en": "Old centre", "position": "1"},
    )
    zone.refresh_from_db()
    assert zone.name_ro == "Centrul vechi"  # type: ignore[attr-defined]
    assert zone.geometry is None
    entries = AuditLogEntry.objects.filter(target_type="participation.Zone").order_by("pk")
    assert [entry.action for entry in entries] == [AuditAction.CREATE, AuditAction.UPDATE]


@pytest.mark.parametrize(
    ("geometry", "message"),
    [
        ("{not json", "The area is not valid GeoJSON"),
        (json.dumps({"type": "Point", "coordinates": [26, 47]}), "must be a GeoJSON Polygon"),
        (
            json.dumps({"type": "Polygon", "coordinates": [[[26, 47], [27, 47], [26, 47]]]}),
            "at least four positions",
        ),
        (
            json.dumps(
                {"type": "Polygon", "coordinates": [[[26, 47], [27, 47], [27, 48], [26, 48]]]}
            ),
            "ends where it starts",
        ),
        (
            json.dumps(
                {"type": "Polygon", "coordinates": [[[260, 47], [27, 47], [27, 48], [260, 47]]]}
            ),
            "outside the world",
        ),
    ],
)
def test_bad_zone_area_is_refused(
    botosani: Municipality, staff: StaffMembership, geometry: str, message: str
) -> None:
    response = _client(staff.user).post(
        reverse("participation_backoffice:zone_create"),
        {"slug": "centru", "name_ro": "Centru", "position": "0", "geometry": geometry},
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Zone.objects.exists()


def test_a_zone_in_use_is_not_deleted(botosani: Municipality, staff: StaffMembership) -> None:
    zone = ZoneFactory.create(municipality=botosani)
    ProcessFactory.create(municipality=botosani, scope="zone", zone=zone)

    response = _client(staff.user).post(
        reverse("participation_backoffice:zone_delete", args=[zone.pk]), follow=True
    )

    assert "cannot be deleted" in response.content.decode()
    assert Zone.objects.filter(pk=zone.pk).exists()


def test_process_page_links_its_components_staff_pages(
    botosani: Municipality, staff: StaffMembership
) -> None:
    process = ProcessFactory.create(municipality=botosani, slug="tramvai")

    html = (
        _client(staff.user)
        .get(reverse("participation_backoffice:process_edit", args=[process.pk]))
        .content.decode()
    )

    new_survey = reverse("participation_backoffice:survey_staff_create", args=[process.pk])
    assert f'href="{new_survey}"' in html
    assert f'href="{reverse("participation:process_detail", args=["tramvai"])}"' in html
