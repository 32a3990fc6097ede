"""The plan's records other modules link to (core.links): choices, references, new projects."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation

from digiplace.core import links
from digiplace.core.models import AuditAction, AuditLogEntry, Municipality, StaffMembership
from digiplace.core.tests.factories import StaffMembershipFactory, UserFactory
from digiplace.plans.models import Project, ProjectKind, Status
from digiplace.plans.tests.factories import (
    PillarFactory,
    PlanFactory,
    ProjectFactory,
    WorkingGroupFactory,
)


@pytest.fixture
def plans_staff(botosani: Municipality) -> StaffMembership:
    return StaffMembershipFactory.create(
        municipality=botosani,
        user=UserFactory.create(email="plans@botosani.example"),
        modules=["plans"],
    )


def _ref(kind: str, plan_key: str, key: str) -> str:
    return links.ref_make(kind, f"{plan_key}/{key}")


@pytest.mark.django_db
def test_project_choices_and_resolve_stay_in_the_city_and_published_plans(
    botosani: Municipality, timisoara: Municipality
) -> None:
    plan = PlanFactory.create(municipality=botosani, key="digital")
    project = ProjectFactory.create(
        municipality=botosani, plan=plan, key="P1", title_en="Digital twin", title_ro="Geamăn"
    )
    hidden = PlanFactory.create(municipality=botosani, key="draft", is_published=False)
    ProjectFactory.create(municipality=botosani, plan=hidden, key="P9")
    other_city = PlanFactory.create(municipality=timisoara, key="digital")
    ProjectFactory.create(municipality=timisoara, plan=other_city, key="P2")

    choices = links.target_choices(municipality=botosani, kind="plans.project")

    assert [(c.ref, c.title, c.url) for c in choices] == [
        ("plans.project:digital/P1", "Digital twin", "/plans/digital/projects/P1/")
    ]
    refs = [
        "plans.project:digital/P1",
        "plans.project:draft/P9",
        "plans.project:digital/P2",  # Timișoara's project under Botoșani's host
        "plans.project:digital/nothing",
        "plans.project:no-slash",
        "plans.unknown:digital/P1",
    ]
    found = links.targets_resolve(municipality=botosani, refs=refs)
    assert list(found) == ["plans.project:digital/P1"]
    with translation.override("ro"):
        target = links.target_resolve(municipality=botosani, ref="plans.project:digital/P1")
    assert target is not None
    assert target.title == "Geamăn"
    assert project.title == "Digital twin"


@pytest.mark.django_db
def test_resolved_project_url_opens_the_project_page(botosani: Municipality) -> None:
    project = ProjectFactory.create(municipality=botosani, key="P1")
    ref = _ref("plans.project", project.plan.key, "P1")
    target = links.target_resolve(municipality=botosani, ref=ref)
    assert target is not None

    response = Client(HTTP_HOST="botosani.localhost").get(target.url)

    assert response.status_code == 200
    assert "Proiectul" in project.title_ro  # type: ignore[attr-defined]
    assert project.title_ro in response.content.decode()  # type: ignore[attr-defined]


@pytest.mark.django_db
def test_working_groups_point_where_the_plan_shows_them(botosani: Municipality) -> None:
    plan = PlanFactory.create(municipality=botosani, key="sud")
    pillar = PillarFactory.create(municipality=botosani, plan=plan, key="A1")
    project = ProjectFactory.create(municipality=botosani, plan=plan, pillar=pillar, key="P3")
    WorkingGroupFactory.create(municipality=botosani, plan=plan, key="g-project", project=project)
    WorkingGroupFactory.create(municipality=botosani, plan=plan, key="g-pillar", pillar=pillar)
    WorkingGroupFactory.create(municipality=botosani, plan=plan, key="g-plan", name_en="Steering")

    choices = {
        c.ref: c for c in links.target_choices(municipality=botosani, kind="plans.working_group")
    }

    assert choices["plans.working_group:sud/g-project"].url == (
        "/plans/sud/projects/P3/#working-group"
    )
    assert choices["plans.working_group:sud/g-pillar"].url == "/plans/sud/pillars/A1/#working-group"
    assert choices["plans.working_group:sud/g-plan"].url == "/plans/sud/#governance"
    assert choices["plans.working_group:sud/g-plan"].title == "Steering"
    resolved = links.targets_resolve(
        municipality=botosani,
        refs=["plans.working_group:sud/g-pillar", "plans.working_group:sud/missing"],
    )
    assert list(resolved) == ["plans.working_group:sud/g-pillar"]


@pytest.mark.django_db
def test_pillars_are_choices_for_a_new_project(
    botosani: Municipality, timisoara: Municipality
) -> None:
    plan = PlanFactory.create(municipality=botosani, key="sud", title_en="Smart South")
    PillarFactory.create(municipality=botosani, plan=plan, key="A1", title_en="Mobility")
    PillarFactory.create(municipality=timisoara, key="A1")

    choices = links.target_choices(municipality=botosani, kind="plans.pillar")

    assert [(c.ref, c.title, c.url) for c in choices] == [
        ("plans.pillar:sud/A1", "Smart South — Mobility", "/plans/sud/pillars/A1/")
    ]
    assert links.kind_get("plans.pillar") is not None
    assert links.kind_get("plans.pillar").create is None  # type: ignore[union-attr]


@pytest.mark.django_db
def test_an_accepted_proposal_becomes_a_project_in_the_pillar(
    botosani: Municipality, plans_staff: StaffMembership
) -> None:
    plan = PlanFactory.create(municipality=botosani, key="sud")
    pillar = PillarFactory.create(municipality=botosani, plan=plan, key="A1")
    ProjectFactory.create(municipality=botosani, plan=plan, pillar=pillar, key="P-2", position=4)
    ProjectFactory.create(municipality=botosani, plan=plan, pillar=pillar, key="P-10x", position=1)

    target = links.target_create(
        kind="plans.project",
        municipality=botosani,
        title="  Bike racks   at schools ",
        description="Secure racks near every school.",
        actor=plans_staff.user,
        source_url="https://botosani.localhost/participation/proposals/12/",
        parent="plans.pillar:sud/A1",
    )

    assert target.ref == "plans.project:sud/P-3"
    assert target.title == "Bike racks at schools"
    assert target.url == "/plans/sud/projects/P-3/"
    project = Project.objects.get(plan=plan, key="P-3")
    assert project.pillar == pillar
    assert (project.kind, project.status) == (ProjectKind.ACTION, Status.IDEA)
    assert project.position == 5
    assert project.description.startswith("Secure racks near every school.")
    assert "https://botosani.localhost/participation/proposals/12/" in project.description
    entry = AuditLogEntry.objects.get(target_type="plans.Project", target_id=str(project.pk))
    assert entry.action == AuditAction.CREATE
    assert entry.actor == plans_staff.user
    assert entry.after is not None
    assert entry.after["key"] == "P-3"
    response = Client(HTTP_HOST="botosani.localhost").get(target.url)
    assert response.status_code == 200
    assert "Bike racks at schools" in response.content.decode()


@pytest.mark.django_db
def test_first_new_project_key_and_an_empty_pillar(
    botosani: Municipality, plans_staff: StaffMembership
) -> None:
    pillar = PillarFactory.create(municipality=botosani, plan__key="nord", key="B")

    target = links.target_create(
        kind="plans.project",
        municipality=botosani,
        title="Wi-Fi in parks",
        description="",
        actor=plans_staff.user,
        source_url="/participation/proposals/3/",
        parent="plans.pillar:nord/B",
    )

    project = Project.objects.get(key="P-1")
    assert target.ref == "plans.project:nord/P-1"
    assert (project.pillar, project.position) == (pillar, 0)
    assert "/participation/proposals/3/" in project.description


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("title", "parent", "actor_kind", "message"),
    [
        ("", "plans.pillar:sud/A1", "plans", "Give the project a title."),
        ("Idea", "plans.pillar:sud/ZZ", "plans", "Choose a pillar of a published plan"),
        ("Idea", "plans.project:sud/A1", "plans", "Choose a pillar of a published plan"),
        ("Idea", "plans.pillar:tm/A1", "plans", "Choose a pillar of a published plan"),
        ("Idea", "plans.pillar:sud/A1", "participation", "You need access to the city's plan"),
        ("Idea", "plans.pillar:sud/A1", "resident", "You need access to the city's plan"),
        ("x" * 1001, "plans.pillar:sud/A1", "plans", "at most 1000 characters"),
    ],
)
def test_bad_new_project_is_refused_and_writes_nothing(
    botosani: Municipality,
    timisoara: Municipality,
    title: str,
    parent: str,
    actor_kind: str,
    message: str,
) -> None:
    plan = PlanFactory.create(municipality=botosani, key="sud")
    PillarFactory.create(municipality=botosani, plan=plan, key="A1")
    PillarFactory.create(municipality=timisoara, plan__key="tm", key="A1")
    actor = UserFactory.create()
    if actor_kind != "resident":
        StaffMembershipFactory.create(municipality=botosani, user=actor, modules=[actor_kind])
    before = Project.objects.count()

    with pytest.raises(ValidationError) as raised:
        links.target_create(
            kind="plans.project",
            municipality=botosani,
            title=title,
            description="",
            actor=actor,
            source_url="/participation/proposals/1/",
            parent=parent,
        )

    assert message in " ".join(raised.value.messages)
    assert Project.objects.count() == before
    assert AuditLogEntry.objects.count() == 0


@pytest.mark.django_db
def test_a_kind_that_cannot_create_is_refused(botosani: Municipality) -> None:
    with pytest.raises(ValidationError):
        links.target_create(
            kind="plans.working_group",
            municipality=botosani,
            title="x",
            description="",
            actor=UserFactory.create(),
            source_url="",
            parent="",
        )
