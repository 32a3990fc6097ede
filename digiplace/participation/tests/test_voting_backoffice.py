"""Staff pages of verified voting: who may open them, the census upload (in memory, all or
nothing, a report of bad lines), the codes shown once, the counts, the audit log."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from digiplace.core.models import AuditLogEntry, Municipality, StaffMembership, StaffRole
from digiplace.core.tests.factories import StaffMembershipFactory, UserFactory
from digiplace.participation.models import CensusEntry, VotingCode
from digiplace.participation.services import voting as services
from digiplace.participation.services import voting_staff
from digiplace.participation.tests.factories import ZoneFactory
from digiplace.participation.tests.factories_budgeting import (
    BallotFactory,
    BudgetFactory,
    BudgetZoneFactory,
    CensusEntryFactory,
    VotingCodeFactory,
)

pytestmark = pytest.mark.django_db

BOTOSANI = "botosani.localhost"
TIMISOARA = "timisoara.localhost"
ADULT = "1800101221144"


@pytest.fixture(autouse=True)
def _english(client: Client) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def budget(botosani: Municipality):
    return BudgetFactory.create(municipality=botosani)


@pytest.fixture
def centre(budget):
    zone = ZoneFactory.create(
        municipality=budget.municipality, slug="centru", name="Centru", name_en="Centre"
    )
    return BudgetZoneFactory.create(budget=budget, zone=zone, amount=Decimal(500_000))


@pytest.fixture
def organiser(botosani: Municipality) -> StaffMembership:
    return StaffMembershipFactory.create(
        municipality=botosani,
        user=UserFactory.create(email="pb@botosani.example"),
        modules=["participation"],
    )


def voters_url(budget: Any) -> str:
    return reverse("participation_backoffice:voting_voters", args=[budget.pk])


def census_url(budget: Any) -> str:
    return reverse("participation_backoffice:voting_census_upload", args=[budget.pk])


def codes_url(budget: Any) -> str:
    return reverse("participation_backoffice:voting_codes_generate", args=[budget.pk])


def upload(client: Client, budget: Any, text: str, host: str = BOTOSANI) -> Any:
    csv_file = SimpleUploadedFile("census.csv", text.encode(), content_type="text/csv")
    return client.post(census_url(budget), {"file": csv_file}, HTTP_HOST=host)


def test_anonymous_visitors_are_sent_to_log_in(client, budget):
    response = client.get(voters_url(budget), HTTP_HOST=BOTOSANI)

    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_staff_without_the_module_are_refused_and_change_nothing(client, budget, botosani_staff):
    client.force_login(botosani_staff.user)

    assert client.get(voters_url(budget), HTTP_HOST=BOTOSANI).status_code == 403
    assert upload(client, budget, f"{ADULT}\n").status_code == 403
    assert client.post(codes_url(budget), {"count": 5}, HTTP_HOST=BOTOSANI).status_code == 403
    assert not CensusEntry.objects.exists()
    assert not VotingCode.objects.exists()


def test_another_citys_staff_cannot_reach_the_budget(client, budget, timisoara):
    other = StaffMembershipFactory.create(
        municipality=timisoara, role=StaffRole.ADMIN, modules=["participation"]
    )
    client.force_login(other.user)

    # On their own host the budget does not exist; on Botoșani's they are no one.
    assert client.get(voters_url(budget), HTTP_HOST=TIMISOARA).status_code == 404
    assert upload(client, budget, f"{ADULT}\n", host=TIMISOARA).status_code == 404
    assert client.post(codes_url(budget), {"count": 5}, HTTP_HOST=TIMISOARA).status_code == 404
    assert client.get(voters_url(budget), HTTP_HOST=BOTOSANI).status_code == 403
    assert not CensusEntry.objects.exists()
    assert not VotingCode.objects.exists()


def test_the_page_counts_census_codes_and_ballots(client, budget, centre, organiser):
    CensusEntryFactory.create_batch(3, budget=budget, budget_zone=centre)
    CensusEntryFactory.create(budget=budget)
    VotingCodeFactory.create_batch(4, budget=budget)
    VotingCodeFactory.create(budget=budget, used_at=timezone.now())
    BallotFactory.create(budget_zone=centre)
    client.force_login(organiser.user)

    text = client.get(voters_url(budget), HTTP_HOST=BOTOSANI).content.decode()

    assert "The census list has 4 people." in text
    assert "Codes issued: 5; used to vote: 1." in text
    assert '<th scope="row">Centre</th><td class="num">1</td>' in text


def test_an_upload_replaces_the_list_and_is_audited(client, budget, centre, organiser):
    CensusEntryFactory.create_batch(2, budget=budget)
    client.force_login(organiser.user)

    response = upload(client, budget, f"cnp,zone\n{ADULT},centru\n")

    assert response.status_code == 302
    assert CensusEntry.objects.filter(budget=budget).count() == 1
    assert CensusEntry.objects.get().budget_zone == centre
    page = client.get(voters_url(budget), HTTP_HOST=BOTOSANI).content.decode()
    assert "The census list now has 1 person." in page
    entry = AuditLogEntry.objects.get()
    assert entry.actor == organiser.user
    assert (entry.before, entry.after) == ({"census_entries": 2}, {"census_entries": 1})


def test_a_file_with_bad_lines_changes_nothing_and_lists_them(client, budget, centre, organiser):
    CensusEntryFactory.create_batch(2, budget=budget)
    client.force_login(organiser.user)

    response = upload(client, budget, f"cnp\n{ADULT}\n1800101221145\nabc\n")

    assert response.status_code == 400
    text = response.content.decode()
    assert "The list was not changed: 2 lines are wrong" in text
    assert "Line 3: The last digit of this CNP does not match" in text
    assert "Line 4: A CNP contains only digits." in text
    assert CensusEntry.objects.filter(budget=budget).count() == 2
    assert not AuditLogEntry.objects.exists()


def test_the_census_file_is_kept_in_memory_only(client, budget, centre, organiser, settings):
    # Larger than Django's in-memory limit, which would otherwise write it to a file.
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 10
    settings.FILE_UPLOAD_TEMP_DIR = "/nonexistent-directory"  # any file written would fail
    client.force_login(organiser.user)

    response = upload(client, budget, f"cnp\n{ADULT}\n")

    assert response.status_code == 302
    assert CensusEntry.objects.count() == 1


def test_an_oversized_census_file_is_refused(client, budget, organiser, monkeypatch):
    monkeypatch.setattr(voting_staff, "CENSUS_MAX_BYTES", 20)
    client.force_login(organiser.user)

    response = upload(client, budget, f"cnp\n{ADULT}\n{ADULT}\n")

    assert response.status_code == 400
    assert "larger than" in response.content.decode()
    assert not CensusEntry.objects.exists()


def test_codes_are_shown_once_and_kept_as_digests(client, budget, centre, organiser):
    client.force_login(organiser.user)

    response = client.post(
        codes_url(budget), {"count": 3, "budget_zone": centre.pk}, HTTP_HOST=BOTOSANI
    )

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    text = response.content.decode()
    assert text.count('class="vote-code-card"') == 3
    assert f"http://botosani.localhost/participation/budgets/{budget.pk}/vote/" in text
    codes = VotingCode.objects.filter(budget=budget, budget_zone=centre)
    assert codes.count() == 3
    stored = " ".join(codes.values_list("digest", flat=True))
    printed = re.findall(r'vote-code-card__code">([0-9A-Z-]{14})<', text)
    assert len(printed) == 3
    for code in printed:
        assert code not in stored and code.replace("-", "") not in stored
        assert services.voter_verify_code(budget=budget, code=code).budget_zone_id == centre.pk
    audit_after = AuditLogEntry.objects.get().after
    assert audit_after is not None and audit_after["voting_codes"] == 3
    # The list page shows counts only.
    page = client.get(voters_url(budget), HTTP_HOST=BOTOSANI).content.decode()
    assert printed[0] not in page
    assert "Codes issued: 3; used to vote: 0." in page


def test_a_bad_count_is_explained(client, budget, organiser):
    client.force_login(organiser.user)

    response = client.post(codes_url(budget), {"count": 0}, HTTP_HOST=BOTOSANI)

    assert response.status_code == 400
    assert "greater than or equal to 1" in response.content.decode()
    assert not VotingCode.objects.exists()


def test_opening_an_action_by_get_shows_the_page_and_writes_nothing(client, budget, organiser):
    client.force_login(organiser.user)

    for action in (census_url(budget), codes_url(budget)):
        response = client.get(action, HTTP_HOST=BOTOSANI)
        assert response.status_code == 302 and response["Location"] == voters_url(budget)
    assert not VotingCode.objects.exists()
    assert not AuditLogEntry.objects.exists()


def test_an_administrator_gets_404_for_another_citys_budget(client, botosani_admin, timisoara):
    foreign = BudgetFactory.create(municipality=timisoara)
    client.force_login(botosani_admin.user)

    for path in (voters_url(foreign), census_url(foreign), codes_url(foreign)):
        assert client.get(path, HTTP_HOST=BOTOSANI).status_code == 404
        assert client.post(path, {"count": 3}, HTTP_HOST=BOTOSANI).status_code in {404, 405}
    assert upload(client, foreign, f"{ADULT}\n").status_code == 404
    assert not VotingCode.objects.exists() and not CensusEntry.objects.exists()
