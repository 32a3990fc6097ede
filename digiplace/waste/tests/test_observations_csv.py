"""Reading camera-analytics CSV exports: both delimiters, the BOM, Romanian labels, and every
bad row reported with its line, all or nothing."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from digiplace.waste.compliance import ComplianceInputError, ObservationKind
from digiplace.waste.observations_csv import parse_observation_time, read_observations_csv

BUCHAREST = ZoneInfo("Europe/Bucharest")
SITES = {"BT-01", "BT-02", "BT-03"}
NOW = datetime.datetime(2026, 3, 10, 12, tzinfo=datetime.UTC)


def read(data, **options):
    with translation.override("en"):
        result = read_observations_csv(data, known_sites=SITES, now=NOW, **options)
        return result, [error.describe() for error in result.errors]


def test_comma_file_in_any_column_order():
    data = (
        "kind,count,site,time,footage\n"
        "correct_use,3,BT-01,2026-03-02T14:05:00+02:00,NVR-1/clip-0042\n"
        "wrong_fraction,1,BT-02,2026-03-02 23:30,\n"
    )

    result, errors = read(data)

    assert errors == []
    first, second = result.observations
    assert first.at == datetime.datetime(2026, 3, 2, 12, 5, tzinfo=datetime.UTC)
    assert (first.site, first.kind, first.count, first.footage) == (
        "BT-01",
        ObservationKind.CORRECT_USE,
        3,
        "NVR-1/clip-0042",
    )
    # No offset: local time in Bucharest (UTC+2 in March).
    assert second.at == datetime.datetime(2026, 3, 2, 21, 30, tzinfo=datetime.UTC)
    assert (second.kind, second.count, second.footage) == (ObservationKind.WRONG_FRACTION, 1, "")


def test_semicolon_file_with_bom_romanian_labels_and_dates():
    data = (
        "\ufeffTime;Site;Kind;Count\r\n"
        "02.03.2026 08:15;BT-03;Utilizare corectă;2\r\n"
        "02.03.2026 08:16:30;BT-03;DEȘEURI LĂSATE AFARĂ;1\r\n"
        "02.03.2026 08:17;BT-03;Fracţie greşită;1\r\n"  # old cedilla letters
        "02.03.2026 08:18;BT-03;deseuri voluminoase abandonate;1\r\n"
        "02.03.2026 08:19;BT-03;Vandalism;1\r\n"
    ).encode()

    result, errors = read(data)

    assert errors == []
    assert [observation.kind for observation in result.observations] == [
        ObservationKind.CORRECT_USE,
        ObservationKind.WASTE_OUTSIDE,
        ObservationKind.WRONG_FRACTION,
        ObservationKind.BULKY_DUMPED,
        ObservationKind.VANDALISM,
    ]
    assert result.observations[1].at == datetime.datetime(2026, 3, 2, 8, 16, 30, tzinfo=BUCHAREST)
    assert result.observations[0].count == 2


def test_a_bom_in_a_text_string_and_english_labels_are_accepted():
    result, errors = read(
        "\ufefftime,site,kind,count\n2026-03-01 10:00,BT-01,Bulky waste dumped,4\n"
    )

    assert errors == []
    assert result.observations[0].kind is ObservationKind.BULKY_DUMPED


def test_every_bad_row_is_reported_and_nothing_is_returned():
    data = (
        "time;site;kind;count;footage\n"
        "2026-03-02 10:00;BT-01;correct_use;1;\n"  # good
        "2026-03-02 25:00;BT-01;correct_use;1;\n"
        "2026-03-02 10:00;BT-77;correct_use;1;\n"
        "2026-03-02 10:00;BT-01;littering;1;\n"
        "2026-03-02 10:00;BT-01;correct_use;0;\n"
        "2026-03-02 10:00;BT-01;correct_use;2.5;\n"
        "2026-03-02 10:00;BT-01;correct_use;;\n"
        "2026-03-11 10:00;BT-01;correct_use;1;\n"
        "2026-03-02 10:00;BT-01;correct_use;1;data:image/jpeg;base64,/9j/4AAQ\n"
        "2026-03-02 10:00;BT-01;correct_use;1;" + "x" * 201 + "\n"
        "\n"
        '2026-03-02 10:00;"BT-02\n";wrong;-1;\n'
    )

    result, errors = read(data)

    assert result.observations == ()
    assert not result.is_valid
    assert errors == [
        'Line 3: Bad time "2026-03-02 25:00": write a date and time such as 2026-03-02 14:05 '
        "or 2026-03-02T14:05:00+02:00.",
        'Line 4: Unknown site "BT-77".',
        'Line 5: Unknown kind "littering": use correct_use, wrong_fraction, waste_outside, '
        "bulky_dumped or vandalism.",
        'Line 6: The count "0" is not a whole number from 1 to 10000.',
        'Line 7: The count "2.5" is not a whole number from 1 to 10000.',
        'Line 8: The count "" is not a whole number from 1 to 10000.',
        'Line 9: The time "2026-03-11 10:00" is in the future.',
        "Line 10: 6 fields where the header has 5.",  # the data: URL's own ";" split it
        "Line 11: A footage reference is at most 200 characters long.",
        # Line 12 is blank; the quoted site spans lines 13-14 (its spaces and line end are
        # trimmed) and the row has two faults.
        'Line 13: Unknown kind "wrong": use correct_use, wrong_fraction, waste_outside, '
        "bulky_dumped or vandalism.",
        'Line 13: The count "-1" is not a whole number from 1 to 10000.',
    ]


def test_a_data_url_in_a_quoted_footage_field_is_refused():
    data = (
        'time,site,kind,count,footage\n2026-03-02 10:00,BT-01,vandalism,1,"DATA:image/png,AAAA"\n'
    )

    result, errors = read(data)

    assert result.observations == ()
    assert errors == [
        "Line 2: A footage reference must point to footage, not contain it (no data: URLs)."
    ]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            "time,site,kind,count,face_image\n",
            [
                "Line 1: Unknown columns: face_image. Only time, site, kind, count and footage "
                "are accepted; no column may carry images or faces."
            ],
        ),
        ("time,site,kind\n", ["Line 1: Missing columns: count."]),
        ("time,site,kind,count,Count\n", ["Line 1: Repeated columns: count."]),
        ("", ["Line 1: The file is empty: it needs a header row."]),
        ("time,site,kind,count\n", ["The file has no observations."]),
        (
            "2026-03-02 10:00,BT-01,correct_use,1\n",
            [
                "Line 1: Unknown columns: 2026-03-02 10:00, BT-01, correct_use, 1. Only time, "
                "site, kind, count and footage are accepted; no column may carry images or faces.",
                "Line 1: Missing columns: time, site, kind, count.",
            ],
        ),
        (b"time,site,kind,count\n\xff\xfe,BT-01\n", ["The file is not UTF-8 text."]),
        (
            'time,site,kind,count\n"2026-03-02 10:00"x,BT-01,correct_use,1\n',
            ["Line 2: This is not valid CSV (',' expected after '\"')."],
        ),
    ],
)
def test_bad_files_are_refused_whole(data, expected):
    result, errors = read(data)

    assert result.observations == ()
    assert errors == expected


def test_a_local_time_skipped_by_daylight_saving_is_a_bad_time():
    # Clocks go from 03:00 to 04:00 in Bucharest on 29 March 2026.
    assert parse_observation_time("2026-03-29 03:30", BUCHAREST) is None
    assert parse_observation_time("2026-03-29 04:30", BUCHAREST) == datetime.datetime(
        2026, 3, 29, 1, 30, tzinfo=datetime.UTC
    )
    assert parse_observation_time("31.02.2026 10:00", BUCHAREST) is None


def test_the_caller_must_give_an_aware_now_and_a_known_zone():
    with translation.override("en"):
        with pytest.raises(ComplianceInputError, match="time zone"):
            read_observations_csv(
                "time,site,kind,count\n",
                known_sites=SITES,
                now=datetime.datetime(2026, 3, 10),  # noqa: DTZ001
            )
        with pytest.raises(ComplianceInputError, match="Unknown time zone"):
            read_observations_csv("", known_sites=SITES, now=NOW, time_zone="Nowhere/Town")
