"""Staff pages of participatory budgeting: who may use them, budgets and zones, reviews,
closing the vote, publishing once, importing ballots; every refusal writes nothing."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from digiplace.core.models import AuditLogEntry
from digiplace.core.tests.factories import StaffMembershipFactory, UserFactory
from digiplace.participation.models import (
    Ballot,
    BallotChoice,
    Budget,
    BudgetProjectStatus,
    BudgetZone,
    ZoneResult,
)
from digiplace.participation.services.budgeting import budget_voting_close
from digiplace.participation.services.budgeting_results import budget_results_publish
from digiplace.participation.tests.factories import ProcessFactory, ZoneFactory
from digiplace.participation.tests.factories_budgeting import (
    BallotChoiceFactory,
    BallotFactory,
    BudgetFactory,
    BudgetProjectFactory,
    BudgetZoneFactory,
    CensusEntryFactory,
    VotingCodeFactory,
    ZoneResultFactory,
)

BOTOSANI = "botosani.localhost"
TIMISOARA = "timisoara.localhost"


def staff_url(name, *args):
    return reverse(f"participation_backoffice:{name}", args=args)


@pytest.fixture
def staff(botosani):
    membership = StaffMembershipFactory.create(
        municipality=botosani,
        user=UserFactory.create(email="pb@botosani.example"),
        modules=["participation"],
    )
    return membership.user


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def budget(botosani):
    return BudgetFactory.create(municipality=botosani)


@pytest.fixture
def zone(budget):
    return BudgetZoneFactory.create(
        budget=budget,
        zone=ZoneFactory.create(municipality=budget.municipality, slug="centru", name_ro="Centru"),
        amount=Decimal(100),
    )


# --- Who may ---------------------------------------------------------------------------


def test_staff_pages_need_the_participation_module(client, budget, zone, botosani, resident):
    project = BudgetProjectFactory.create(budget_zone=zone)
    pages = [
        staff_url("budget_list"),
        staff_url("budget_create"),
        staff_url("budget_detail", budget.pk),
        staff_url("budget_edit", budget.pk),
        staff_url("budget_zone_edit", budget.pk, zone.pk),
        staff_url("budget_project_review", budget.pk, project.pk),
    ]
    for page in pages:
        assert client.get(page, HTTP_HOST=BOTOSANI).status_code == 302  # to sign in
    client.force_login(resident)
    for page in pages:
        assert client.get(page, HTTP_HOST=BOTOSANI).status_code == 403
    other_module = StaffMembershipFactory.create(municipality=botosani, modules=["reports"]).user
    client.force_login(other_module)
    for page in pages:
        assert client.get(page, HTTP_HOST=BOTOSANI).status_code == 403
    for action in ("budget_voting_close", "budget_results_publish"):
        assert client.post(staff_url(action, budget.pk), HTTP_HOST=BOTOSANI).status_code == 403
    assert Budget.objects.get().voting_open()


def test_staff_of_another_city_cannot_reach_or_change_this_citys_budget(
    client, budget, zone, timisoara
):
    project = BudgetProjectFactory.create(budget_zone=zone, status=BudgetProjectStatus.SUBMITTED)
    other = StaffMembershipFactory.create(municipality=timisoara, modules=["participation"]).user
    client.force_login(other)

    assert client.get(staff_url("budget_detail", budget.pk), HTTP_HOST=TIMISOARA).status_code == 404
    review = client.post(
        staff_url("budget_project_review", budget.pk, project.pk),
        {"status": "eligible"},
        HTTP_HOST=TIMISOARA,
    )
    close = client.post(staff_url("budget_voting_close", budget.pk), HTTP_HOST=TIMISOARA)

    assert review.status_code == 404 and close.status_code == 404
    project.refresh_from_db()
    assert project.status == BudgetProjectStatus.SUBMITTED
    assert Budget.objects.get().voting_open()


def test_staff_pages_render(staff_client, budget, zone):
    project = BudgetProjectFactory.create(budget_zone=zone, status=BudgetProjectStatus.SUBMITTED)
    for page in (
        staff_url("budget_list"),
        staff_url("budget_create"),
        staff_url("budget_detail", budget.pk),
        staff_url("budget_edit", budget.pk),
        staff_url("budget_zone_edit", budget.pk, zone.pk),
        staff_url("budget_project_review", budget.pk, project.pk),
    ):
        response = staff_client.get(page, HTTP_HOST=BOTOSANI)
        assert response.status_code == 200, page
    detail = staff_client.get(staff_url("budget_detail", budget.pk), HTTP_HOST=BOTOSANI)
    assert project.title in detail.text  # waiting for review


# --- Budgets and zones -------------------------------------------------------------------


def budget_form(**changes):
    now = timezone.localtime()
    moment = lambda days: (now + datetime.timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")  # noqa: E731
    data = {
        "title_ro": "Buget participativ 2027",
        "title_en": "Participatory budget 2027",
        "description_ro": "",
        "description_en": "",
        "rule": "mes",
        "submission_opens_at": moment(1),
        "submission_closes_at": moment(10),
        "voting_opens_at": moment(20),
        "voting_closes_at": moment(30),
        "census_voting": "on",
        "code_voting": "on",
        "minimum_age": "16",
        "min_projects": "1",
        "max_projects": "3",
    }
    data.update(changes)
    return data


def test_staff_create_a_budget_audited(staff_client, botosani):
    process = ProcessFactory.create(municipality=botosani)

    response = staff_client.post(
        staff_url("budget_create"), budget_form(process=process.pk), HTTP_HOST=BOTOSANI
    )

    budget = Budget.objects.get()
    assert response.status_code == 302
    assert Budget.objects.values_list("title_ro", "title_en", "rule").get() == (
        "Buget participativ 2027",
        "Participatory budget 2027",
        "mes",
    )
    assert (budget.minimum_age, budget.min_projects, budget.max_projects) == (16, 1, 3)
    assert budget.process == process and budget.municipality == botosani
    assert AuditLogEntry.objects.filter(
        target_type="participation.Budget", action="create"
    ).exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"voting_closes_at": "2020-01-01T10:00"}, "Voting must close after it opens."),
        (
            {"voting_opens_at": "2020-01-01T10:00"},
            "Voting opens once project submission has closed.",
        ),
        ({"submission_closes_at": "2020-01-01T10:00"}, "Submission must close after it opens."),
        ({"min_projects": "4"}, "The most projects on a ballot cannot be fewer than the fewest."),
        ({"census_voting": "", "code_voting": ""}, "Choose at least one way for voters to verify."),
    ],
)
def test_bad_budgets_are_refused_with_nothing_written(staff_client, botosani, changes, message):
    process = ProcessFactory.create(municipality=botosani)
    data = {
        key: value
        for key, value in budget_form(process=process.pk, **changes).items()
        if value != ""
    }

    response = staff_client.post(staff_url("budget_create"), data, HTTP_HOST=BOTOSANI)

    assert response.status_code == 400
    assert message in response.text
    assert not Budget.objects.exists()


def test_staff_edit_a_budget(staff_client, budget):
    response = staff_client.post(
        staff_url("budget_edit", budget.pk), budget_form(rule="greedy"), HTTP_HOST=BOTOSANI
    )

    budget.refresh_from_db()
    assert response.status_code == 302
    assert Budget.objects.values_list("rule", "title_ro").get() == (
        "greedy",
        "Buget participativ 2027",
    )
    assert AuditLogEntry.objects.filter(
        target_type="participation.Budget", action="update"
    ).exists()


def test_staff_add_a_zone_only_of_their_city(staff_client, budget, timisoara):
    mine = ZoneFactory.create(municipality=budget.municipality, slug="nord")
    theirs = ZoneFactory.create(municipality=timisoara, slug="fabric")

    added = staff_client.post(
        staff_url("budget_detail", budget.pk),
        {"zone": mine.pk, "amount": "500000", "currency": "RON"},
        HTTP_HOST=BOTOSANI,
    )
    refused = staff_client.post(
        staff_url("budget_detail", budget.pk),
        {"zone": theirs.pk, "amount": "500000", "currency": "RON"},
        HTTP_HOST=BOTOSANI,
    )
    zero = staff_client.post(
        staff_url("budget_detail", budget.pk),
        {
            "zone": ZoneFactory.create(municipality=budget.municipality).pk,
            "amount": "0",
            "currency": "RON",
        },
        HTTP_HOST=BOTOSANI,
    )

    assert added.status_code == 302
    assert refused.status_code == 400 and zero.status_code == 400
    assert list(BudgetZone.objects.values_list("zone__slug", "amount", "currency")) == [
        ("nord", Decimal(500_000), "RON")
    ]


# --- Reviews -----------------------------------------------------------------------------


def test_not_eligible_needs_a_reason_which_the_public_then_sees(staff_client, client, budget, zone):
    project = BudgetProjectFactory.create(budget_zone=zone, status=BudgetProjectStatus.SUBMITTED)
    address = staff_url("budget_project_review", budget.pk, project.pk)

    refused = staff_client.post(
        address, {"status": "ineligible", "reason": " "}, HTTP_HOST=BOTOSANI
    )
    project.refresh_from_db()
    assert refused.status_code == 400
    assert "Say why the project is not eligible; the reason is public." in refused.text
    assert project.status == BudgetProjectStatus.SUBMITTED

    saved = staff_client.post(
        address,
        {"status": "ineligible", "reason": "Terenul este proprietate privată."},
        HTTP_HOST=BOTOSANI,
    )
    project.refresh_from_db()
    assert saved.status_code == 302
    assert project.status == BudgetProjectStatus.INELIGIBLE
    assert project.review_reason == "Terenul este proprietate privată."
    assert project.reviewed_at is not None
    assert AuditLogEntry.objects.filter(
        target_type="participation.BudgetProject", target_id=str(project.pk)
    ).exists()
    staff_client.logout()
    public = staff_client.get(
        reverse("participation:budget_zone_detail", args=[budget.pk, "centru"]), HTTP_HOST=BOTOSANI
    )
    assert "Terenul este proprietate privată." in public.text


# --- Closing and publishing ---------------------------------------------------------------


def test_close_voting_now_then_publish_once(staff_client, budget, zone):
    first = BudgetProjectFactory.create(budget_zone=zone, code="P1", cost=Decimal(60))
    second = BudgetProjectFactory.create(budget_zone=zone, code="P2", cost=Decimal(50))
    for _ in range(3):
        BallotFactory.create(budget_zone=zone, choices=[first])
    BallotFactory.create(budget_zone=zone, choices=[second])

    early = staff_client.post(
        staff_url("budget_results_publish", budget.pk), HTTP_HOST=BOTOSANI, follow=True
    )
    assert "Voting is still open: close it before counting the results." in early.text
    assert not ZoneResult.objects.exists()

    before = timezone.now()
    staff_client.post(staff_url("budget_voting_close", budget.pk), HTTP_HOST=BOTOSANI)
    budget.refresh_from_db()
    assert before <= budget.voting_closes_at <= timezone.now()
    again = staff_client.post(
        staff_url("budget_voting_close", budget.pk), HTTP_HOST=BOTOSANI, follow=True
    )
    assert "Voting is already closed." in again.text

    staff_client.post(staff_url("budget_results_publish", budget.pk), HTTP_HOST=BOTOSANI)
    budget.refresh_from_db()
    result = ZoneResult.objects.get()
    assert budget.results_published_at is not None
    assert result.selected == ["P1"] and result.voters == 4 and result.rule == "mes"

    # A later ballot (an import, a fix in the database) never changes what was published.
    for _ in range(10):
        BallotFactory.create(budget_zone=zone, choices=[second])
    refused = staff_client.post(
        staff_url("budget_results_publish", budget.pk), HTTP_HOST=BOTOSANI, follow=True
    )
    assert "they are fixed and not counted again" in refused.text
    result.refresh_from_db()
    assert result.selected == ["P1"] and result.voters == 4
    review = staff_client.post(
        staff_url("budget_project_review", budget.pk, first.pk),
        {"status": "ineligible", "reason": "Prea târziu"},
        HTTP_HOST=BOTOSANI,
    )
    assert review.status_code == 400
    assert "The results are published: reviews are fixed." in review.text


# --- Import ------------------------------------------------------------------------------

PB_FILE = """META
key;value
budget;100
vote_type;approval
PROJECTS
project_id;cost
P1;60
P2;50
VOTES
voter_id;vote
v1;P1
v2;P1,P2
v3;P2
"""


def upload(text):
    return SimpleUploadedFile("zone.pb", text.encode(), content_type="text/plain")


@pytest.fixture
def zone_projects(zone):
    return [
        BudgetProjectFactory.create(budget_zone=zone, code="P1", cost=Decimal(60)),
        BudgetProjectFactory.create(budget_zone=zone, code="P2", cost=Decimal(50)),
    ]


def test_import_a_pb_file_creates_imported_ballots(staff_client, budget, zone, zone_projects):
    response = staff_client.post(
        staff_url("budget_zone_ballots_import", budget.pk, zone.pk),
        {"file": upload(PB_FILE)},
        HTTP_HOST=BOTOSANI,
    )

    assert response.status_code == 302
    ballots = {
        ballot.receipt: sorted(choice.project.code for choice in ballot.choices.all())
        for ballot in Ballot.objects.prefetch_related("choices__project")
    }
    assert ballots == {"v1": ["P1"], "v2": ["P1", "P2"], "v3": ["P2"]}
    assert set(Ballot.objects.values_list("imported", flat=True)) == {True}
    assert AuditLogEntry.objects.filter(target_type="participation.BudgetZone").exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            PB_FILE.replace("P2;50", "P9;50").replace("P1,P2", "P1,P9").replace("v3;P2", "v3;P9"),
            "These project numbers are not projects of the zone: P9.",
        ),
        (
            PB_FILE.replace("vote_type;approval", "vote_type;ordinal"),
            "The file holds ordinal votes; only approval votes can be imported.",
        ),
        (
            PB_FILE.replace("budget;100", "budget;2000"),
            "The file&#x27;s budget is 2000, but the zone&#x27;s budget is 100",
        ),
        (PB_FILE.replace("P1;60", "P1;70"), "Project P1 costs 70 in the file but 60 in the zone."),
        ("PROJECTS\nnothing", "The file is not a readable Pabulib file"),
    ],
)
def test_bad_pb_files_are_refused_whole(staff_client, budget, zone, zone_projects, text, message):
    BallotFactory.create(budget_zone=zone, receipt="keep")

    response = staff_client.post(
        staff_url("budget_zone_ballots_import", budget.pk, zone.pk),
        {"file": upload(text)},
        HTTP_HOST=BOTOSANI,
    )

    assert response.status_code == 400
    assert message in response.text
    assert list(Ballot.objects.values_list("receipt", flat=True)) == ["keep"]
    assert not BallotChoice.objects.exists()


def test_an_import_with_a_used_voter_id_adds_nothing(staff_client, budget, zone, zone_projects):
    BallotFactory.create(budget_zone=zone, receipt="v2")

    response = staff_client.post(
        staff_url("budget_zone_ballots_import", budget.pk, zone.pk),
        {"file": upload(PB_FILE)},
        HTTP_HOST=BOTOSANI,
    )

    assert response.status_code == 400
    assert "These voter ids are already ballots here: v2." in response.text
    assert Ballot.objects.count() == 1


def test_factories_given_a_city_make_their_parents_there(timisoara):
    # As the isolation tests call them: only the city and an id.
    factories: list[Any] = [
        BudgetFactory,
        BudgetZoneFactory,
        BudgetProjectFactory,
        BallotFactory,
        BallotChoiceFactory,
        CensusEntryFactory,
        VotingCodeFactory,
        ZoneResultFactory,
    ]
    records = [
        factory.create(municipality=timisoara, id=7_000_100 + number)
        for number, factory in enumerate(factories)
    ]

    for record in records:
        assert record.municipality == timisoara
        for parent in ("budget", "budget_zone", "ballot", "project", "zone"):
            related = getattr(record, parent, None)
            if related is not None:
                assert related.municipality == timisoara, (record, parent)
    choice = records[4]
    assert choice.project.budget_zone == choice.ballot.budget_zone


def test_after_publication_only_the_texts_of_a_budget_change(staff_client, budget, zone, staff):
    budget_voting_close(actor=staff, budget=budget)  # closes at a moment with seconds
    budget_results_publish(actor=staff, budget=budget)
    budget.refresh_from_db()

    def moment(value):
        return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")

    current = budget_form(
        rule=budget.rule,
        submission_opens_at=moment(budget.submission_opens_at),
        submission_closes_at=moment(budget.submission_closes_at),
        voting_opens_at=moment(budget.voting_opens_at),
        voting_closes_at=moment(budget.voting_closes_at),
        minimum_age=str(budget.minimum_age),
        min_projects=str(budget.min_projects),
        max_projects="",
        description_ro="Rezultatele sunt publicate.",
    )
    current = {key: value for key, value in current.items() if value != ""}
    texts = staff_client.post(staff_url("budget_edit", budget.pk), current, HTTP_HOST=BOTOSANI)
    rule = staff_client.post(
        staff_url("budget_edit", budget.pk), {**current, "rule": "greedy"}, HTTP_HOST=BOTOSANI
    )

    assert texts.status_code == 302
    assert rule.status_code == 400
    assert "The results are published: the rule and the vote are fixed." in rule.text
    assert Budget.objects.values_list("rule", "description_ro").get() == (
        "mes",
        "Rezultatele sunt publicate.",
    )
