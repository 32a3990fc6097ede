"""The public compliance report (a hand-computed example against the engine, the empty states,
campaigns with comparison sites, cameras started on different days, nothing personal) and
the staff pages of sites, observations and campaigns (who may open them, refusals)."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from digiplace.core.models import AuditLogEntry, Municipality, StaffMembership, StaffRole
from digiplace.core.tests.factories import StaffMembershipFactory, UserFactory
from digiplace.waste.compliance import Observation as EngineObservation
from digiplace.waste.compliance import ObservationKind, compliance_change
from digiplace.waste.models import CameraSite, Campaign, Observation, ObservationSource
from digiplace.waste.selectors.compliance_report import staggered_change
from digiplace.waste.tests.factories import (
    CameraSiteFactory,
    CampaignFactory,
    CollectionPointFactory,
    EnforcementCaseFactory,
    ObservationFactory,
)

pytestmark = pytest.mark.django_db

BOTOSANI = "botosani.localhost"
TIMISOARA = "timisoara.localhost"
ZONE = ZoneInfo("Europe/Bucharest")
CAMERA_START = datetime.date(2026, 3, 2)  # a Monday


def client_for(membership: StaffMembership | None = None, host: str = BOTOSANI) -> Client:
    client = Client(HTTP_HOST=host)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    if membership is not None:
        client.force_login(membership.user)
    return client


@pytest.fixture
def planner(botosani: Municipality) -> StaffMembership:
    return StaffMembershipFactory.create(
        municipality=botosani,
        user=UserFactory.create(email="dispatcher@botosani.example"),
        modules=["waste"],
    )


def site_make(
    municipality: Municipality, code: str, started: datetime.date = CAMERA_START
) -> CameraSite:
    point = CollectionPointFactory.create(
        municipality=municipality, code=code, name=f"Point {code}", neighbourhood="Centru"
    )
    return CameraSiteFactory.create(
        municipality=municipality, point=point, camera_started_on=started
    )


def week_counts(site: CameraSite, monday: datetime.date, correct: int, wrong: int) -> None:
    """``correct`` correct uses and ``wrong`` wrong fractions on the Tuesday of the week."""
    at = datetime.datetime.combine(monday + datetime.timedelta(days=1), datetime.time(10), ZONE)
    for kind, count in (
        (ObservationKind.CORRECT_USE, correct),
        (ObservationKind.WRONG_FRACTION, wrong),
    ):
        if count:
            ObservationFactory.create(
                municipality=site.municipality,
                site=site,
                observed_at=at,
                kind=kind,
                count=count,
                footage_ref="NVR-SECRET-CLIP" if kind == ObservationKind.WRONG_FRACTION else "",
            )


def hand_example(site: CameraSite) -> None:
    """Two weeks before the camera at 60/100 correct, two weeks after at 80/100."""
    week_counts(site, datetime.date(2026, 2, 16), 30, 20)
    week_counts(site, datetime.date(2026, 2, 23), 30, 20)
    week_counts(site, datetime.date(2026, 3, 2), 40, 10)
    week_counts(site, datetime.date(2026, 3, 9), 40, 10)


def engine_observations(sites: list[CameraSite]) -> list[EngineObservation]:
    return [
        EngineObservation(
            at=observation.observed_at,
            site=observation.site.point.code,
            kind=ObservationKind(observation.kind),
            count=observation.count,
        )
        for observation in Observation.objects.filter(site__in=sites).select_related("site__point")
    ]


def test_report_answers_the_hand_computed_example(botosani: Municipality) -> None:
    site = site_make(botosani, "p-gara")
    hand_example(site)
    response = client_for().get(reverse("waste:compliance"))
    assert reverse("waste:compliance") == "/waste/compliance/"
    assert response.status_code == 200
    page = response.content.decode()

    # The engine's numbers for the same observations.
    change = compliance_change(engine_observations([site]), sites=["p-gara"], start=CAMERA_START)
    assert change.difference is not None
    assert (change.before.correct_use, change.before.use_events) == (60, 100)
    assert (change.after.correct_use, change.after.use_events) == (80, 100)
    assert change.before.design_effect == 1.0  # both weeks at 60 %: no clustering to correct
    assert change.message() in page

    # Hand-checked: pooled p = 0.7, z = 0.2 / sqrt(0.7 * 0.3 * 2 / 100) = 3.086, p = 0.0020;
    # Wilson 95 % intervals 0.5020-0.6906 and 0.7112-0.8666, Newcombe's low
    # 0.2 - sqrt(0.0888² + 0.0906²) = 0.0731 and high 0.2 + sqrt(0.0666² + 0.0980²) = 0.3185.
    assert round(change.difference.p_value, 4) == 0.002
    assert round(change.difference.low, 3) == 0.073
    assert round(change.difference.high, 3) == 0.319
    assert (
        "Compliance went from 60.0% before to 80.0% after, a change of +20.0 percentage points "
        "(95% confidence interval 7.3 to 31.9, p = 0.002): higher, and the difference is "
        "significant at 5%."
    ) in page
    assert "20.0 percentage points (95 % confidence interval 7.3 to 31.9)" in page
    assert "60.0 %" in page and "80.0 %" in page
    # The weekly table and the chart: four weeks, the camera's week marked.
    assert page.count("compliance-chart-p-gara") >= 1
    assert "camera starts" in page
    # All sites pooled: one site, the same numbers.
    assert page.count(change.message()) == 2
    # Nothing personal, no footage, no case.
    EnforcementCaseFactory.create(
        municipality=botosani, observation=Observation.objects.filter(site=site).last()
    )
    page = client_for().get(reverse("waste:compliance")).content.decode()
    assert "NVR-SECRET-CLIP" not in page
    assert "case" not in page.lower().replace("cases", "")  # no case appears


def test_report_in_romanian(botosani: Municipality) -> None:
    site = site_make(botosani, "p-gara")
    hand_example(site)
    client = Client(HTTP_HOST=BOTOSANI)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ro"
    page = client.get(reverse("waste:compliance")).content.decode()
    assert "60,0" in page and "80,0" in page


def test_report_empty_states(botosani: Municipality) -> None:
    page = client_for().get(reverse("waste:compliance")).content.decode()
    assert "No camera-watched sites yet" in page

    site = site_make(botosani, "p-gara")
    week_counts(site, datetime.date(2026, 2, 16), 3, 1)  # 4 use events before
    week_counts(site, datetime.date(2026, 3, 2), 40, 10)
    page = client_for().get(reverse("waste:compliance")).content.decode()
    assert "Not compared yet." in page
    assert "before: use events 4 of the 10 needed, 6 missing (weeks with observations: 1)" in page
    assert (
        "Not enough data to compare: each period needs at least 10 use events, and there were "
        "4 before and 50 after."
    ) in page
    assert "No awareness campaigns recorded yet." in page


def test_report_campaign_with_comparison_sites(botosani: Municipality) -> None:
    reached = site_make(botosani, "p-a", started=datetime.date(2026, 1, 5))
    other = site_make(botosani, "p-b", started=datetime.date(2026, 1, 5))
    campaign = CampaignFactory.create(
        municipality=botosani,
        name="Sort it right",
        starts_on=datetime.date(2026, 3, 2),
        ends_on=datetime.date(2026, 3, 8),
    )
    campaign.points.set([reached.point])
    for site in (reached, other):
        week_counts(site, datetime.date(2026, 2, 16), 30, 20)
        week_counts(site, datetime.date(2026, 2, 23), 30, 20)
    week_counts(reached, datetime.date(2026, 3, 9), 45, 5)
    week_counts(reached, datetime.date(2026, 3, 16), 45, 5)
    week_counts(other, datetime.date(2026, 3, 9), 30, 20)
    week_counts(other, datetime.date(2026, 3, 16), 30, 20)
    lonely = CampaignFactory.create(municipality=botosani, name="Nobody watched")
    lonely.points.set([CollectionPointFactory.create(municipality=botosani)])

    page = client_for().get(reverse("waste:compliance")).content.decode()
    change = compliance_change(
        engine_observations([reached, other]),
        sites=["p-a"],
        control_sites=["p-b"],
        start=campaign.starts_on,
        end=campaign.ends_on,
    )
    assert change.difference_in_differences is not None
    assert escape(change.message()) in page
    controlled = change.controlled_message()
    assert controlled is not None and escape(controlled) in page
    assert "Beyond the change at the comparison sites" in controlled
    assert "Comparison sites: Point p-b." in page
    assert "points is watched by a camera: there are no observations to compare." in page


def test_pooled_report_with_cameras_started_on_different_days(botosani: Municipality) -> None:
    early = site_make(botosani, "p-a", started=datetime.date(2026, 3, 2))
    late = site_make(botosani, "p-b", started=datetime.date(2026, 3, 16))
    hand_example(early)
    week_counts(late, datetime.date(2026, 3, 2), 30, 20)
    week_counts(late, datetime.date(2026, 3, 9), 30, 20)
    week_counts(late, datetime.date(2026, 3, 16), 40, 10)
    week_counts(late, datetime.date(2026, 3, 23), 40, 10)
    observations = engine_observations([early, late])

    change = staggered_change(
        observations,
        starts={"p-a": early.camera_started_on, "p-b": late.camera_started_on},
        time_zone="Europe/Bucharest",
    )
    # Each site split at its own start: 120/200 before, 160/200 after.
    assert (change.before.correct_use, change.before.use_events) == (120, 200)
    assert (change.after.correct_use, change.after.use_events) == (160, 200)
    assert change.before.site_weeks == 4 and change.after.site_weeks == 4
    page = client_for().get(reverse("waste:compliance")).content.decode()
    assert "The cameras started on different days" in page
    assert escape(change.message()) in page

    # With one common start the pooled computation is the engine's own.
    same = staggered_change(
        observations,
        starts={"p-a": CAMERA_START, "p-b": CAMERA_START},
        time_zone="Europe/Bucharest",
    )
    engine = compliance_change(observations, sites=["p-a", "p-b"], start=CAMERA_START)
    assert (same.before, same.after, same.difference) == (
        engine.before,
        engine.after,
        engine.difference,
    )


def test_report_shows_only_the_hosts_city(botosani: Municipality, timisoara: Municipality) -> None:
    site_make(timisoara, "tm-1")
    page = client_for().get(reverse("waste:compliance")).content.decode()
    assert "tm-1" not in page
    assert "No camera-watched sites yet" in page


# Staff pages


def test_staff_pages_need_the_module(
    botosani: Municipality, botosani_staff: StaffMembership, planner: StaffMembership
) -> None:
    site = site_make(botosani, "p-gara")
    campaign = CampaignFactory.create(municipality=botosani)
    pages = [
        reverse("waste_backoffice:site_list"),
        reverse("waste_backoffice:site_create"),
        reverse("waste_backoffice:site_detail", args=[site.pk]),
        reverse("waste_backoffice:site_edit", args=[site.pk]),
        reverse("waste_backoffice:observations_import"),
        reverse("waste_backoffice:campaign_list"),
        reverse("waste_backoffice:campaign_create"),
        reverse("waste_backoffice:campaign_edit", args=[campaign.pk]),
    ]
    assert pages[0] == "/backoffice/waste/sites/"
    anonymous = client_for().get(pages[0])
    assert anonymous.status_code == 302 and "/login" in anonymous["Location"]
    without = client_for(botosani_staff)
    for page in pages:
        assert without.get(page).status_code == 403
    response = without.post(
        pages[2], {"observed_at": "2026-03-03T10:00", "kind": "correct_use", "count": "1"}
    )
    assert response.status_code == 403
    assert Observation.objects.count() == 0
    with_module = client_for(planner)
    for page in pages:
        assert with_module.get(page).status_code == 200, page
    assert "See the compliance report" in with_module.get(pages[0]).content.decode()


def test_another_citys_records_are_404(
    botosani: Municipality, timisoara: Municipality, planner: StaffMembership
) -> None:
    foreign = site_make(timisoara, "tm-1")
    campaign = CampaignFactory.create(municipality=timisoara)
    client = client_for(planner)
    for page in (
        reverse("waste_backoffice:site_detail", args=[foreign.pk]),
        reverse("waste_backoffice:site_edit", args=[foreign.pk]),
        reverse("waste_backoffice:campaign_edit", args=[campaign.pk]),
    ):
        assert client.get(page).status_code == 404
        assert client.post(page, {}).status_code == 404
    response = client.post(
        reverse("waste_backoffice:site_detail", args=[foreign.pk]),
        {"observed_at": "2026-03-03T10:00", "kind": "correct_use", "count": "1"},
    )
    assert response.status_code == 404
    assert Observation.objects.count() == 0


def test_site_create_and_edit(
    botosani: Municipality, timisoara: Municipality, planner: StaffMembership
) -> None:
    point = CollectionPointFactory.create(municipality=botosani, code="p-gara", name="Gara")
    foreign_point = CollectionPointFactory.create(municipality=timisoara)
    client = client_for(planner)
    url = reverse("waste_backoffice:site_create")

    # Another city's point is not a choice; the future is refused.
    response = client.post(url, {"point": foreign_point.pk, "camera_started_on": "2026-03-02"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = client.post(url, {"point": point.pk, "camera_started_on": tomorrow.isoformat()})
    assert response.status_code == 400
    assert "The camera&#x27;s start cannot be in the future." in response.content.decode()
    assert CameraSite.objects.count() == 0

    response = client.post(
        url, {"point": point.pk, "camera_started_on": "2026-03-02", "notes": "Faces north"}
    )
    site = CameraSite.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("waste_backoffice:site_detail", args=[site.pk])
    assert (site.municipality, site.point, site.camera_started_on) == (
        botosani,
        point,
        datetime.date(2026, 3, 2),
    )
    entry = AuditLogEntry.objects.get(target_type="waste.CameraSite", action="create")
    assert entry.actor == planner.user

    # One site per point: the point is not offered again.
    response = client.post(url, {"point": point.pk, "camera_started_on": "2026-03-02"})
    assert response.status_code == 400
    assert CameraSite.objects.count() == 1

    edit = reverse("waste_backoffice:site_edit", args=[site.pk])
    response = client.post(edit, {"point": point.pk, "camera_started_on": "2026-03-09"})
    assert response.status_code == 302
    site.refresh_from_db()
    assert site.camera_started_on == datetime.date(2026, 3, 9)
    entry = AuditLogEntry.objects.get(target_type="waste.CameraSite", action="update")
    assert entry.after == {"camera_started_on": "2026-03-09", "notes": ""}


def test_record_an_observation(botosani: Municipality, planner: StaffMembership) -> None:
    site = site_make(botosani, "p-gara")
    client = client_for(planner)
    url = reverse("waste_backoffice:site_detail", args=[site.pk])
    page = client.get(url).content.decode()
    assert "Record an observation" in page
    assert "no images of people are stored here" in page
    assert "Open a case" not in page  # the planner has no police module

    future = (timezone.localtime() + datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    refusals = [
        ({"observed_at": future, "kind": "correct_use", "count": "1"}, "cannot be in the future"),
        (
            {"observed_at": "2026-03-03T10:00", "kind": "correct_use", "count": "0"},
            "Ensure this value is greater than or equal to 1.",
        ),
        ({"observed_at": "2026-03-03T10:00", "kind": "selfie", "count": "1"}, "Select a valid"),
        (
            {
                "observed_at": "2026-03-03T10:00",
                "kind": "correct_use",
                "count": "1",
                "footage_ref": "data:image/png;base64,AAAA",
            },
            "must point to footage, not contain it",
        ),
        ({"observed_at": "yesterday", "kind": "correct_use", "count": "1"}, "Enter a valid"),
    ]
    for data, message in refusals:
        response = client.post(url, data)
        assert response.status_code == 400, data
        assert message in response.content.decode(), data
    assert Observation.objects.count() == 0

    response = client.post(
        url,
        {
            "observed_at": "2026-03-03T10:00",
            "kind": "bulky_dumped",
            "count": "2",
            "footage_ref": "NVR1/0303/1000",
        },
    )
    assert response.status_code == 302
    observation = Observation.objects.get()
    assert observation.observed_at == datetime.datetime(2026, 3, 3, 10, 0, tzinfo=ZONE)
    assert (observation.kind, observation.count, observation.footage_ref) == (
        "bulky_dumped",
        2,
        "NVR1/0303/1000",
    )
    assert observation.source == ObservationSource.DISPATCHER
    assert observation.recorded_by == planner.user
    assert (
        AuditLogEntry.objects.filter(target_type="waste.Observation", action="create").count() == 1
    )
    page = client.get(url).content.decode()
    assert "Bulky waste dumped" in page and "NVR1/0303/1000" in page


def test_record_form_in_romanian(botosani: Municipality, planner: StaffMembership) -> None:
    site = site_make(botosani, "p-gara")
    client = client_for(planner)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ro"
    response = client.post(
        reverse("waste_backoffice:site_detail", args=[site.pk]),
        {"observed_at": "ieri", "kind": "correct_use", "count": "1"},
    )
    assert response.status_code == 400
    assert "Introduceți o dată/oră validă." in response.content.decode()
    assert Observation.objects.count() == 0


def test_campaign_create_and_edit(
    botosani: Municipality, timisoara: Municipality, planner: StaffMembership
) -> None:
    first = CollectionPointFactory.create(municipality=botosani, neighbourhood="Centru")
    second = CollectionPointFactory.create(municipality=botosani, neighbourhood="Centru")
    CollectionPointFactory.create(municipality=botosani, neighbourhood="Bucovina")
    foreign = CollectionPointFactory.create(municipality=timisoara, neighbourhood="Centru")
    client = client_for(planner)
    url = reverse("waste_backoffice:campaign_create")
    base = {"name": "Sort it right", "starts_on": "2026-04-01", "ends_on": "2026-04-30"}

    response = client.post(url, {**base, "ends_on": "2026-03-01"})
    assert response.status_code == 400
    assert "A campaign cannot end before it starts." in response.content.decode()
    response = client.post(url, {**base, "points": [foreign.pk]})
    assert response.status_code == 400
    assert Campaign.objects.count() == 0

    # No points chosen: every point of the neighbourhood.
    response = client.post(url, {**base, "neighbourhood": "centru"})
    assert response.status_code == 302
    campaign = Campaign.objects.get()
    assert set(campaign.points.all()) == {first, second}
    entry = AuditLogEntry.objects.get(target_type="waste.Campaign", action="create")
    assert entry.after is not None and entry.after["point_ids"] == sorted([first.pk, second.pk])

    edit = reverse("waste_backoffice:campaign_edit", args=[campaign.pk])
    assert "Sort it right" in client.get(edit).content.decode()
    response = client.post(edit, {**base, "name": "Sort it right!", "points": [first.pk]})
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.name == "Sort it right!"
    assert list(campaign.points.all()) == [first]
    entry = AuditLogEntry.objects.get(target_type="waste.Campaign", action="update")
    assert entry.after == {"name": "Sort it right!", "neighbourhood": "", "point_ids": [first.pk]}
    assert (
        "Sort it right!" in client.get(reverse("waste_backoffice:campaign_list")).content.decode()
    )


def test_administrator_uses_the_compliance_pages(
    botosani: Municipality, botosani_admin: StaffMembership
) -> None:
    assert botosani_admin.role == StaffRole.ADMIN
    page = client_for(botosani_admin).get(reverse("waste_backoffice:site_list"))
    assert page.status_code == 200
    # The administrator's role does not bring the police's module: no link to the cases.
    assert reverse("waste_backoffice:case_list") not in page.content.decode()
