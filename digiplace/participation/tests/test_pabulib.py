"""Reading and writing Pabulib ``.pb`` files: every real file round-trips; bad files are
refused with the line where reading stopped."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest
from django.conf import settings

from digiplace.participation.budgeting.pabulib import (
    Election,
    PabulibError,
    Project,
    Voter,
    election_parse,
    election_read,
    election_save,
    election_write,
    number_format,
    number_parse,
)

DATA = Path(settings.BASE_DIR).parent / "shared" / "data" / "pabulib"
FILES = sorted(DATA.glob("*.pb"))

GOOD = (
    "META\nkey;value\ndescription;A small test\nbudget;100.5\nvote_type;cumulative\n"
    "PROJECTS\nproject_id;cost;name;category\n"
    'p1;40.25;"Park; with a bench";green\np2;60;"Say ""hello""";\n'
    "VOTES\nvoter_id;vote;points;age\nv1;p1,p2;3,2;31\nv2;;;\nv3;p2;5;70\n"
)


def test_every_file_in_the_data_is_read():
    assert len(FILES) == 26
    vote_types = {election_read(path).vote_type for path in FILES}
    assert vote_types == {"approval", "choose-1", "cumulative", "ordinal"}


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.stem[:60])
def test_every_file_round_trips_through_the_writer(path, tmp_path):
    election = election_read(path)

    election_save(election, tmp_path / "copy.pb")
    copy = election_read(tmp_path / "copy.pb")

    assert copy == election
    assert len(copy.voters) == int(election.meta["num_votes"])
    assert len(copy.projects) == int(election.meta["num_projects"])


def test_a_file_keeps_every_meta_key_column_and_quoted_field():
    election = election_parse(GOOD)

    assert election.meta == {
        "description": "A small test",
        "budget": "100.5",
        "vote_type": "cumulative",
    }
    assert election.budget == Fraction(201, 2)
    assert election.projects == [
        Project("p1", Fraction(161, 4), {"name": "Park; with a bench", "category": "green"}),
        Project("p2", 60, {"name": 'Say "hello"', "category": ""}),
    ]
    assert election.voters == [
        Voter("v1", ("p1", "p2"), (3, 2), {"age": "31"}),
        Voter("v2", (), (), {"age": ""}),
        Voter("v3", ("p2",), (5,), {"age": "70"}),
    ]
    assert election_parse(election_write(election)) == election


def test_ordinal_votes_keep_their_order():
    text = (
        "META\nkey;value\nbudget;10\nvote_type;ordinal\nPROJECTS\nproject_id;cost\na;1\nb;2\n"
        "VOTES\nvoter_id;vote\n1;b,a\n"
    )

    assert election_parse(text).voters[0].vote == ("b", "a")


def test_an_election_built_in_code_is_written_and_read_back():
    election = Election(
        meta={"budget": "500000", "vote_type": "approval", "currency": "RON"},
        projects=[Project("1", 200000), Project("2", Fraction(1, 3))],
        voters=[Voter("a", ("1", "2")), Voter("b", ())],
    )

    text = election_write(election)

    assert "2;1/3" in text
    assert election_parse(text) == election


def test_numbers():
    assert number_parse("400000.0") == 400000
    assert isinstance(number_parse("400000.0"), int)
    assert number_parse("12,50") == Fraction(25, 2)
    assert number_format(Fraction(25, 2)) == "12.5"
    with pytest.raises(ValueError):
        number_parse("twelve")
    with pytest.raises(ValueError):
        number_parse("inf")


HEADER = "META\nkey;value\nbudget;10\nvote_type;approval\nPROJECTS\nproject_id;cost\na;5\n"


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (HEADER + "VOTES\nvoter_id;vote\n1;a\n2;b\n", 11, "unknown project: b"),
        (HEADER + "VOTES\nvoter_id;vote\n1;a\n1;a\n", 11, "Voter id 1 is empty or repeated"),
        (
            HEADER + "VOTES\nvoter_id;vote\n1;a;x\n",
            10,
            "Wrong number of fields: expected 2, found 3",
        ),
        (HEADER + "VOTES\nvoter_id;vote\n1;a,a\n", 10, "names a project twice"),
        (
            HEADER + 'VOTES\nvoter_id;vote\n1;"a";b\n',
            10,
            "Wrong number of fields: expected 2, found 3",
        ),
        (HEADER + "b;five\nVOTES\nvoter_id;vote\n", 8, "cost is not a number: five"),
        (HEADER + "b;-1\nVOTES\nvoter_id;vote\n", 8, "cannot be negative"),
        (HEADER + "a;3\nVOTES\nvoter_id;vote\n", 8, "Project id a is empty or repeated"),
        (HEADER + "VOTES\nvoter;vote\n", 9, "no voter_id column"),
        (
            HEADER.replace("vote_type;approval", "vote_type;magic") + "VOTES\nvoter_id;vote\n1;a\n",
            10,
            "Unknown vote type",
        ),
        (HEADER.replace("vote_type;approval\n", "") + "VOTES\nvoter_id;vote\n", 7, "no vote_type"),
        ("PROJECTS\nproject_id;cost\n", 1, "out of place"),
        ("key;value\n", 1, "does not start with a META section"),
        (
            HEADER.replace("approval", "cumulative") + "VOTES\nvoter_id;vote;points\n1;a;1,2\n",
            10,
            r"\(projects: 1, points: 2\)",
        ),
    ],
)
def test_malformed_files_are_refused_with_the_line(text, line, message):
    with pytest.raises(PabulibError, match=message) as caught:
        election_parse(text)

    assert caught.value.line == line
    assert str(caught.value).startswith(f"Line {line}: ")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (HEADER, "must have META, PROJECTS and VOTES sections"),
        (HEADER.replace("budget;10\n", "") + "VOTES\nvoter_id;vote\n", "no budget"),
        (
            HEADER.replace("budget;10", "budget;ten") + "VOTES\nvoter_id;vote\n",
            "budget is not a number",
        ),
    ],
)
def test_files_missing_a_part_are_refused(text, message):
    with pytest.raises(PabulibError, match=message):
        election_parse(text)


def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(PabulibError, match="No such file"):
        election_read(tmp_path / "nothing.pb")
