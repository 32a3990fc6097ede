"""Verified voting's rules, in the services: the census list, voting codes, verification
by code or CNP, ballots within the zone's budget, changes, receipts, and races."""

from __future__ import annotations

import datetime
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.utils import timezone

from digiplace.core.models import AuditLogEntry, Municipality, User
from digiplace.core.tests.factories import UserFactory
from digiplace.participation.identifiers import voting_code_new
from digiplace.participation.models import (
    Ballot,
    BallotChoice,
    BudgetProjectStatus,
    CensusEntry,
    VotingCode,
    VotingMethod,
)
from digiplace.participation.selectors import voting as selectors
from digiplace.participation.services import voting as services
from digiplace.participation.services import voting_staff
from digiplace.participation.services.voting import Voter
from digiplace.participation.services.voting_staff import CensusUploadRefused
from digiplace.participation.tests.factories import ZoneFactory
from digiplace.participation.tests.factories_budgeting import (
    BudgetFactory,
    BudgetProjectFactory,
    BudgetZoneFactory,
    CensusEntryFactory,
    VotingCodeFactory,
)

pytestmark = pytest.mark.django_db


def cnp_with_control(first_twelve: str) -> str:
    """Appends the control digit (weights 279146358279, sum modulo 11, 10 becomes 1)."""
    total = sum(
        int(digit) * int(weight) for digit, weight in zip(first_twelve, "279146358279", strict=True)
    )
    return first_twelve + str(1 if total % 11 == 10 else total % 11)


ADULT = "1800101221144"  # checked by hand in test_identifiers
ADULT_2 = cnp_with_control("280020307123")
# Born on 1 January 2015: 11 years old in 2026.
CHILD = cnp_with_control("515010107123")


@pytest.fixture
def budget(botosani: Municipality):
    return BudgetFactory.create(municipality=botosani, min_projects=1, max_projects=3)


@pytest.fixture
def centre(budget):
    zone = ZoneFactory.create(
        municipality=budget.municipality,
        slug="centru",
        name="Centru",
        name_ro="Centru",
        name_en="Centre",
    )
    return BudgetZoneFactory.create(budget=budget, zone=zone, amount=Decimal(500_000))


@pytest.fixture
def north(budget):
    zone = ZoneFactory.create(
        municipality=budget.municipality, slug="nord", name="Nord", name_ro="Nord", name_en="North"
    )
    return BudgetZoneFactory.create(budget=budget, zone=zone, amount=Decimal(300_000))


@pytest.fixture
def projects(centre):
    return [
        BudgetProjectFactory.create(budget_zone=centre, code="P1", cost=Decimal(200_000)),
        BudgetProjectFactory.create(budget_zone=centre, code="P2", cost=Decimal(250_000)),
        BudgetProjectFactory.create(budget_zone=centre, code="P3", cost=Decimal(100_000)),
        BudgetProjectFactory.create(budget_zone=centre, code="P4", cost=Decimal(40_000)),
    ]


def code_voter(budget, **options) -> tuple[str, Voter]:
    code = voting_code_new()
    VotingCodeFactory.create(budget=budget, code=code, **options)
    return code, services.voter_verify_code(budget=budget, code=code)


def error_code(call, **kwargs) -> str:
    with pytest.raises(ValidationError) as caught:
        call(**kwargs)
    return str(caught.value.code)


def all_values(model) -> list[str]:
    """Every value of every row of a table, as text (to look for what must not be there)."""
    return [str(value) for row in model.objects.values_list() for value in row]


# --- Census list -------------------------------------------------------------------------------


def test_a_census_file_is_stored_as_keyed_digests_only(budget, centre, north, botosani_admin):
    data = f"cnp;zone\n{ADULT};centru\n{ADULT_2};NORD\n".encode()

    count = voting_staff.census_upload(budget=budget, actor=botosani_admin.user, data=data)

    assert count == 2
    entries = {entry.budget_zone_id for entry in CensusEntry.objects.filter(budget=budget)}
    assert entries == {centre.pk, north.pk}
    values = " ".join(all_values(CensusEntry))
    for cnp in (ADULT, ADULT_2):
        assert cnp not in values
        assert cnp[1:] not in values  # no part of it either
    digests = CensusEntry.objects.values_list("digest", flat=True)
    assert all(len(digest) == 64 for digest in digests)
    entry = AuditLogEntry.objects.get(target_type="participation.Budget")
    assert (entry.before, entry.after) == ({"census_entries": 0}, {"census_entries": 2})
    assert ADULT not in str(entry.after)


def test_a_census_file_without_header_reads_cnp_then_zone(budget, centre):
    data = f"{ADULT},centru\n\n{ADULT_2}\n".encode()

    read = voting_staff.census_read(budget=budget, data=data)

    assert [zone for _, zone in read.entries] == [centre.pk, None]


def test_a_census_file_with_bad_lines_is_refused_whole_with_line_numbers(
    budget, centre, botosani_admin
):
    CensusEntryFactory.create(budget=budget, cnp=ADULT)
    data = (
        "cnp,zone\n"
        f"{ADULT_2},centru\n"
        "1800101221145,centru\n"  # control digit wrong
        "12345,\n"
        f"{ADULT},suburbie\n"
        f"{ADULT_2},\n"
        ",centru\n"
    ).encode()

    with pytest.raises(CensusUploadRefused) as caught:
        voting_staff.census_upload(budget=budget, actor=botosani_admin.user, data=data)

    errors = [(error.line, error.message) for error in caught.value.errors]
    assert [line for line, _ in errors] == [3, 4, 5, 6, 7]
    assert "last digit of this CNP does not match" in errors[0][1]
    assert "exactly 13 digits; this one has 5" in errors[1][1]
    assert "“suburbie” is not the short name of a zone" in errors[2][1]
    assert "already on line 2" in errors[3][1]
    assert errors[4][1] == "The line has no CNP."
    # Nothing changed: the old list stays, no audit entry.
    assert CensusEntry.objects.filter(budget=budget).count() == 1
    assert not AuditLogEntry.objects.exists()


def test_census_messages_follow_the_language(budget, centre):
    from django.utils import translation

    with translation.override("ro"), pytest.raises(CensusUploadRefused) as caught:
        voting_staff.census_read(budget=budget, data=b"cnp\n1800101221145\n")

    assert caught.value.errors[0].message.startswith("Ultima cifră")


def test_a_header_without_a_cnp_column_is_refused(budget):
    with pytest.raises(CensusUploadRefused) as caught:
        voting_staff.census_read(budget=budget, data=f"nume,zona\n{ADULT},centru\n".encode())

    assert caught.value.errors[0].line == 1
    assert "“cnp”" in caught.value.errors[0].message


def test_an_empty_or_binary_file_is_refused(budget):
    with pytest.raises(CensusUploadRefused):
        voting_staff.census_read(budget=budget, data=b"\n\n")
    with pytest.raises(CensusUploadRefused):
        voting_staff.census_read(budget=budget, data=b"\x81\x83\x90\x98")


def test_a_new_census_file_replaces_the_list(budget, centre, botosani_admin):
    CensusEntryFactory.create_batch(3, budget=budget)
    other_budget = BudgetFactory.create(municipality=budget.municipality)
    CensusEntryFactory.create(budget=other_budget)

    voting_staff.census_upload(budget=budget, actor=botosani_admin.user, data=f"{ADULT}\n".encode())

    assert CensusEntry.objects.filter(budget=budget).count() == 1
    assert CensusEntry.objects.filter(budget=other_budget).count() == 1
    assert selectors.census_summary(budget=budget).total == 1


# --- Voting codes --------------------------------------------------------------------------


def test_generated_codes_are_kept_as_digests_only(budget, north, botosani_admin):
    batch = voting_staff.voting_codes_generate(
        budget=budget, actor=botosani_admin.user, count=25, budget_zone=north
    )
    second = voting_staff.voting_codes_generate(budget=budget, actor=botosani_admin.user, count=5)

    assert (batch.batch, len(batch.codes), len(set(batch.codes))) == (1, 25, 25)
    assert second.batch == 2
    values = " ".join(all_values(VotingCode))
    for code in batch.codes + second.codes:
        assert code not in values
        assert code.replace("-", "") not in values
    assert VotingCode.objects.filter(budget_zone=north).count() == 25
    summary = selectors.code_summary(budget=budget)
    assert (summary.issued, summary.used) == (30, 0)
    # Each code works once issued.
    voter = services.voter_verify_code(budget=budget, code=batch.codes[0].lower())
    assert voter.budget_zone_id == north.pk
    assert AuditLogEntry.objects.filter(target_type="participation.Budget").count() == 2


def test_code_counts_are_checked(budget, botosani_admin):
    assert (
        error_code(
            voting_staff.voting_codes_generate, budget=budget, actor=botosani_admin.user, count=0
        )
        == "count"
    )
    assert not VotingCode.objects.exists()


# --- Verification by code ------------------------------------------------------------------


def test_a_code_verifies_a_voter_of_its_budget_only(budget, centre):
    code, voter = code_voter(budget)
    other = BudgetFactory.create(municipality=budget.municipality)

    assert (voter.method, voter.may_change, voter.budget_zone_id) == ("code", False, None)
    assert error_code(services.voter_verify_code, budget=other, code=code) == "code_unknown"


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("7KQM-2XWD", "voting_code_length"),
        ("0000-0000-0000", "voting_code_characters"),
    ],
)
def test_a_malformed_code_is_refused_with_its_reason(budget, typed, reason):
    assert error_code(services.voter_verify_code, budget=budget, code=typed) == reason


def test_a_mistyped_code_is_caught_by_its_check_symbol(budget):
    code = voting_code_new()
    while code[0] == code[1]:  # a swap of two equal symbols changes nothing: another code
        code = voting_code_new()
    VotingCodeFactory.create(budget=budget, code=code)
    compact = code.replace("-", "")
    swapped = compact[1] + compact[0] + compact[2:]

    assert error_code(services.voter_verify_code, budget=budget, code=swapped) == (
        "voting_code_check"
    )


def test_a_code_is_refused_outside_the_voting_window(botosani):
    early = BudgetFactory.create(municipality=botosani, submission=True)
    late = BudgetFactory.create(municipality=botosani, closed=True)
    for budget, reason in ((early, "voting_not_open"), (late, "voting_closed")):
        code = voting_code_new()
        VotingCodeFactory.create(budget=budget, code=code)
        assert error_code(services.voter_verify_code, budget=budget, code=code) == reason


# --- Verification by CNP -------------------------------------------------------------------


def test_a_cnp_on_the_census_verifies_a_signed_in_voter(budget, centre, resident):
    CensusEntryFactory.create(budget=budget, cnp=ADULT, budget_zone=centre)

    voter = services.voter_verify_census(budget=budget, user=resident, cnp="1 800101 221144")

    assert (voter.method, voter.budget_zone_id, voter.user_id) == ("census", centre.pk, resident.pk)


@pytest.mark.parametrize(
    ("cnp", "reason"),
    [
        ("1800101221145", "cnp_control"),
        ("1801301221144", "cnp_birth_date"),
        (ADULT_2, "not_on_census"),
        (CHILD, "too_young"),
    ],
)
def test_a_cnp_is_refused_with_its_reason(budget, resident, cnp, reason):
    CensusEntryFactory.create(budget=budget, cnp=ADULT)
    CensusEntryFactory.create(budget=budget, cnp=CHILD)

    assert error_code(services.voter_verify_census, budget=budget, user=resident, cnp=cnp) == reason


def test_the_minimum_age_is_the_budgets(botosani, resident):
    budget = BudgetFactory.create(municipality=botosani, minimum_age=10)
    CensusEntryFactory.create(budget=budget, cnp=CHILD)

    assert services.voter_verify_census(budget=budget, user=resident, cnp=CHILD).key


def test_an_unconfirmed_account_cannot_verify(budget):
    person = UserFactory.create(email_confirmed_at=None)
    CensusEntryFactory.create(budget=budget, cnp=ADULT)

    assert (
        error_code(services.voter_verify_census, budget=budget, user=person, cnp=ADULT)
        == "email_unconfirmed"
    )


# --- Ballots -------------------------------------------------------------------------------


def test_a_code_voter_casts_a_ballot_within_the_budget(budget, centre, projects):
    _, voter = code_voter(budget)

    result = services.ballot_cast(
        budget=budget,
        voter=voter,
        budget_zone=centre,
        project_ids=[projects[0].pk, projects[1].pk, projects[3].pk],  # 490,000 of 500,000
    )

    ballot = result.ballot
    assert result.is_change is False
    assert set(ballot.choices.values_list("project__code", flat=True)) == {"P1", "P2", "P4"}
    assert ballot.method == VotingMethod.CODE and ballot.user is None
    assert len(ballot.receipt) == 12
    assert set(ballot.receipt) <= set(services.RECEIPT_ALPHABET)
    assert result.change_token and result.change_token not in ballot.change_token_digest
    assert VotingCode.objects.get(budget=budget).used_at is not None
    status = selectors.receipt_status(budget=budget, receipt=ballot.receipt)
    assert status is not None and (status.zone_name, status.project_count) == ("Centre", 3)


@pytest.mark.parametrize(
    ("chosen", "reason"),
    [
        ([0, 1, 2], "over_budget"),  # 550,000 > 500,000
        ([], "too_few"),
        ([0, 2, 3, 3], None),  # a repeated id counts once: valid
    ],
)
def test_ballot_rules_on_cost_and_count(budget, centre, projects, chosen, reason):
    _, voter = code_voter(budget)
    ids = [projects[index].pk for index in chosen]

    if reason is None:
        services.ballot_cast(budget=budget, voter=voter, budget_zone=centre, project_ids=ids)
        assert BallotChoice.objects.count() == 3
    else:
        assert (
            error_code(
                services.ballot_cast,
                budget=budget,
                voter=voter,
                budget_zone=centre,
                project_ids=ids,
            )
            == reason
        )
        assert not Ballot.objects.exists()
        assert VotingCode.objects.get().used_at is None


def test_the_over_budget_message_names_both_sums(budget, centre, projects):
    _, voter = code_voter(budget)

    with pytest.raises(ValidationError) as caught:
        services.ballot_cast(
            budget=budget,
            voter=voter,
            budget_zone=centre,
            project_ids=[projects[0].pk, projects[1].pk, projects[2].pk],
        )

    assert "550,000 RON" in caught.value.messages[0]
    assert "500,000 RON" in caught.value.messages[0]


def test_too_many_projects_are_refused(botosani, projects):
    budget = projects[0].budget_zone.budget
    budget.max_projects = 2
    budget.save()
    _, voter = code_voter(budget)

    assert (
        error_code(
            services.ballot_cast,
            budget=budget,
            voter=voter,
            budget_zone=projects[0].budget_zone,
            project_ids=[projects[2].pk, projects[3].pk, projects[0].pk],
        )
        == "too_many"
    )


def test_another_zones_or_an_ineligible_project_is_refused(budget, centre, north, projects):
    elsewhere = BudgetProjectFactory.create(budget_zone=north, cost=Decimal(1000))
    refused = BudgetProjectFactory.create(
        budget_zone=centre,
        cost=Decimal(1000),
        status=BudgetProjectStatus.INELIGIBLE,
        review_reason="Nu e pe domeniul public.",
    )
    _, voter = code_voter(budget)
    for project in (elsewhere, refused):
        assert (
            error_code(
                services.ballot_cast,
                budget=budget,
                voter=voter,
                budget_zone=centre,
                project_ids=[projects[3].pk, project.pk],
            )
            == "project_foreign"
        )
    assert not Ballot.objects.exists()


def test_a_zone_code_votes_in_its_zone_only(budget, centre, north, projects):
    _, voter = code_voter(budget, budget_zone=north)
    in_north = BudgetProjectFactory.create(budget_zone=north, cost=Decimal(1000))

    assert (
        error_code(
            services.ballot_cast,
            budget=budget,
            voter=voter,
            budget_zone=centre,
            project_ids=[projects[3].pk],
        )
        == "zone_forced"
    )
    result = services.ballot_cast(
        budget=budget, voter=voter, budget_zone=north, project_ids=[in_north.pk]
    )
    assert result.ballot.budget_zone == north


def test_a_used_code_cannot_vote_again_but_its_change_link_can(budget, centre, projects):
    code, voter = code_voter(budget)
    first = services.ballot_cast(
        budget=budget, voter=voter, budget_zone=centre, project_ids=[projects[0].pk]
    )

    # Someone else who verified with the same code before it was used cannot vote.
    assert (
        error_code(
            services.ballot_cast,
            budget=budget,
            voter=voter,
            budget_zone=centre,
            project_ids=[projects[1].pk],
        )
        == "code_used"
    )
    assert error_code(services.voter_verify_code, budget=budget, code=code) == "code_used"

    assert first.change_token is not None
    changer = services.voter_of_change_token(budget=budget, token=first.change_token)
    assert changer is not None and changer.may_change
    second = services.ballot_cast(
        budget=budget, voter=changer, budget_zone=centre, project_ids=[projects[1].pk]
    )

    assert second.is_change and second.change_token is None
    assert second.ballot.pk == first.ballot.pk
    assert second.ballot.receipt == first.ballot.receipt
    assert list(second.ballot.choices.values_list("project__code", flat=True)) == ["P2"]
    assert Ballot.objects.count() == 1
    assert services.voter_of_change_token(budget=budget, token="x" + first.change_token) is None


def test_a_census_voter_changes_the_ballot_signed_in_again(budget, centre, projects, resident):
    CensusEntryFactory.create(budget=budget, cnp=ADULT)
    voter = services.voter_verify_census(budget=budget, user=resident, cnp=ADULT)
    first = services.ballot_cast(
        budget=budget, voter=voter, budget_zone=centre, project_ids=[projects[0].pk], user=resident
    )

    again = services.voter_of_account(budget=budget, user=resident)
    assert again == voter
    services.ballot_cast(
        budget=budget, voter=again, budget_zone=centre, project_ids=[projects[2].pk], user=resident
    )

    ballot = Ballot.objects.get()
    assert ballot.pk == first.ballot.pk and ballot.user == resident
    assert list(ballot.choices.values_list("project__code", flat=True)) == ["P3"]
    values = " ".join(all_values(Ballot)) + " ".join(all_values(CensusEntry))
    assert ADULT not in values


def test_the_same_cnp_from_another_account_is_a_second_vote(budget, centre, projects, resident):
    CensusEntryFactory.create(budget=budget, cnp=ADULT)
    CensusEntryFactory.create(budget=budget, cnp=ADULT_2)
    voter = services.voter_verify_census(budget=budget, user=resident, cnp=ADULT)
    services.ballot_cast(
        budget=budget, voter=voter, budget_zone=centre, project_ids=[projects[0].pk], user=resident
    )
    other: User = UserFactory.create()

    assert (
        error_code(services.voter_verify_census, budget=budget, user=other, cnp=ADULT)
        == "census_used_elsewhere"
    )
    # Nor can the first account vote a second time with another person's CNP.
    assert (
        error_code(services.voter_verify_census, budget=budget, user=resident, cnp=ADULT_2)
        == "account_used"
    )
    # A voter forged for the other account is caught at the cast.
    forged = Voter(budget_id=budget.pk, method="census", key=voter.key, user_id=other.pk)
    assert (
        error_code(
            services.ballot_cast,
            budget=budget,
            voter=forged,
            budget_zone=centre,
            project_ids=[projects[1].pk],
            user=other,
        )
        == "census_used_elsewhere"
    )
    assert Ballot.objects.count() == 1


def test_nothing_is_cast_before_opening_or_after_closing(budget, centre, projects):
    _, voter = code_voter(budget)
    for moment, reason in (
        (budget.voting_opens_at - datetime.timedelta(seconds=1), "voting_not_open"),
        (budget.voting_closes_at, "voting_closed"),
    ):
        assert (
            error_code(
                services.ballot_cast,
                budget=budget,
                voter=voter,
                budget_zone=centre,
                project_ids=[projects[0].pk],
                now=moment,
            )
            == reason
        )
    assert not Ballot.objects.exists()
    assert VotingCode.objects.get().used_at is None


def test_receipts_read_as_people_type_them(budget, centre, projects):
    _, voter = code_voter(budget)
    receipt = services.ballot_cast(
        budget=budget, voter=voter, budget_zone=centre, project_ids=[projects[0].pk]
    ).ballot.receipt
    typed = services.receipt_display(receipt).lower().replace("0", "o").replace("1", "l")

    assert services.receipt_normalise(typed) == receipt
    assert selectors.receipt_status(budget=budget, receipt=services.receipt_normalise(typed))
    other = BudgetFactory.create(municipality=budget.municipality)
    assert selectors.receipt_status(budget=other, receipt=receipt) is None


def test_another_citys_zone_is_refused(budget, projects, timisoara):
    foreign_zone = BudgetZoneFactory.create(budget=BudgetFactory.create(municipality=timisoara))
    _, voter = code_voter(budget)

    assert (
        error_code(
            services.ballot_cast,
            budget=budget,
            voter=voter,
            budget_zone=foreign_zone,
            project_ids=[projects[0].pk],
        )
        == "zone_foreign"
    )


# --- Races ---------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_casts_with_one_code_count_once(botosani: Municipality) -> None:
    budget = BudgetFactory.create(municipality=botosani)
    zone = BudgetZoneFactory.create(budget=budget)
    project = BudgetProjectFactory.create(budget_zone=zone, cost=Decimal(1000))
    code = voting_code_new()
    VotingCodeFactory.create(budget=budget, code=code)
    voter = services.voter_verify_code(budget=budget, code=code)
    barrier = threading.Barrier(4)
    outcomes: list[str] = []
    lock = threading.Lock()

    def cast() -> None:
        try:
            barrier.wait()
            services.ballot_cast(
                budget=budget, voter=voter, budget_zone=zone, project_ids=[project.pk]
            )
            outcome = "cast"
        except ValidationError as error:
            outcome = str(error.code)
        except BaseException as error:  # reported in the test's thread
            outcome = repr(error)
        finally:
            connections.close_all()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=cast) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["cast", "code_used", "code_used", "code_used"], (
        connection.vendor,
        outcomes,
    )
    assert Ballot.objects.count() == 1
    assert BallotChoice.objects.count() == 1
    used_at = VotingCode.objects.get().used_at
    assert used_at is not None and used_at <= timezone.now()


def test_a_spreadsheet_export_is_read_as_it_comes(budget, centre):
    # Excel in Romanian: semicolons, a byte-order mark, Windows-1250 diacritics in a header.
    data = "\ufeffCNP;Zonă\n".encode() + f"{ADULT};centru\n".encode()
    assert [zone for _, zone in services_read(budget, data)] == [centre.pk]
    legacy = "CNP;Zonă\n".encode("cp1250") + f"{ADULT};centru\n".encode("cp1250")
    assert [zone for _, zone in services_read(budget, legacy)] == [centre.pk]
    tabs = f"cnp\tzone\n{ADULT}\tcentru\n".encode()
    assert [zone for _, zone in services_read(budget, tabs)] == [centre.pk]


def services_read(budget, data: bytes) -> list[tuple[str, int | None]]:
    return voting_staff.census_read(budget=budget, data=data).entries
