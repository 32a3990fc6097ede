"""The local police's enforcement cases: only the explicit grant opens them (not a city
administrator's role, not the waste module), another city's case is 404, a case opened from
an observation goes open → investigating → closed, audited, and nothing of it is public."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from digiplace.core.models import AuditLogEntry, Municipality, StaffMembership, StaffRole
from digiplace.core.tests.factories import StaffMembershipFactory, UserFactory
from digiplace.waste.compliance import ObservationKind
from digiplace.waste.models import CaseStatus, EnforcementCase, Observation
from digiplace.waste.tests.factories import (
    CameraSiteFactory,
    CollectionPointFactory,
    EnforcementCaseFactory,
    ObservationFactory,
)

pytestmark = pytest.mark.django_db

BOTOSANI = "botosani.localhost"


def client_for(membership: StaffMembership | None = None) -> Client:
    client = Client(HTTP_HOST=BOTOSANI)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    if membership is not None:
        client.force_login(membership.user)
    return client


@pytest.fixture
def police(botosani: Municipality) -> StaffMembership:
    return StaffMembershipFactory.create(
        municipality=botosani,
        user=UserFactory.create(email="police@botosani.example"),
        modules=["waste_enforcement"],
    )


@pytest.fixture
def planner(botosani: Municipality) -> StaffMembership:
    return StaffMembershipFactory.create(
        municipality=botosani,
        user=UserFactory.create(email="dispatcher@botosani.example"),
        modules=["waste"],
    )


@pytest.fixture
def dumping(botosani: Municipality) -> Observation:
    point = CollectionPointFactory.create(municipality=botosani, code="p-gara", name="Gara")
    site = CameraSiteFactory.create(municipality=botosani, point=point)
    return ObservationFactory.create(
        municipality=botosani,
        site=site,
        kind=ObservationKind.BULKY_DUMPED,
        count=1,
        footage_ref="NVR1/clip-42",
    )


def test_only_the_grant_opens_the_cases(
    botosani: Municipality,
    botosani_admin: StaffMembership,
    planner: StaffMembership,
    police: StaffMembership,
    dumping: Observation,
) -> None:
    case = EnforcementCaseFactory.create(municipality=botosani, observation=dumping)
    list_url = reverse("waste_backoffice:case_list")
    assert list_url == "/backoffice/waste/cases/"
    detail_url = reverse("waste_backoffice:case_detail", args=[case.pk])
    open_url = reverse("waste_backoffice:case_open", args=[dumping.pk])
    assert client_for().get(list_url).status_code == 302  # to the login page

    # An administrator without the explicit grant, and the waste planners: 403 everywhere.
    assert botosani_admin.role == StaffRole.ADMIN
    for membership in (botosani_admin, planner):
        client = client_for(membership)
        assert client.get(list_url).status_code == 403
        assert client.get(detail_url).status_code == 403
        response = client.post(detail_url, {"status": "closed", "notes": "x"})
        assert response.status_code == 403
        assert client.post(open_url).status_code == 403
    case.refresh_from_db()
    assert (case.status, case.notes) == (CaseStatus.OPEN, "")
    assert EnforcementCase.objects.count() == 1

    # The planner's site page: no button, no case, no count.
    page = client_for(planner).get(reverse("waste_backoffice:site_detail", args=[dumping.site_id]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Open a case" not in text and "Case " not in text and "Enforcement" not in text

    # The grant opens them; an administrator with the grant too.
    assert client_for(police).get(list_url).status_code == 200
    assert client_for(police).get(detail_url).status_code == 200
    botosani_admin.modules = ["waste_enforcement"]
    botosani_admin.save()
    assert client_for(botosani_admin).get(list_url).status_code == 200


def test_another_citys_case_is_404(
    timisoara: Municipality, police: StaffMembership, dumping: Observation
) -> None:
    foreign_site = CameraSiteFactory.create(municipality=timisoara)
    foreign_observation = ObservationFactory.create(municipality=timisoara, site=foreign_site)
    foreign_case = EnforcementCaseFactory.create(
        municipality=timisoara, observation=foreign_observation
    )
    client = client_for(police)
    detail = reverse("waste_backoffice:case_detail", args=[foreign_case.pk])
    assert client.get(detail).status_code == 404
    assert client.post(detail, {"status": "closed"}).status_code == 404
    opening = reverse("waste_backoffice:case_open", args=[foreign_observation.pk])
    assert client.post(opening).status_code == 404
    assert EnforcementCase.objects.count() == 1
    foreign_case.refresh_from_db()
    assert foreign_case.status == CaseStatus.OPEN
    page = client.get(reverse("waste_backoffice:case_list")).content.decode()
    assert "Case " + str(foreign_case.pk) not in page


def test_open_a_case_and_work_it_to_closed(
    botosani: Municipality, police: StaffMembership, dumping: Observation
) -> None:
    client = client_for(police)
    list_page = client.get(reverse("waste_backoffice:case_list")).content.decode()
    assert "Observations without a case" in list_page and "NVR1/clip-42" in list_page
    opening = reverse("waste_backoffice:case_open", args=[dumping.pk])
    assert client.get(opening).status_code == 405

    response = client.post(opening)
    case = EnforcementCase.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("waste_backoffice:case_detail", args=[case.pk])
    assert (case.municipality, case.observation, case.opened_by) == (
        botosani,
        dumping,
        police.user,
    )
    assert (
        AuditLogEntry.objects.filter(target_type="waste.EnforcementCase", action="create").count()
        == 1
    )
    # A second case while this one is not closed: refused.
    response = client.post(opening, follow=True)
    assert "already has a case that is not closed" in response.content.decode()
    assert EnforcementCase.objects.count() == 1

    detail = reverse("waste_backoffice:case_detail", args=[case.pk])
    page = client.get(detail).content.decode()
    for text in ("Gara", "Bulky waste dumped", "NVR1/clip-42", "Open"):
        assert text in page

    # Refusals change nothing.
    refusals = [
        ({"status": "investigating", "fine_issued": "on"}, "Give the amount of the fine in lei."),
        ({"status": "investigating", "fine_amount_lei": "200"}, "only when a fine was issued"),
        ({"status": "archived"}, "Select a valid choice"),
        ({"status": "investigating", "fine_issued": "on", "fine_amount_lei": "-5"}, "greater than"),
    ]
    for data, message in refusals:
        response = client.post(detail, data)
        assert response.status_code == 400, data
        assert message in response.content.decode(), data
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN and case.fine_amount_lei is None

    response = client.post(detail, {"status": "investigating", "notes": "Owner identified."})
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.status, case.notes, case.closed_at) == ("investigating", "Owner identified.", None)

    response = client.post(
        detail,
        {"status": "closed", "fine_issued": "on", "fine_amount_lei": "500", "notes": "Fined."},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert (case.fine_issued, case.fine_amount_lei) == (True, Decimal("500.00"))
    assert case.closed_at is not None
    update = AuditLogEntry.objects.filter(
        target_type="waste.EnforcementCase", action="update"
    ).latest("pk")
    assert update.actor == police.user
    assert update.after is not None and update.after["status"] == "closed"

    # A closed case stays closed.
    response = client.post(detail, {"status": "open"})
    assert response.status_code == 400
    assert "A case cannot go back" in response.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED

    # Closed: a new case may be opened for the observation.
    assert client.post(opening).status_code == 302
    assert EnforcementCase.objects.count() == 2


def test_filter_by_status(
    botosani: Municipality, police: StaffMembership, dumping: Observation
) -> None:
    open_case = EnforcementCaseFactory.create(municipality=botosani, observation=dumping)
    closed = EnforcementCaseFactory.create(
        municipality=botosani,
        observation=dumping,
        status=CaseStatus.CLOSED,
        closed_at=dumping.observed_at + datetime.timedelta(days=1),
    )
    client = client_for(police)
    page = client.get(reverse("waste_backoffice:case_list"), {"status": "closed"}).content.decode()
    assert f"Case {closed.pk}<" in page and f"Case {open_case.pk}<" not in page
    assert "Open: 1 · Being investigated: 0 · Closed: 1" in page
    response = client.get(reverse("waste_backoffice:case_list"), {"status": "nonsense"})
    assert response.status_code == 400


def test_correct_use_opens_no_case(
    botosani: Municipality, police: StaffMembership, dumping: Observation
) -> None:
    correct = ObservationFactory.create(
        municipality=botosani, site=dumping.site, kind=ObservationKind.CORRECT_USE
    )
    response = client_for(police).post(
        reverse("waste_backoffice:case_open", args=[correct.pk]), follow=True
    )
    assert "A correct use is no offence" in response.content.decode()
    assert EnforcementCase.objects.count() == 0


def test_police_with_the_waste_module_see_the_button(
    botosani: Municipality, dumping: Observation
) -> None:
    both = StaffMembershipFactory.create(
        municipality=botosani, modules=["waste", "waste_enforcement"]
    )
    case = EnforcementCaseFactory.create(municipality=botosani, observation=dumping)
    page = (
        client_for(both)
        .get(reverse("waste_backoffice:site_detail", args=[dumping.site_id]))
        .content.decode()
    )
    assert "Open a case" in page
    assert reverse("waste_backoffice:case_detail", args=[case.pk]) in page


def test_nothing_of_the_cases_is_public(botosani: Municipality, dumping: Observation) -> None:
    case = EnforcementCaseFactory.create(
        municipality=botosani, observation=dumping, notes="Owner: Ion Popescu", fine_issued=True
    )
    page = client_for().get(reverse("waste:compliance")).content.decode()
    assert "Ion Popescu" not in page
    assert "NVR1/clip-42" not in page
    assert reverse("waste_backoffice:case_detail", args=[case.pk]) not in page
    assert "Enforcement" not in page
