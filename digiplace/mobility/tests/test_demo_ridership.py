"""The mobility demo's last week of validations, counted into each city's public ridership
figures (some hidden under k riders), its transport dispatcher's account and the control
centre's alert rules; loading it again adds nothing and puts the account's modules back; a
day with taps of its own is left alone."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from digiplace.core.models import Municipality, StaffMembership, User
from digiplace.mobility.demo.ridership import DAYS
from digiplace.mobility.models import CellKind, RidershipCell, RidershipKey, Tap
from digiplace.mobility.selectors import ridership as selectors
from digiplace.mobility.tests.factories_rider import ValidatorFactory
from digiplace.urbandata.models import AlertRule

pytestmark = pytest.mark.django_db


def _client(host: str, membership: StaffMembership | None = None) -> Client:
    client = Client(HTTP_HOST=host)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    if membership is not None:
        client.force_login(membership.user)
    return client


def _load() -> str:
    out = io.StringIO()
    call_command("mobility_demo", stdout=out)
    return out.getvalue()


def _counts() -> dict[str, int]:
    return {
        "taps": Tap.objects.count(),
        "cells": RidershipCell.objects.count(),
        "rules": AlertRule.objects.count(),
        "users": User.objects.count(),
        "memberships": StaffMembership.objects.count(),
    }


def _hour_total(municipality: Municipality, day: datetime.date, hour: int) -> int:
    cell = RidershipCell.objects.get(
        municipality=municipality, kind=CellKind.STOP_HOUR, day=day, hour=hour, stop=None
    )
    return cell.boardings


def test_the_demo_counts_a_week_of_validations_with_rules_and_a_dispatcher_once(
    botosani: Municipality, timisoara: Municipality
) -> None:
    today = timezone.localdate()
    yesterday = today - datetime.timedelta(days=1)
    # A real validator's tap of yesterday: the demo leaves that day to the real figures.
    own = ValidatorFactory.create(municipality=botosani, code="real-01")
    Tap.objects.create(
        municipality=botosani,
        validator=own,
        tapped_at=timezone.now() - datetime.timedelta(days=1),
        day=yesterday,
        rider="a" * 64,
    )

    first = _load()

    assert "demo validations" in first
    for municipality in (botosani, timisoara):
        days = {
            cell.day: cell
            for cell in RidershipCell.objects.filter(
                municipality=municipality, kind=CellKind.CITY_DAY
            )
        }
        expected = {today - datetime.timedelta(days=offset) for offset in range(1, DAYS + 1)}
        if municipality == botosani:
            expected.discard(yesterday)
        assert set(days) == expected
        for day, city in days.items():
            # A few thousand boardings a weekday, fewer at the weekend; each rider taps one
            # to four times, and some change bus within the hour.
            assert city.boardings >= (800 if day.weekday() >= 5 else 2000)
            assert city.riders < city.boardings <= 4 * city.riders
            assert 0 < city.transfers < city.boardings / 2
        weekday = max(day for day in days if day.weekday() < 5)
        midday = _hour_total(municipality, weekday, 11)
        assert _hour_total(municipality, weekday, 8) > 2 * midday
        assert _hour_total(municipality, weekday, 17) > 1.5 * midday
        # Every demo tap is on one of the city's stops, lines and trips, its hash gone.
        demo = Tap.objects.filter(municipality=municipality, validator__is_demo=True)
        assert demo.filter(stop__municipality=municipality).count() == demo.count()
        assert demo.filter(trip__route__municipality=municipality).count() == demo.count()
        assert not demo.exclude(rider="").exists()
        assert not demo.filter(aggregated=False).exists()
        assert not RidershipKey.objects.filter(municipality=municipality).exists()

        # The public page: the latest day's figures, some of them hidden.
        figures = selectors.day_figures(
            municipality=municipality, day=weekday, k=selectors.k_threshold()
        )
        assert figures.hidden > 0
        shown = [value for _stop, values, _total in figures.stop_hour.rows for value in values]
        assert any(value is not None and value >= 10 for value in shown)
        assert None in shown
        page = _client(f"{municipality.slug}.localhost").get(
            reverse("mobility:ridership"), {"day": weekday.isoformat()}
        )
        assert page.status_code == 200
        content = page.content.decode()
        assert "fewer than 10 riders" in content
        assert "Boardings per stop and hour" in content
        assert re.search(rf">\s*{figures.routes_total}\s*</td>", content)

    # Yesterday in Botoșani: only the real tap, not counted by the demo.
    assert Tap.objects.filter(municipality=botosani, day=yesterday).count() == 1

    # The control centre: three default rules per city, to its transport department, whose
    # dispatcher has the mobility and urban-data modules only.
    for municipality, department in (
        (botosani, "Serviciul Transport Public"),
        (timisoara, "Direcția Mobilitate Urbană"),
    ):
        rules = AlertRule.objects.filter(municipality=municipality, entity_type="Vehicle")
        assert rules.count() == 3
        assert {rule.department.name_ro for rule in rules if rule.department} == {department}  # type: ignore[attr-defined]
        membership = StaffMembership.objects.select_related("user", "department").get(
            municipality=municipality, user__email=f"transport@{municipality.slug}.example"
        )
        assert membership.department is not None
        assert membership.department.name_ro == department  # type: ignore[attr-defined]
        assert membership.modules == ["mobility", "urbandata"]
        assert membership.user.check_password(settings.DEMO_PASSWORD)
        assert not membership.is_admin
        assert not membership.can_use_module("waste")
        client = _client(f"{municipality.slug}.localhost", membership)
        assert client.get(reverse("mobility_backoffice:control")).status_code == 200

    # Again: nothing added, the dispatcher's modules put back.
    membership = StaffMembership.objects.get(user__email="transport@botosani.example")
    membership.modules = ["reports"]
    membership.save()
    before = _counts()
    second = _load()
    assert _counts() == before
    assert "demo validations" not in second
    assert "alert rules" not in second
    membership.refresh_from_db()
    assert membership.modules == ["mobility", "urbandata"]
