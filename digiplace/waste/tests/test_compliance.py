"""Sorting compliance: weekly rates and the before/after analysis on hand-computed examples.

Reference figures, worked by hand from the formulas (z = 1.959964, z^2 = 3.841459):

Wilson interval for x of n: centre (x + z^2/2)/(n + z^2), half-width
z*sqrt(x(n-x)/n + z^2/4)/(n + z^2).
- 10/20: centre 11.920730/23.841459 = 0.5, half 1.959964*sqrt(5 + 0.960365)/23.841459
  = 0.200702 -> (0.299298, 0.700702)
- 16/20: centre 17.920730/23.841459 = 0.751662, half 1.959964*sqrt(3.2 + 0.960365)/23.841459
  = 0.167680 -> (0.583983, 0.919342)
- 12/20: centre 13.920730/23.841459 = 0.583888, half 1.959964*sqrt(4.8 + 0.960365)/23.841459
  = 0.197306 -> (0.386582, 0.781194)

Camera example, before 10/20 = 0.5, after 16/20 = 0.8, difference 0.3:
- Newcombe low 0.3 - sqrt((0.8 - 0.583983)^2 + (0.700702 - 0.5)^2) = 0.3 - 0.294864 = 0.005136
- Newcombe high 0.3 + sqrt((0.919342 - 0.8)^2 + (0.5 - 0.299298)^2) = 0.3 + 0.233503 = 0.533503
- pooled 26/40 = 0.65, z = 0.3/sqrt(0.65*0.35*(1/20 + 1/20)) = 0.3/0.150831 = 1.988981,
  p = 2*(1 - Phi(1.988981)) = 0.04670

Control sites, before 10/20 = 0.5, after 12/20 = 0.6, difference 0.1:
- low 0.1 - sqrt((0.6 - 0.386582)^2 + 0.200702^2) = -0.192965
- high 0.1 + sqrt((0.781194 - 0.6)^2 + 0.200702^2) = 0.370393
Difference in differences 0.3 - 0.1 = 0.2:
- low 0.2 - sqrt(0.294864^2 + (0.370393 - 0.1)^2) = 0.2 - 0.400071 = -0.200071
- high 0.2 + sqrt(0.233503^2 + (0.1 + 0.192965)^2) = 0.2 + 0.374637 = 0.574637
- z = 0.2/sqrt((0.25 + 0.16 + 0.25 + 0.24)/20) = 0.2/0.212132 = 0.942809, p = 0.34578
"""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from digiplace.waste.compliance import (
    ComplianceInputError,
    Observation,
    ObservationKind,
    Verdict,
    change_windows,
    compliance_by_site_week,
    compliance_change,
    design_effect,
)

BUCHAREST = ZoneInfo("Europe/Bucharest")
CAMERA_START = datetime.date(2026, 3, 2)  # a Monday
K = ObservationKind


def at(day: int, hour: int = 10, month: int = 3) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, tzinfo=BUCHAREST)


def seen(moment, site, kind, count=1):
    return Observation(at=moment, site=site, kind=kind, count=count)


def camera_example(control: bool = False) -> list[Observation]:
    """Before (week of 23 Feb): 10 correct of 20 uses; after (week of 2 Mar): 16 of 20."""
    observations = [
        seen(at(24, month=2), "BT-01", K.CORRECT_USE, 10),
        seen(at(25, month=2), "BT-01", K.WRONG_FRACTION, 6),
        seen(at(26, month=2), "BT-01", K.WASTE_OUTSIDE, 3),
        seen(at(27, month=2), "BT-01", K.BULKY_DUMPED, 1),
        seen(at(27, month=2), "BT-01", K.VANDALISM, 2),  # not a use event
        seen(at(3), "BT-01", K.CORRECT_USE, 16),
        seen(at(4), "BT-01", K.WRONG_FRACTION, 4),
        seen(at(4), "BT-01", K.VANDALISM, 5),
        seen(at(4), "BT-99", K.WRONG_FRACTION, 50),  # neither watched nor control: ignored
    ]
    if control:
        observations += [
            seen(at(24, month=2), "BT-50", K.CORRECT_USE, 10),
            seen(at(24, month=2), "BT-50", K.WASTE_OUTSIDE, 10),
            seen(at(5), "BT-50", K.CORRECT_USE, 12),
            seen(at(5), "BT-50", K.WRONG_FRACTION, 8),
        ]
    return observations


def test_weekly_rates_count_use_events_and_report_vandalism_apart():
    rows = compliance_by_site_week(camera_example())

    by_key = {(row.site, row.iso_week): row for row in rows}
    assert sorted(by_key) == [("BT-01", 9), ("BT-01", 10), ("BT-99", 10)]
    before = by_key[("BT-01", 9)]
    assert before.week_start == datetime.date(2026, 2, 23)
    assert before.counts.use_events == 20
    assert before.counts.vandalism == 2
    assert before.rate == pytest.approx(0.5)
    assert by_key[("BT-01", 10)].rate == pytest.approx(0.8)
    assert by_key[("BT-99", 10)].rate == 0


def test_weeks_are_local_iso_weeks():
    # Sunday 22:30 UTC is Monday 00:30 in Bucharest: the next ISO week there, not in UTC.
    moment = datetime.datetime(2026, 3, 1, 22, 30, tzinfo=datetime.UTC)
    observation = seen(moment, "BT-01", K.CORRECT_USE)

    (local,) = compliance_by_site_week([observation])
    (utc,) = compliance_by_site_week([observation], time_zone="UTC")

    assert (local.iso_year, local.iso_week, local.week_start) == (2026, 10, CAMERA_START)
    assert (utc.iso_week, utc.week_start) == (9, datetime.date(2026, 2, 23))


def test_a_week_of_vandalism_only_has_no_rate():
    (row,) = compliance_by_site_week([seen(at(3), "BT-01", K.VANDALISM, 3)])

    assert row.counts.use_events == 0
    assert row.rate is None


def test_hand_computed_before_after():
    change = compliance_change(camera_example(), sites=["BT-01"], start=CAMERA_START)

    assert (change.before.correct_use, change.before.use_events) == (10, 20)
    assert (change.after.correct_use, change.after.use_events) == (16, 20)
    assert change.before.counts.vandalism == 2
    assert change.before.design_effect == 1.0  # one site-week per period
    difference = change.difference
    assert difference is not None
    assert difference.estimate == pytest.approx(0.3)
    assert difference.low == pytest.approx(0.005136, abs=1e-5)
    assert difference.high == pytest.approx(0.533503, abs=1e-5)
    assert difference.p_value == pytest.approx(0.04670, abs=1e-5)
    assert change.verdict is Verdict.HIGHER
    assert change.difference_in_differences is None
    assert change.controlled_verdict is None


def test_hand_computed_difference_in_differences():
    change = compliance_change(
        camera_example(control=True), sites=["BT-01"], control_sites=["BT-50"], start=CAMERA_START
    )

    control = change.control_difference
    assert control is not None
    assert control.estimate == pytest.approx(0.1)
    assert control.low == pytest.approx(-0.192965, abs=1e-5)
    assert control.high == pytest.approx(0.370393, abs=1e-5)
    did = change.difference_in_differences
    assert did is not None
    assert did.estimate == pytest.approx(0.2)
    assert did.low == pytest.approx(-0.200071, abs=1e-5)
    assert did.high == pytest.approx(0.574637, abs=1e-5)
    assert did.p_value == pytest.approx(0.34578, abs=1e-5)
    assert change.verdict is Verdict.HIGHER
    assert change.controlled_verdict is Verdict.NO_SIGNIFICANT_CHANGE


def test_messages_state_the_verdict_with_its_numbers():
    change = compliance_change(
        camera_example(control=True), sites=["BT-01"], control_sites=["BT-50"], start=CAMERA_START
    )

    with translation.override("en"):
        message = change.message()
        controlled = change.controlled_message()

    assert message == (
        "Compliance went from 50.0% before to 80.0% after, a change of +30.0 percentage points "
        "(95% confidence interval 0.5 to 53.4, p = 0.047): higher, and the difference is "
        "significant at 5%."
    )
    assert controlled == (
        "Beyond the change at the comparison sites, compliance changed by +20.0 percentage "
        "points (95% confidence interval -20.0 to 57.5, p = 0.346): no significant difference "
        "at 5%."
    )


def test_clustering_by_week_widens_the_interval():
    # Before: weeks of 8/10 and 2/10, rate 0.5 over 20. Cluster-robust variance
    # 2/1 * ((8 - 5)^2 + (2 - 5)^2) / 20^2 = 0.09 against binomial 0.25/20 = 0.0125:
    # design effect 7.2. After: 9/10 twice, no spread between weeks: design effect 1.
    # Effective before: 10/7.2 of 20/7.2. Pooled (1.388889 + 18)/(2.777778 + 20) = 0.851220,
    # z = 0.4/sqrt(0.851220*0.148780*(1/2.777778 + 1/20)) = 1.755391, p = 0.07919.
    # Without clustering: pooled 28/40, z = 0.4/sqrt(0.7*0.3*0.1) = 2.760262, p = 0.005775.
    observations = [
        seen(at(17, month=2), "BT-01", K.CORRECT_USE, 8),
        seen(at(17, month=2), "BT-01", K.WRONG_FRACTION, 2),
        seen(at(24, month=2), "BT-01", K.CORRECT_USE, 2),
        seen(at(24, month=2), "BT-01", K.WRONG_FRACTION, 8),
        seen(at(3), "BT-01", K.CORRECT_USE, 9),
        seen(at(3), "BT-01", K.WASTE_OUTSIDE, 1),
        seen(at(10), "BT-01", K.CORRECT_USE, 9),
        seen(at(10), "BT-01", K.WASTE_OUTSIDE, 1),
    ]

    clustered = compliance_change(observations, sites=["BT-01"], start=CAMERA_START)
    independent = compliance_change(
        observations, sites=["BT-01"], start=CAMERA_START, cluster_by_week=False
    )

    assert clustered.before.design_effect == pytest.approx(7.2)
    assert clustered.after.design_effect == 1.0
    assert clustered.before.site_weeks == 2
    assert clustered.difference is not None
    assert independent.difference is not None
    assert clustered.difference.p_value == pytest.approx(0.07919, abs=1e-5)
    assert independent.difference.p_value == pytest.approx(0.005775, abs=1e-5)
    assert clustered.difference.low < independent.difference.low
    assert clustered.verdict is Verdict.NO_SIGNIFICANT_CHANGE
    assert independent.verdict is Verdict.HIGHER


def test_design_effect_is_never_below_one():
    assert design_effect([(5, 10), (5, 10), (5, 10)]) == 1.0
    assert design_effect([(7, 10)]) == 1.0
    assert design_effect([(10, 10), (20, 20)]) == 1.0
    assert design_effect([(0, 0), (3, 10)]) == 1.0  # empty weeks do not count


def test_no_observations_before_is_insufficient_data():
    after_only = [o for o in camera_example() if o.at.date() >= CAMERA_START]

    change = compliance_change(after_only, sites=["BT-01"], start=CAMERA_START)

    assert change.difference is None
    assert change.verdict is Verdict.INSUFFICIENT_DATA
    assert change.before.use_events == 0
    assert change.before.rate is None
    with translation.override("en"):
        assert change.message() == (
            "Not enough data to compare: each period needs at least 10 use events, and there "
            "were 0 before and 20 after."
        )


def test_too_few_control_events_give_no_difference_in_differences():
    observations = [*camera_example(), seen(at(24, month=2), "BT-50", K.CORRECT_USE, 3)]

    change = compliance_change(
        observations, sites=["BT-01"], control_sites=["BT-50"], start=CAMERA_START
    )

    assert change.difference is not None
    assert change.difference_in_differences is None
    assert change.controlled_verdict is Verdict.INSUFFICIENT_DATA
    with translation.override("en"):
        assert "at least 10 use events" in (change.controlled_message() or "")


def test_all_correct_on_both_sides_is_no_change():
    observations = [
        seen(at(24, month=2), "BT-01", K.CORRECT_USE, 30),
        seen(at(3), "BT-01", K.CORRECT_USE, 25),
    ]

    change = compliance_change(observations, sites=["BT-01"], start=CAMERA_START)

    assert change.difference is not None
    assert change.difference.estimate == 0
    assert change.difference.p_value == 1.0
    assert change.difference.low < 0 < change.difference.high
    assert change.verdict is Verdict.NO_SIGNIFICANT_CHANGE


def test_from_all_wrong_to_all_correct_is_significant():
    observations = [
        seen(at(24, month=2), "BT-01", K.WRONG_FRACTION, 12),
        seen(at(3), "BT-01", K.CORRECT_USE, 12),
    ]

    change = compliance_change(observations, sites=["BT-01"], start=CAMERA_START)

    assert change.difference is not None
    assert change.difference.estimate == 1.0
    assert 0 < change.difference.low < change.difference.high <= 1.0
    assert change.verdict is Verdict.HIGHER


def test_a_campaign_leaves_out_its_own_days_and_windows_limit_each_side():
    observations = [
        seen(at(9, month=2), "BT-01", K.WRONG_FRACTION, 40),  # 3 weeks before: out of window
        seen(at(24, month=2), "BT-01", K.CORRECT_USE, 10),
        seen(at(25, month=2), "BT-01", K.WRONG_FRACTION, 10),
        seen(at(4), "BT-01", K.WRONG_FRACTION, 99),  # during the campaign
        seen(at(9), "BT-01", K.CORRECT_USE, 18),
        seen(at(10), "BT-01", K.WRONG_FRACTION, 2),
        seen(at(30), "BT-01", K.WRONG_FRACTION, 40),  # 3 weeks after: out of window
    ]

    change = compliance_change(
        observations,
        sites=["BT-01"],
        start=datetime.date(2026, 3, 2),
        end=datetime.date(2026, 3, 8),
        weeks=2,
    )

    assert change.before_window.start == datetime.datetime(2026, 2, 16, tzinfo=BUCHAREST)
    assert change.after_window.start == datetime.datetime(2026, 3, 9, tzinfo=BUCHAREST)
    assert change.after_window.end == datetime.datetime(2026, 3, 23, tzinfo=BUCHAREST)
    assert (change.before.correct_use, change.before.use_events) == (10, 20)
    assert (change.after.correct_use, change.after.use_events) == (18, 20)


def test_windows_keep_local_midnight_across_daylight_saving_time():
    # Summer time begins on 29 March 2026: two weeks after 23 March is still local midnight.
    before, after = change_windows(start=datetime.date(2026, 3, 23), weeks=2)

    assert after.end == datetime.datetime(2026, 4, 6, tzinfo=BUCHAREST)
    assert after.end is not None and after.end.utcoffset() == datetime.timedelta(hours=3)
    assert before.start is not None and before.start.utcoffset() == datetime.timedelta(hours=2)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"sites": []}, "Choose at least one site to analyse."),
        (
            {"sites": ["BT-01"], "control_sites": ["BT-01"]},
            "A site cannot be both analysed and a control site: BT-01.",
        ),
        ({"sites": ["BT-01"], "weeks": 0}, "The number of weeks must be a positive whole number."),
        ({"sites": ["BT-01"], "confidence": 1.5}, "The confidence level must be between 0 and 1."),
        ({"sites": ["BT-01"], "end": datetime.date(2026, 2, 1)}, "cannot end before it starts"),
        ({"sites": ["BT-01"], "time_zone": "Mars/Olympus"}, "Unknown time zone: Mars/Olympus."),
        (
            {"sites": ["BT-01"], "start": datetime.datetime(2026, 3, 2, 10)},  # noqa: DTZ001
            "must have a time zone",
        ),
    ],
)
def test_bad_arguments_are_refused_with_a_message(arguments, message):
    arguments = {"start": CAMERA_START, **arguments}

    with translation.override("en"), pytest.raises(ComplianceInputError, match=message):
        compliance_change(camera_example(), **arguments)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"count": 0}, "positive whole number"),
        ({"count": True}, "positive whole number"),
        ({"at": datetime.datetime(2026, 3, 2, 10)}, "time zone"),  # noqa: DTZ001
        ({"site": " "}, "needs a site"),
        ({"kind": "correct_use"}, "Unknown observation kind"),
        ({"footage": "data:image/png;base64,AAAA"}, "no data: URLs"),
        ({"footage": "x" * 201}, "at most 200 characters"),
    ],
)
def test_bad_observations_are_refused(fields, message):
    values = {"at": at(3), "site": "BT-01", "kind": K.CORRECT_USE, "count": 1, **fields}

    with translation.override("en"), pytest.raises(ComplianceInputError, match=message):
        Observation(**values)


def test_a_fall_in_compliance_is_called_lower():
    # Before 18/20 = 0.9, after 4/20 = 0.2: pooled 22/40 = 0.55,
    # z = -0.7/sqrt(0.55*0.45*0.1) = -4.449467, p = 8.6e-6.
    observations = [
        seen(at(24, month=2), "BT-01", K.CORRECT_USE, 18),
        seen(at(24, month=2), "BT-01", K.WASTE_OUTSIDE, 2),
        seen(at(3), "BT-01", K.CORRECT_USE, 4),
        seen(at(3), "BT-01", K.WRONG_FRACTION, 16),
    ]

    change = compliance_change(observations, sites=["BT-01"], start=CAMERA_START)

    assert change.difference is not None
    assert change.difference.p_value == pytest.approx(8.6e-6, rel=0.01)
    assert change.verdict is Verdict.LOWER
    with translation.override("en"):
        message = change.message()
    assert message.startswith("Compliance went from 90.0% before to 20.0% after, a change of -70.0")
    assert message.endswith("p < 0.001): lower, and the difference is significant at 5%.")
