"""Fill forecasts on synthetic histories whose right answers are known."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest

from digiplace.waste.forecast import (
    HOURS_PER_WEEK,
    FillHistory,
    FillObservation,
    FillPrior,
    FillSegment,
    ForecastInputError,
    WeekProfile,
    fill_model_fit,
    fill_prior_fit,
    fill_segments,
    week_profile_fit,
)
from digiplace.waste.forecast.fit import _hours_by_week_hour

BUCHAREST = ZoneInfo("Europe/Bucharest")
HOUR = datetime.timedelta(hours=1)
# A Monday, 00:00 local time in Bucharest.
MONDAY = datetime.datetime(2026, 5, 4, tzinfo=BUCHAREST)


def flat_prior(rate: float = 0.01, **options: float) -> FillPrior:
    return FillPrior(rate, WeekProfile.flat(), **options)


def weekday_rate(moment: datetime.datetime) -> float:
    """The true rate of the weekday/weekend containers: 2 %/h on weekdays, 0.5 %/h at weekends."""
    return 0.02 if moment.astimezone(BUCHAREST).weekday() < 5 else 0.005


def integrate(start: datetime.datetime, end: datetime.datetime) -> float:
    """The true fill gained from start to end, minute by minute."""
    total, moment, step = 0.0, start, datetime.timedelta(minutes=1)
    while moment < end:
        total += weekday_rate(moment) / 60
        moment += step
    return total


def weekday_weekend_histories() -> list[FillHistory]:
    """Containers emptied at staggered times, each read once before it would pass 90%."""
    histories = []
    for container in range(6):
        emptyings, readings = [], []
        moment = MONDAY + container * 7 * HOUR
        for cycle in range(14):
            duration = (20 + 5 * ((cycle + container) % 5)) * HOUR
            emptyings.append(moment)
            readings.append(
                FillObservation(moment + duration, integrate(moment, moment + duration))
            )
            moment += duration + 3 * HOUR
        histories.append(FillHistory(observations=readings, emptyings=emptyings))
    return histories


def test_week_profile_learns_faster_weekdays_than_weekends() -> None:
    # Given containers that fill four times faster on weekdays than at weekends
    histories = weekday_weekend_histories()

    # When the shared week profile is learned
    profile = week_profile_fit(histories, time_zone="Europe/Bucharest", smoothing_hours=1)

    # Then weekday hours weigh about four times weekend hours
    weekday = sum(profile.weights[: 5 * 24]) / (5 * 24)
    weekend = sum(profile.weights[5 * 24 :]) / (2 * 24)
    assert weekday / weekend == pytest.approx(4.0, rel=0.1)


def test_week_profile_learns_under_a_growth_curve() -> None:
    # Given containers on a square-root curve of the true profile's hours (weekdays x4)
    true_profile = WeekProfile(
        tuple(4.0 if hour < 5 * 24 else 1.0 for hour in range(HOURS_PER_WEEK)), "Europe/Bucharest"
    )
    histories = []
    for container in range(6):
        emptyings, readings = [], []
        moment = MONDAY + container * 5 * HOUR
        for cycle in range(14):
            duration = (10 + 7 * ((cycle + container) % 6)) * HOUR
            hours = true_profile.profile_hours(moment, moment + duration)
            emptyings.append(moment)
            readings.append(FillObservation(moment + duration, 0.1 * hours**0.5))
            moment += duration + 2 * HOUR
        histories.append(FillHistory(observations=readings, emptyings=emptyings))

    # When the profile is learned knowing the curve, and as if growth were linear
    curved = week_profile_fit(histories, growth_exponent=0.5, smoothing_hours=1)
    linear = week_profile_fit(histories, smoothing_hours=1)

    # Then the curve-aware fit finds weekdays four times weekends, the linear one does not
    def ratio(profile: WeekProfile) -> float:
        weekday = sum(profile.weights[: 5 * 24]) / (5 * 24)
        return weekday / (sum(profile.weights[5 * 24 :]) / (2 * 24))

    assert ratio(curved) == pytest.approx(4.0, rel=0.1)
    assert ratio(linear) < 3.0


def test_hours_by_week_hour_in_bulk_and_across_summer_time() -> None:
    zone = ZoneInfo("Europe/Bucharest")
    for start, hours in (
        (datetime.datetime(2026, 5, 6, 13, 25, tzinfo=datetime.UTC), 50.5),
        (datetime.datetime(2026, 3, 27, 13, 25, tzinfo=datetime.UTC), 70.25),
    ):
        end = start + hours * HOUR
        segment = FillSegment(end, 0.5, hours, is_censored=False)
        expected = [0.0] * HOURS_PER_WEEK
        moment = start
        while moment < end:
            local = moment.astimezone(zone)
            expected[local.weekday() * 24 + local.hour] += 1 / 60
            moment += datetime.timedelta(minutes=1)
        assert _hours_by_week_hour(segment, zone).tolist() == pytest.approx(expected, abs=1e-6)


def test_weekday_profile_predicts_over_a_weekend() -> None:
    # Given the true profile and a container emptied on Friday at 12:00
    weights = tuple(4.0 if hour < 5 * 24 else 1.0 for hour in range(HOURS_PER_WEEK))
    profile = WeekProfile(weights, "Europe/Bucharest")
    emptied = MONDAY + datetime.timedelta(days=4, hours=12)
    history = FillHistory(
        observations=[FillObservation(MONDAY + 30 * HOUR, integrate(MONDAY, MONDAY + 30 * HOUR))],
        emptyings=[MONDAY, emptied],
    )
    model = fill_model_fit(history, prior=FillPrior(0.01, profile, weight_hours=1e-3))

    # When its fill is predicted for Monday 12:00 and for Saturday 06:00
    monday = emptied + datetime.timedelta(days=3)
    saturday = emptied + 18 * HOUR

    # Then it is the true fill: 12 h fast, 48 h slow, 12 h fast; 12 h fast, 6 h slow
    assert model.predict_fill(monday) == pytest.approx(24 * 0.02 + 48 * 0.005, rel=1e-3)
    assert model.predict_fill(saturday) == pytest.approx(12 * 0.02 + 6 * 0.005, rel=1e-3)
    # And 60% is reached 6 fast hours after Monday 00:00 (the prior's sliver aside)
    reached = model.time_to_threshold(0.6, now=emptied)
    assert reached is not None
    assert abs(reached - (monday - 6 * HOUR)) < datetime.timedelta(seconds=5)


def test_recent_rate_follows_a_rate_change() -> None:
    # Given a container at 1 %/h for four weeks, then at 3 %/h for a week, read every 24 h
    emptyings, readings = [], []
    for day in range(35):
        start = MONDAY + datetime.timedelta(days=day)
        emptyings.append(start)
        rate = 0.01 if day < 28 else 0.03
        readings.append(FillObservation(start + 23 * HOUR, 23 * rate))
    history = FillHistory(observations=readings, emptyings=emptyings)
    prior = flat_prior(0.01, weight_hours=1.0)
    now = emptyings[-1] + 23 * HOUR

    # When it is fitted with a short half-life, and with none
    recent = fill_model_fit(history, prior=prior, now=now, half_life=datetime.timedelta(days=2))
    overall = fill_model_fit(history, prior=prior, now=now, half_life=None)

    # Then the short half-life sees mostly the new rate, the long view the average
    assert recent.rate_per_hour == pytest.approx(0.03, abs=0.003)
    assert overall.rate_per_hour == pytest.approx((28 * 0.01 + 7 * 0.03) / 35, rel=0.02)


def test_emptying_resets_the_fill() -> None:
    # Given readings, an emptying, and no reading since
    history = FillHistory(
        observations=[
            FillObservation(MONDAY + 10 * HOUR, 0.2),
            FillObservation(MONDAY + 20 * HOUR, 0.4),
        ],
        emptyings=[MONDAY, MONDAY + 20 * HOUR],
    )

    # When it is fitted
    model = fill_model_fit(history, prior=flat_prior(weight_hours=1e-6))

    # Then the reading at the emptying's moment is the fill found (one 20-hour cycle) and the
    # prediction restarts from 0 at the emptying
    assert [s.increment for s in fill_segments(history, profile=WeekProfile.flat())] == [0.4]
    assert model.rate_per_hour == pytest.approx(0.02)
    assert model.anchor_level == 0.0
    assert model.predict_fill(MONDAY + 30 * HOUR) == pytest.approx(0.2)


def test_threshold_weeks_ahead_and_planning() -> None:
    # Given a slow container on a weekday profile, emptied on a Wednesday afternoon
    weights = tuple(4.0 if hour < 5 * 24 else 1.0 for hour in range(HOURS_PER_WEEK))
    prior = FillPrior(0.01, WeekProfile(weights, "Europe/Bucharest"), growth_exponent=0.8)
    emptied = MONDAY + datetime.timedelta(days=2, hours=15, minutes=20)
    model = fill_model_fit(FillHistory(emptyings=[emptied]), prior=prior)
    now = emptied + 30 * HOUR

    # When the times to several thresholds are asked
    for threshold in (0.3, 0.5, 0.8, 0.95):
        reached = model.time_to_threshold(threshold, now=now)

        # Then the prediction at that moment is the threshold, and not an hour earlier
        assert reached is not None
        assert model.predict_fill(reached) == pytest.approx(threshold, abs=1e-9)
        assert model.predict_fill(reached - HOUR) < threshold

    # And the planning question follows the same answer
    reached = model.time_to_threshold(0.5, now=now)
    assert reached is not None
    assert model.is_due(0.5, now=now, next_visit=reached + HOUR)
    assert not model.is_due(0.5, now=now, next_visit=reached - HOUR)
    assert model.time_to_threshold(0.8, now=now, horizon=datetime.timedelta(days=1)) is None


def test_a_reading_after_the_emptying_is_the_anchor() -> None:
    # Given a container read at 30% 5 hours after its emptying, on a square-root curve
    prior = FillPrior(0.1, WeekProfile.flat(), weight_hours=1.0, growth_exponent=0.5)
    history = FillHistory(
        observations=[FillObservation(MONDAY + 5 * HOUR, 0.3)], emptyings=[MONDAY]
    )
    model = fill_model_fit(history, prior=prior)

    # When it is predicted 4 hours later
    predicted = model.predict_fill(MONDAY + 9 * HOUR)

    # Then it adds the curve's gain from hour 5 to hour 9 to the reading
    assert predicted == pytest.approx(0.3 + model.rate_per_hour * (9**0.5 - 5**0.5))
    reached = model.time_to_threshold(0.8, now=MONDAY + 9 * HOUR)
    assert reached is not None
    assert model.predict_fill(reached) == pytest.approx(0.8, abs=1e-6)


def test_a_fall_in_the_readings_is_an_unrecorded_emptying() -> None:
    # Given hourly readings with some noise, and an emptying nobody recorded after hour 3
    levels = (0.1, 0.3, 0.27, 0.5, 0.05, 0.25)
    history = FillHistory(
        observations=[
            FillObservation(MONDAY + hour * HOUR, level) for hour, level in enumerate(levels)
        ]
    )

    # When its cycles are found and it is fitted
    segments = fill_segments(history, profile=WeekProfile.flat())
    model = fill_model_fit(history, prior=flat_prior(weight_hours=1e-6), half_life=None)

    # Then the small fall is noise, the large one a new cycle opened by its reading
    assert [(s.increment, s.profile_hours) for s in segments] == [
        pytest.approx((0.4, 3.0)),
        pytest.approx((0.2, 1.0)),
    ]
    assert not any(s.is_from_emptying for s in segments)
    assert model.rate_per_hour == pytest.approx(0.6 / 4)
    assert (model.anchor_at, model.anchor_level, model.cycle_start) == (
        MONDAY + 5 * HOUR,
        0.25,
        None,
    )


def test_no_history_gives_the_prior() -> None:
    # Given a container only emptied, and a prior of 2 %/h
    history = FillHistory(emptyings=[MONDAY])

    # When it is fitted
    model = fill_model_fit(history, prior=flat_prior(0.02))

    # Then it fills at the prior's rate from the emptying
    assert model.rate_per_hour == 0.02
    assert model.predict_fill(MONDAY + 10 * HOUR) == pytest.approx(0.2)
    assert model.time_to_threshold(0.8, now=MONDAY) == MONDAY + 40 * HOUR


def test_a_known_nothing_is_a_clear_error() -> None:
    model = fill_model_fit(FillHistory(), prior=flat_prior())

    assert model.rate_per_hour == 0.01
    with pytest.raises(ForecastInputError, match="No fill reading or emptying is known"):
        model.predict_fill(MONDAY)


def test_capped_readings_are_censored() -> None:
    # Given a container filling at 5 %/h, read at 15 h (75%) and at 30 h (capped at 100%)
    emptyings, readings = [], []
    for cycle in range(10):
        start = MONDAY + cycle * 40 * HOUR
        emptyings.append(start)
        hours = 15 if cycle % 2 else 30
        readings.append(FillObservation(start + hours * HOUR, min(1.0, 0.05 * hours)))
    history = FillHistory(observations=readings, emptyings=emptyings)

    # When it is fitted
    model = fill_model_fit(history, prior=flat_prior(weight_hours=1.0), half_life=None)

    # Then the capped cycles do not drag the rate down to 1.75 / 45 per hour
    assert model.rate_per_hour == pytest.approx(0.05, rel=0.02)


def test_threshold_answers() -> None:
    model = fill_model_fit(FillHistory(emptyings=[MONDAY]), prior=flat_prior(0.01))
    stopped = fill_model_fit(FillHistory(emptyings=[MONDAY]), prior=flat_prior(0.0))

    assert model.time_to_threshold(0.05, now=MONDAY + 10 * HOUR) == MONDAY + 10 * HOUR
    assert model.time_to_threshold(1.0, now=MONDAY) == MONDAY + 100 * HOUR
    assert stopped.time_to_threshold(0.8, now=MONDAY) is None


def test_profile_hours_across_summer_time() -> None:
    # Given a profile that weighs Sunday 02:00-05:00 local time ten times
    weights = [1.0] * HOURS_PER_WEEK
    for hour in (6 * 24 + 2, 6 * 24 + 3, 6 * 24 + 4):
        weights[hour] = 10.0
    profile = WeekProfile(tuple(weights), "Europe/Bucharest")
    scale = profile.weights[0]
    # Sunday 29 March 2026: Bucharest skips 03:00-04:00 local
    start = datetime.datetime(2026, 3, 28, 22, tzinfo=datetime.UTC)
    end = start + 24 * HOUR

    # When the profile is integrated over that real day, hour by hour and at once
    by_hour = sum(
        profile.profile_hours(start + h * HOUR, start + (h + 1) * HOUR) for h in range(24)
    )

    # Then both count the two heavy hours that exist that night, and 22 ordinary ones
    assert profile.profile_hours(start, end) == pytest.approx(by_hour)
    assert by_hour == pytest.approx(scale * (22 + 2 * 10))


def test_prior_fit_is_the_median_rate() -> None:
    histories = [
        FillHistory(observations=[FillObservation(MONDAY + 10 * HOUR, level)], emptyings=[MONDAY])
        for level in (0.1, 0.2, 0.9)
    ]

    prior = fill_prior_fit(histories, profile=WeekProfile.flat())

    assert prior.rate_per_hour == pytest.approx(0.02)
    with pytest.raises(ForecastInputError, match="No container has enough fill history"):
        fill_prior_fit([FillHistory()], profile=WeekProfile.flat())


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda: FillObservation(datetime.datetime(2026, 5, 4, 12), 0.5),  # noqa: DTZ001
            "An observation's time must be a date and time with a time zone.",
        ),
        (lambda: FillObservation(MONDAY, 1.5), "A fill level must be a number from 0 to 1"),
        (
            lambda: FillHistory(emptyings=[datetime.datetime(2026, 5, 4)]),  # noqa: DTZ001
            "An emptying's time must be a date and time with a time zone.",
        ),
        (lambda: WeekProfile(time_zone="Europe/Atlantis"), "Unknown time zone: Europe/Atlantis."),
        (lambda: WeekProfile((1.0,) * 24), "A week profile needs 168 hourly weights."),
        (
            lambda: WeekProfile((0.0,) * HOURS_PER_WEEK),
            "weights must be zero or more, and not all zero.",
        ),
        (lambda: FillPrior(-0.1), "The prior fill rate must be zero or more."),
        (lambda: FillPrior(0.1, growth_exponent=0.0), "The growth exponent must be more than 0"),
        (
            lambda: fill_model_fit(
                FillHistory(), prior=flat_prior(), half_life=datetime.timedelta(0)
            ),
            "The half-life must be longer than zero.",
        ),
        (
            lambda: fill_model_fit(
                FillHistory(emptyings=[MONDAY]), prior=flat_prior()
            ).predict_fill(MONDAY - HOUR),
            "A prediction cannot be for a time before the last known fill.",
        ),
        (
            lambda: fill_model_fit(
                FillHistory(emptyings=[MONDAY]), prior=flat_prior()
            ).time_to_threshold(0.0, now=MONDAY),
            "The threshold must be more than 0 and at most 1.",
        ),
        (
            lambda: fill_model_fit(FillHistory(emptyings=[MONDAY]), prior=flat_prior()).is_due(
                0.8, now=MONDAY, next_visit=MONDAY - HOUR
            ),
            "The next visit cannot be before now.",
        ),
        (
            lambda: fill_segments(FillHistory(), profile=WeekProfile.flat(), reset_drop=0.0),
            "The reset drop must be more than 0 and at most 1.",
        ),
        (
            lambda: week_profile_fit([FillHistory()], smoothing_hours=0),
            "The smoothing must cover at least one hour.",
        ),
    ],
)
def test_bad_inputs_are_clear_errors(make: object, message: str) -> None:
    with pytest.raises(ForecastInputError) as error:
        make()  # type: ignore[operator]
    assert message in str(error.value)
