"""The public voting pages: verify with a code or a CNP, vote in a zone, get a receipt,
change the ballot, check a receipt; every refusal a clear message with nothing written."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from digiplace.core.models import Municipality, RateLimitCounter, User
from digiplace.core.tests.factories import UserFactory
from digiplace.participation.identifiers import voting_code_new
from digiplace.participation.models import Ballot, Budget, BudgetProjectStatus, VotingCode
from digiplace.participation.tests.factories import ZoneFactory
from digiplace.participation.tests.factories_budgeting import (
    BudgetFactory,
    BudgetProjectFactory,
    BudgetZoneFactory,
    CensusEntryFactory,
    VotingCodeFactory,
)
from digiplace.participation.views.voting import CODE_ATTEMPTS_PER_CLIENT

pytestmark = pytest.mark.django_db

BOTOSANI = "botosani.localhost"
TIMISOARA = "timisoara.localhost"
ADULT = "1800101221144"


@pytest.fixture(autouse=True)
def _english(client: Client) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def english_client() -> Client:
    other = Client()
    other.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return other


def get(client: Client, path: str, host: str = BOTOSANI, **data: Any) -> Any:
    return client.get(path, data, HTTP_HOST=host)


def post(client: Client, path: str, data: dict[str, Any], host: str = BOTOSANI) -> Any:
    return client.post(path, data, HTTP_HOST=host)


def url(name: str, *args: Any) -> str:
    return reverse(f"participation:{name}", args=args)


@pytest.fixture
def budget(botosani: Municipality):
    return BudgetFactory.create(municipality=botosani, max_projects=2)


@pytest.fixture
def centre(budget):
    zone = ZoneFactory.create(
        municipality=budget.municipality, slug="centru", name="Centru", name_en="Centre"
    )
    return BudgetZoneFactory.create(budget=budget, zone=zone, amount=Decimal(300_000))


@pytest.fixture
def north(budget):
    zone = ZoneFactory.create(
        municipality=budget.municipality, slug="nord", name="Nord", name_en="North"
    )
    return BudgetZoneFactory.create(budget=budget, zone=zone, amount=Decimal(300_000))


@pytest.fixture
def projects(centre):
    return [
        BudgetProjectFactory.create(
            budget_zone=centre, code="P1", title="Parc", cost=Decimal(200_000)
        ),
        BudgetProjectFactory.create(
            budget_zone=centre, code="P2", title="Bănci", cost=Decimal(150_000)
        ),
        BudgetProjectFactory.create(
            budget_zone=centre, code="P3", title="Lampă", cost=Decimal(50_000)
        ),
    ]


@pytest.fixture
def code(budget) -> str:
    code = voting_code_new()
    VotingCodeFactory.create(budget=budget, code=code)
    return code


def test_a_code_voter_votes_gets_a_receipt_and_checks_it(
    client, budget, centre, north, projects, code
):
    start = get(client, url("vote_start", budget.pk))
    assert start.status_code == 200
    assert "With a voting code" in start.content.decode()

    verified = post(client, url("vote_code", budget.pk), {"code": code.lower()})
    assert verified.status_code == 302
    assert verified["Location"] == url("vote_zone", budget.pk)

    zones = get(client, url("vote_zone", budget.pk))
    assert "Centre" in zones.content.decode() and "North" in zones.content.decode()

    ballot_page = get(client, url("vote_ballot", budget.pk, centre.pk))
    page = ballot_page.content.decode()
    assert 'data-cost="200000"' in page and 'data-amount="300000"' in page
    assert "Parc" in page and "Bănci" in page

    cast = post(
        client,
        url("vote_ballot", budget.pk, centre.pk),
        {"projects": [projects[0].pk, projects[2].pk]},
    )
    assert cast.status_code == 302 and cast["Location"] == url("vote_receipt", budget.pk)

    receipt_page = get(client, url("vote_receipt", budget.pk)).content.decode()
    ballot = Ballot.objects.get()
    grouped = f"{ballot.receipt[:4]}-{ballot.receipt[4:8]}-{ballot.receipt[8:]}"
    assert grouped in receipt_page
    assert "/vote/change/" in receipt_page
    assert "250,000 of 300,000 RON" in receipt_page

    checked = post(client, url("vote_receipt_check", budget.pk), {"receipt": grouped.lower()})
    text = checked.content.decode()
    assert "Counted." in text
    assert "A ballot in Centre" in text and "with 2 projects" in text
    assert code not in text


def test_a_zone_code_goes_straight_to_its_zone(client, budget, centre, north):
    code = voting_code_new()
    VotingCodeFactory.create(budget=budget, code=code, budget_zone=north)

    verified = post(client, url("vote_code", budget.pk), {"code": code})

    assert verified["Location"] == url("vote_ballot", budget.pk, north.pk)
    # Another zone's ballot sends the voter back to theirs.
    assert get(client, url("vote_ballot", budget.pk, centre.pk))["Location"] == url(
        "vote_ballot", budget.pk, north.pk
    )


def test_a_wrong_code_is_explained_and_verifies_nothing(client, budget, centre, code):
    response = post(client, url("vote_code", budget.pk), {"code": "ABCD-EFGH-JKMN"})

    assert response.status_code == 200
    text = response.content.decode()
    assert "This voting code has a typing mistake" in text or "not a voting code" in text
    assert get(client, url("vote_zone", budget.pk))["Location"] == url("vote_start", budget.pk)


def test_a_wrong_code_is_explained_in_romanian(client, budget, centre, code):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ro"

    text = post(client, url("vote_code", budget.pk), {"code": "7KQM-2XWD"}).content.decode()

    assert "Un cod de vot are 12 litere și cifre" in text


def test_code_guessing_is_stopped_per_address(client, budget, centre, code):
    for _ in range(CODE_ATTEMPTS_PER_CLIENT.limit):
        assert (
            post(client, url("vote_code", budget.pk), {"code": voting_code_new()}).status_code
            == 200
        )

    refused = post(client, url("vote_code", budget.pk), {"code": code})

    assert refused.status_code == 429
    assert "too many times" in refused.content.decode()
    # Even the right code is not checked now.
    assert get(client, url("vote_zone", budget.pk))["Location"] == url("vote_start", budget.pk)
    assert RateLimitCounter.objects.filter(scope=CODE_ATTEMPTS_PER_CLIENT.scope).exists()


def test_a_used_code_points_to_the_change_link(client, budget, centre, projects, code):
    post(client, url("vote_code", budget.pk), {"code": code})
    post(client, url("vote_ballot", budget.pk, centre.pk), {"projects": [projects[2].pk]})
    other = english_client()

    text = post(other, url("vote_code", budget.pk), {"code": code}).content.decode()

    assert "already been used to vote" in text
    assert "change link" in text


def test_the_change_link_changes_the_ballot(client, budget, centre, projects, code):
    post(client, url("vote_code", budget.pk), {"code": code})
    post(client, url("vote_ballot", budget.pk, centre.pk), {"projects": [projects[2].pk]})
    receipt = Ballot.objects.get().receipt
    page = get(client, url("vote_receipt", budget.pk)).content.decode()
    change_path = page.split("http://botosani.localhost")[1].split('"')[0]
    assert change_path.startswith(f"/participation/budgets/{budget.pk}/vote/change/")

    phone = english_client()
    opened = get(phone, change_path)
    assert opened["Location"] == url("vote_ballot", budget.pk, centre.pk)
    form = get(phone, url("vote_ballot", budget.pk, centre.pk)).content.decode()
    assert "You already voted" in form
    assert f'value="{projects[2].pk}" id="project-{projects[2].pk}"' in form
    changed = post(phone, url("vote_ballot", budget.pk, centre.pk), {"projects": [projects[0].pk]})

    assert changed.status_code == 302
    ballot = Ballot.objects.get()
    assert ballot.receipt == receipt
    assert list(ballot.choices.values_list("project__code", flat=True)) == ["P1"]
    assert "Your vote was changed" in get(phone, url("vote_receipt", budget.pk)).content.decode()
    assert get(phone, change_path[:-3] + "xyz/").status_code == 404


@pytest.mark.parametrize(
    ("chosen", "message"),
    [
        ([0, 1], "more than this zone&#x27;s budget of 300,000 RON"),
        ([], "Choose at least 1 project."),
        ([0, 2, 1], "Choose at most 2 projects; you chose 3."),
    ],
)
def test_a_ballot_breaking_a_rule_is_explained_and_not_counted(
    client, budget, centre, projects, code, chosen, message
):
    post(client, url("vote_code", budget.pk), {"code": code})

    response = post(
        client,
        url("vote_ballot", budget.pk, centre.pk),
        {"projects": [projects[index].pk for index in chosen]},
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Ballot.objects.exists()
    assert VotingCode.objects.get().used_at is None


def test_an_ineligible_project_cannot_be_sent(client, budget, centre, projects, code):
    refused = BudgetProjectFactory.create(
        budget_zone=centre, status=BudgetProjectStatus.INELIGIBLE, review_reason="Prea scump."
    )
    post(client, url("vote_code", budget.pk), {"code": code})

    response = post(client, url("vote_ballot", budget.pk, centre.pk), {"projects": [refused.pk]})

    assert "Select a valid choice" in response.content.decode()
    assert not Ballot.objects.exists()


def test_a_ballot_sent_after_closing_is_refused(client, budget, centre, projects, code):
    post(client, url("vote_code", budget.pk), {"code": code})
    now = timezone.now()
    Budget.objects.filter(pk=budget.pk).update(
        submission_opens_at=now - datetime.timedelta(days=60),
        submission_closes_at=now - datetime.timedelta(days=40),
        voting_opens_at=now - datetime.timedelta(days=30),
        voting_closes_at=now - datetime.timedelta(minutes=1),
    )

    response = post(
        client, url("vote_ballot", budget.pk, centre.pk), {"projects": [projects[2].pk]}
    )

    assert "Voting is closed" in response.content.decode()
    assert not Ballot.objects.exists()
    assert "Voting is closed" in get(client, url("vote_start", budget.pk)).content.decode()


def test_the_start_page_says_when_voting_opens(client, botosani):
    budget = BudgetFactory.create(municipality=botosani, submission=True)

    text = get(client, url("vote_start", budget.pk)).content.decode()

    assert "Voting has not opened yet" in text
    assert "Use this code" not in text


def test_a_census_voter_needs_a_confirmed_account(client, budget, centre):
    anonymous = get(client, url("vote_start", budget.pk)).content.decode()
    assert "Log in to verify with your CNP" in anonymous
    assert post(client, url("vote_census", budget.pk), {"cnp": ADULT}).status_code == 302

    unconfirmed = UserFactory.create(email_confirmed_at=None)
    client.force_login(unconfirmed)
    text = post(client, url("vote_census", budget.pk), {"cnp": ADULT}).content.decode()
    assert "Confirm your email address first" in text


def test_a_census_voter_votes_and_comes_back_to_change(
    client, budget, centre, projects, resident: User
):
    CensusEntryFactory.create(budget=budget, cnp=ADULT, budget_zone=centre)
    client.force_login(resident)

    verified = post(client, url("vote_census", budget.pk), {"cnp": ADULT})
    assert verified["Location"] == url("vote_ballot", budget.pk, centre.pk)
    post(client, url("vote_ballot", budget.pk, centre.pk), {"projects": [projects[0].pk]})
    receipt = get(client, url("vote_receipt", budget.pk)).content.decode()
    assert "come back to this vote signed in" in receipt
    assert "/vote/change/" not in receipt

    client.logout()  # forgets every cookie, the language's too
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(resident)
    start = get(client, url("vote_start", budget.pk)).content.decode()
    assert "You are verified for this vote" in start
    post(client, url("vote_ballot", budget.pk, centre.pk), {"projects": [projects[1].pk]})

    assert list(Ballot.objects.get().choices.values_list("project__code", flat=True)) == ["P2"]


@pytest.mark.parametrize(
    ("cnp", "message"),
    [
        ("1800101221145", "The last digit of this CNP does not match"),
        ("2800203071230", "not on the census list"),
    ],
)
def test_a_refused_cnp_is_explained(client, budget, centre, resident, cnp, message):
    CensusEntryFactory.create(budget=budget, cnp=ADULT)
    client.force_login(resident)

    text = post(client, url("vote_census", budget.pk), {"cnp": cnp}).content.decode()

    assert message in text
    assert cnp not in text.replace(f'value="{cnp}"', "")  # only in the field they typed it in


def test_the_same_cnp_from_a_second_account_is_refused(client, budget, centre, projects, resident):
    CensusEntryFactory.create(budget=budget, cnp=ADULT)
    client.force_login(resident)
    post(client, url("vote_census", budget.pk), {"cnp": ADULT})
    post(client, url("vote_ballot", budget.pk, centre.pk), {"projects": [projects[0].pk]})

    second = english_client()
    second.force_login(UserFactory.create())
    text = post(second, url("vote_census", budget.pk), {"cnp": ADULT}).content.decode()

    assert "already cast with this personal numeric code from another account" in text
    assert Ballot.objects.count() == 1


def test_an_unknown_receipt_says_so(client, budget):
    text = post(client, url("vote_receipt_check", budget.pk), {"receipt": "0000-0000-0000"})

    assert "No ballot has this receipt." in text.content.decode()
    bad = post(client, url("vote_receipt_check", budget.pk), {"receipt": "short"})
    assert "A receipt has 12 letters and digits" in bad.content.decode()


def test_another_citys_budget_is_not_found(client, budget, centre, timisoara):
    assert get(client, url("vote_start", budget.pk), host=TIMISOARA).status_code == 404
    assert get(client, url("vote_receipt_check", budget.pk), host=TIMISOARA).status_code == 404


def test_an_unpublished_budget_is_not_found(client, botosani):
    budget = BudgetFactory.create(municipality=botosani, process__is_published=False)

    assert get(client, url("vote_start", budget.pk)).status_code == 404


def test_no_personal_numeric_code_is_kept_anywhere(client, budget, centre, projects, resident):
    from django.contrib.sessions.models import Session
    from django.db import connection

    CensusEntryFactory.create(budget=budget, cnp=ADULT, budget_zone=centre)
    client.force_login(resident)
    post(client, url("vote_census", budget.pk), {"cnp": ADULT})
    post(client, url("vote_ballot", budget.pk, centre.pk), {"projects": [projects[0].pk]})
    assert Ballot.objects.count() == 1

    sessions = " ".join(Session.objects.values_list("session_data", flat=True))
    decoded = " ".join(str(session.get_decoded()) for session in Session.objects.all())
    assert ADULT not in sessions and ADULT not in decoded
    # Nor in any table of the participation module.
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            if not table.startswith("participation_"):
                continue
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 (table names from the schema)
            assert ADULT not in repr(cursor.fetchall()), table


def test_leaving_forgets_the_verification(client, budget, centre, code):
    post(client, url("vote_code", budget.pk), {"code": code})
    assert get(client, url("vote_ballot", budget.pk, centre.pk)).status_code == 200

    post(client, url("vote_leave", budget.pk), {})

    assert get(client, url("vote_ballot", budget.pk, centre.pk))["Location"] == url(
        "vote_start", budget.pk
    )


def test_a_code_only_budget_offers_no_cnp_form(client, botosani):
    budget = BudgetFactory.create(municipality=botosani, census_voting=False)

    text = get(client, url("vote_start", budget.pk)).content.decode()

    assert "With a voting code" in text
    assert "personal numeric code (CNP)" not in text
