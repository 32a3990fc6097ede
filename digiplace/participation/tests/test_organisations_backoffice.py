"""The NGO registry's back office: who may use it, the queue, verification and refusal
(audited, the registrant notified), edits with the same CUI checks, and links to the plans
module's working groups and projects (only for verified organisations, audited)."""

from __future__ import annotations

import pytest
from django.test import Client

from digiplace.core.models import (
    AuditAction,
    AuditLogEntry,
    Municipality,
    Notification,
    StaffMembership,
    User,
)
from digiplace.core.tests.factories import StaffMembershipFactory, UserFactory
from digiplace.participation.models import (
    Organisation,
    OrganisationLink,
    OrganisationLinkKind,
    OrganisationStatus,
)
from digiplace.participation.tests.factories_organisations import (
    OrganisationFactory,
    OrganisationLinkFactory,
    cui_valid,
    cui_wrong,
)
from digiplace.plans import links as plans_links
from digiplace.plans.models import Project, WorkingGroup
from digiplace.plans.tests.factories import PlanFactory, ProjectFactory, WorkingGroupFactory

BOTOSANI = "botosani.localhost"
TIMISOARA = "timisoara.localhost"
BACKOFFICE = "/backoffice/participation/organisations/"
PUBLIC = "/participation/organisations/"
GROUP_REF = "plans.working_group:iap/monitoring-wg"
PROJECT_REF = "plans.project:iap/1.2"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _plans_links() -> None:
    plans_links.register()


@pytest.fixture
def participation_staff(botosani: Municipality) -> StaffMembership:
    return StaffMembershipFactory.create(
        municipality=botosani,
        user=UserFactory.create(email="participare@botosani.example"),
        modules=["participation"],
    )


@pytest.fixture
def staff_client(participation_staff: StaffMembership, client: Client) -> Client:
    client.force_login(participation_staff.user)
    client.cookies["digiplace_language"] = "en"
    return client


@pytest.fixture
def registrant() -> User:
    return UserFactory.create(email="ong@example.org", preferred_language="en")


@pytest.fixture
def pending(botosani: Municipality, registrant: User) -> Organisation:
    return OrganisationFactory.create(
        municipality=botosani,
        name="Asociația Verde",
        cui="410000000",
        created_by=registrant,
        status=OrganisationStatus.PENDING,
    )


@pytest.fixture
def plan_records(botosani: Municipality, timisoara: Municipality) -> tuple[WorkingGroup, Project]:
    plan = PlanFactory.create(municipality=botosani, key="iap")
    group = WorkingGroupFactory.create(
        municipality=botosani,
        plan=plan,
        key="monitoring-wg",
        name_ro="Grupul de monitorizare",
        name_en="Monitoring working group",
    )
    project = ProjectFactory.create(
        municipality=botosani,
        pillar__plan=plan,
        pillar__municipality=botosani,
        key="1.2",
        title_ro="Autobuze electrice",
        title_en="Electric buses",
    )
    other_plan = PlanFactory.create(municipality=timisoara, key="smart")
    WorkingGroupFactory.create(
        municipality=timisoara, plan=other_plan, key="pt-a1", name_en="Timisoara action group"
    )
    return group, project


def _state(organisation: Organisation) -> tuple[str, str, int, int, int]:
    organisation.refresh_from_db()
    return (
        organisation.status,
        organisation.review_note,
        OrganisationLink.objects.count(),
        AuditLogEntry.objects.count(),
        Notification.objects.count(),
    )


# Who may use it


def test_anonymous_visitors_are_sent_to_log_in(pending: Organisation, client: Client) -> None:
    response = client.get(BACKOFFICE, HTTP_HOST=BOTOSANI)

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("who", ["resident", "staff_without_module", "other_city_admin"])
def test_people_without_the_module_here_are_refused_and_change_nothing(
    who: str,
    resident: User,
    botosani_staff: StaffMembership,
    timisoara_admin: StaffMembership,
    pending: Organisation,
    plan_records: tuple[WorkingGroup, Project],
    client: Client,
) -> None:
    person = {
        "resident": resident,
        "staff_without_module": botosani_staff.user,
        "other_city_admin": timisoara_admin.user,
    }[who]
    client.force_login(person)
    before = _state(pending)

    codes = [
        client.get(BACKOFFICE, HTTP_HOST=BOTOSANI).status_code,
        client.get(f"{BACKOFFICE}{pending.pk}/", HTTP_HOST=BOTOSANI).status_code,
        client.post(
            f"{BACKOFFICE}{pending.pk}/", {"decision": "verify"}, HTTP_HOST=BOTOSANI
        ).status_code,
        client.post(
            f"{BACKOFFICE}{pending.pk}/edit/", {"name": "Altceva"}, HTTP_HOST=BOTOSANI
        ).status_code,
        client.post(
            f"{BACKOFFICE}{pending.pk}/links/", {"target": GROUP_REF}, HTTP_HOST=BOTOSANI
        ).status_code,
    ]

    assert codes == [403] * 5
    assert _state(pending) == before


def test_staff_of_one_city_do_not_reach_another_city_s_organisations(
    timisoara: Municipality, staff_client: Client
) -> None:
    elsewhere = OrganisationFactory.create(
        municipality=timisoara, status=OrganisationStatus.PENDING, name="Din Timișoara"
    )

    queue = staff_client.get(BACKOFFICE, HTTP_HOST=BOTOSANI).content.decode()
    review = staff_client.get(f"{BACKOFFICE}{elsewhere.pk}/", HTTP_HOST=BOTOSANI)
    verify = staff_client.post(
        f"{BACKOFFICE}{elsewhere.pk}/", {"decision": "verify"}, HTTP_HOST=BOTOSANI
    )

    assert "Din Timișoara" not in queue
    assert review.status_code == 404 and verify.status_code == 404
    elsewhere.refresh_from_db()
    assert elsewhere.status == OrganisationStatus.PENDING


# The queue and the review


def test_the_queue_lists_pending_organisations_with_who_registered_them(
    botosani: Municipality, pending: Organisation, staff_client: Client
) -> None:
    OrganisationFactory.create(municipality=botosani, name="Deja verificată")

    content = staff_client.get(BACKOFFICE, HTTP_HOST=BOTOSANI).content.decode()
    verified = staff_client.get(
        BACKOFFICE, {"status": "verified"}, HTTP_HOST=BOTOSANI
    ).content.decode()

    assert "Asociația Verde" in content and "ong@example.org" in content
    assert "Deja verificată" not in content
    assert "Deja verificată" in verified and "Asociația Verde" not in verified


def test_verifying_lists_the_organisation_audits_and_notifies_the_registrant(
    pending: Organisation,
    participation_staff: StaffMembership,
    registrant: User,
    staff_client: Client,
) -> None:
    response = staff_client.post(
        f"{BACKOFFICE}{pending.pk}/",
        {"decision": "verify", "note": "Bine ați venit."},
        HTTP_HOST=BOTOSANI,
    )

    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == OrganisationStatus.VERIFIED
    assert pending.verified_by == participation_staff.user
    assert pending.verified_at is not None
    assert pending.review_note == "Bine ați venit."
    entry = AuditLogEntry.objects.get(target_type="participation.Organisation")
    assert entry.action == AuditAction.UPDATE
    assert entry.actor == participation_staff.user
    assert entry.after is not None and entry.after["status"] == "verified"
    notification = Notification.objects.get(recipient=registrant)
    assert notification.subject == "Your organisation was verified: Asociația Verde"
    assert "Bine ați venit." in notification.body
    assert notification.url == "/participation/organisations/mine/"
    visitor = Client()
    assert "Asociația Verde" in visitor.get(PUBLIC, HTTP_HOST=BOTOSANI).content.decode()


def test_refusing_needs_a_note_and_otherwise_changes_nothing(
    pending: Organisation, staff_client: Client
) -> None:
    before = _state(pending)

    response = staff_client.post(
        f"{BACKOFFICE}{pending.pk}/", {"decision": "reject", "note": "  "}, HTTP_HOST=BOTOSANI
    )

    assert response.status_code == 400
    assert "Write why, for the person who registered it." in response.content.decode()
    assert _state(pending) == before


def test_refusing_a_verified_organisation_removes_it_and_its_links_and_tells_why(
    botosani: Municipality,
    registrant: User,
    plan_records: tuple[WorkingGroup, Project],
    staff_client: Client,
) -> None:
    organisation = OrganisationFactory.create(
        municipality=botosani, created_by=registrant, name="Fosta verificată"
    )
    OrganisationLinkFactory.create(
        municipality=botosani, organisation=organisation, target_ref=GROUP_REF
    )

    response = staff_client.post(
        f"{BACKOFFICE}{organisation.pk}/",
        {"decision": "reject", "note": "Organizația a fost dizolvată."},
        HTTP_HOST=BOTOSANI,
    )

    assert response.status_code == 302
    organisation.refresh_from_db()
    assert organisation.status == OrganisationStatus.REJECTED
    assert organisation.verified_at is None
    assert organisation.links.count() == 0
    actions = sorted(AuditLogEntry.objects.values_list("target_type", "action"))
    assert actions == [
        ("participation.Organisation", AuditAction.UPDATE),
        ("participation.OrganisationLink", AuditAction.DELETE),
    ]
    notification = Notification.objects.get(recipient=registrant)
    assert notification.subject == "Your organisation was not verified: Fosta verificată"
    assert "Organizația a fost dizolvată." in notification.body
    visitor = Client()
    assert "Fosta verificată" not in visitor.get(PUBLIC, HTTP_HOST=BOTOSANI).content.decode()
    assert visitor.get(f"{PUBLIC}{organisation.pk}/", HTTP_HOST=BOTOSANI).status_code == 404


# Edits


def test_staff_edit_the_details_with_the_same_cui_checks(
    botosani: Municipality, pending: Organisation, staff_client: Client
) -> None:
    OrganisationFactory.create(municipality=botosani, cui=cui_valid("43000000"))
    data = {
        "name": "Asociația Verde Botoșani",
        "cui": "RO 410000000",
        "field": "environment",
        "description": "Corectat.",
        "contact_email": "contact@verde.example",
        "contact_phone": "",
        "website": "",
    }

    bad_digit = staff_client.post(
        f"{BACKOFFICE}{pending.pk}/edit/",
        {**data, "cui": cui_wrong("41000000")},
        HTTP_HOST=BOTOSANI,
    )
    taken = staff_client.post(
        f"{BACKOFFICE}{pending.pk}/edit/",
        {**data, "cui": cui_valid("43000000")},
        HTTP_HOST=BOTOSANI,
    )
    pending.refresh_from_db()
    unchanged = (pending.name, pending.cui, AuditLogEntry.objects.count())
    saved = staff_client.post(f"{BACKOFFICE}{pending.pk}/edit/", data, HTTP_HOST=BOTOSANI)

    assert bad_digit.status_code == 400
    assert "The last digit of this CUI does not match the others" in bad_digit.content.decode()
    assert taken.status_code == 400
    assert "already registered in this city" in taken.content.decode()
    assert unchanged == ("Asociația Verde", "410000000", 0)
    assert saved.status_code == 302
    pending.refresh_from_db()
    assert (pending.name, pending.cui, pending.field) == (
        "Asociația Verde Botoșani",
        "410000000",
        "environment",
    )
    entry = AuditLogEntry.objects.get()
    assert entry.before is not None and entry.before["name"] == "Asociația Verde"
    assert "cui" not in entry.before  # unchanged fields are not logged


# Links to the plans


def test_the_link_choices_are_the_city_s_working_groups_and_projects(
    botosani: Municipality, plan_records: tuple[WorkingGroup, Project], staff_client: Client
) -> None:
    organisation = OrganisationFactory.create(municipality=botosani)

    content = staff_client.get(f"{BACKOFFICE}{organisation.pk}/", HTTP_HOST=BOTOSANI).content

    page = content.decode()
    assert f'value="{GROUP_REF}"' in page and "Monitoring working group" in page
    assert f'value="{PROJECT_REF}"' in page and "Electric buses" in page
    assert "Timisoara action group" not in page


def test_staff_link_a_verified_organisation_and_the_public_page_shows_it(
    botosani: Municipality,
    plan_records: tuple[WorkingGroup, Project],
    participation_staff: StaffMembership,
    staff_client: Client,
) -> None:
    organisation = OrganisationFactory.create(municipality=botosani)

    as_member = staff_client.post(
        f"{BACKOFFICE}{organisation.pk}/links/", {"target": GROUP_REF}, HTTP_HOST=BOTOSANI
    )
    as_actor = staff_client.post(
        f"{BACKOFFICE}{organisation.pk}/links/", {"target": PROJECT_REF}, HTTP_HOST=BOTOSANI
    )
    again = staff_client.post(
        f"{BACKOFFICE}{organisation.pk}/links/", {"target": GROUP_REF}, HTTP_HOST=BOTOSANI
    )

    assert as_member.status_code == 302 and as_actor.status_code == 302
    assert again.status_code == 400
    assert "The organisation is linked to this already." in again.content.decode()
    assert sorted(organisation.links.values_list("kind", "target_ref")) == [
        (OrganisationLinkKind.LOCAL_ACTOR, PROJECT_REF),
        (OrganisationLinkKind.WORKING_GROUP, GROUP_REF),
    ]
    assert (
        AuditLogEntry.objects.filter(
            target_type="participation.OrganisationLink",
            action=AuditAction.CREATE,
            actor=participation_staff.user,
        ).count()
        == 2
    )
    visitor = Client()
    visitor.cookies["digiplace_language"] = "ro"
    public = visitor.get(f"{PUBLIC}{organisation.pk}/", HTTP_HOST=BOTOSANI).content.decode()
    assert "Grupul de monitorizare" in public and "Autobuze electrice" in public


def test_staff_remove_a_link(
    botosani: Municipality,
    plan_records: tuple[WorkingGroup, Project],
    staff_client: Client,
) -> None:
    organisation = OrganisationFactory.create(municipality=botosani)
    link = OrganisationLinkFactory.create(
        municipality=botosani, organisation=organisation, target_ref=GROUP_REF
    )
    other = OrganisationFactory.create(municipality=botosani)

    wrong_organisation = staff_client.post(
        f"{BACKOFFICE}{other.pk}/links/{link.pk}/remove/", HTTP_HOST=BOTOSANI
    )
    removed = staff_client.post(
        f"{BACKOFFICE}{organisation.pk}/links/{link.pk}/remove/", HTTP_HOST=BOTOSANI
    )

    assert wrong_organisation.status_code == 404
    assert removed.status_code == 302
    assert not OrganisationLink.objects.exists()
    entry = AuditLogEntry.objects.get()
    assert entry.action == AuditAction.DELETE
    assert entry.before is not None and entry.before["target_ref"] == GROUP_REF
    assert (
        "Monitoring working group"
        not in Client().get(f"{PUBLIC}{organisation.pk}/", HTTP_HOST=BOTOSANI).content.decode()
    )


@pytest.mark.parametrize(
    ("status", "target", "message"),
    [
        (
            OrganisationStatus.PENDING,
            GROUP_REF,
            "Only verified organisations can join working groups or be named local actors.",
        ),
        (OrganisationStatus.VERIFIED, "plans.working_group:smart/pt-a1", "Select a valid choice."),
        (OrganisationStatus.VERIFIED, "plans.project:iap/9.9", "Select a valid choice."),
        (OrganisationStatus.VERIFIED, "", "This field is required."),
    ],
    ids=["not-verified", "other-city", "unknown", "empty"],
)
def test_bad_links_are_refused_and_write_nothing(
    status: str,
    target: str,
    message: str,
    botosani: Municipality,
    plan_records: tuple[WorkingGroup, Project],
    staff_client: Client,
) -> None:
    organisation = OrganisationFactory.create(municipality=botosani, status=status)

    response = staff_client.post(
        f"{BACKOFFICE}{organisation.pk}/links/", {"target": target}, HTTP_HOST=BOTOSANI
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    assert OrganisationLink.objects.count() == 0
    assert AuditLogEntry.objects.count() == 0
