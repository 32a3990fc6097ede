"""The waste module's demo (``manage.py waste_demo``): Botoșani's 81 and Timișoara's 475
points with their containers' entities (Botoșani's first 12 adopting urban data's), four weeks
of fill history consistent with the collections, the fleet and alert rules, Botoșani's
camera pilot; loading it again changes nothing."""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict

import pytest
from django.core.management import call_command
from django.utils import timezone

from digiplace.core.models import Municipality, StaffMembership
from digiplace.urbandata.demo import waste as urbandata_waste
from digiplace.urbandata.models import AlertRule, Entity, Reading, Rollup
from digiplace.waste import compliance
from digiplace.waste.models import (
    STORED_WASTE_KIND,
    CameraSite,
    Campaign,
    Collection,
    CollectionPoint,
    CollectionSource,
    Container,
    Depot,
    EnforcementCase,
    Fraction,
    Observation,
    ObservationSource,
    Truck,
    WasteSettings,
)
from digiplace.waste.services.alerts import default_rules

pytestmark = pytest.mark.django_db


def _load() -> tuple[Municipality, Municipality]:
    call_command("demo_load", verbosity=0)
    botosani = Municipality.objects.get(slug="botosani")
    timisoara = Municipality.objects.get(slug="timisoara")
    urbandata_waste.demo_load(botosani=botosani, timisoara=timisoara)
    call_command("waste_demo", verbosity=0)
    return botosani, timisoara


def _counts() -> dict[str, int]:
    models = (
        CollectionPoint,
        Container,
        Collection,
        Entity,
        Reading,
        Rollup,
        CameraSite,
        Observation,
        Campaign,
        EnforcementCase,
        AlertRule,
        Depot,
        Truck,
        WasteSettings,
    )
    return {model.__name__: model.objects.count() for model in models}


def test_the_demo_loads_once_with_its_points_containers_entities_fleet_and_rules() -> None:
    botosani, timisoara = _load()
    before = _counts()
    call_command("waste_demo", verbosity=0)
    assert _counts() == before

    for city, points, population, trucks in (
        (botosani, 81, 122_000, 4),
        (timisoara, 475, 325_000, 8),
    ):
        rows = CollectionPoint.objects.filter(municipality=city)
        assert rows.count() == points
        assert all(point.is_demo for point in rows)
        assert all(city.contains_point(point.latitude, point.longitude) for point in rows)
        assert all(point.street and point.neighbourhood for point in rows)
        assert sorted(rows.values_list("code", flat=True))[:2] == ["p001", "p002"]
        fractions = Counter(
            Container.objects.filter(municipality=city).values_list("fraction", flat=True)
        )
        assert fractions["residual"] == fractions["paper"] == fractions["plastic"] == points
        assert points // 4 < fractions["glass"] < points // 2
        assert 0 < fractions["bio"] < points // 3
        settings_row = WasteSettings.objects.get(municipality=city)
        assert settings_row.population == population
        assert settings_row.collection_weekdays == [0, 1, 2, 3, 4, 5]
        depot = Depot.objects.get(municipality=city)
        assert city.contains_point(depot.latitude, depot.longitude)
        assert depot.trucks.count() == trucks
        rules = AlertRule.objects.filter(municipality=city, entity_type="WasteContainer")
        assert rules.count() == len(default_rules())
        # Fire goes to the dispatcher (Botoșani's local police), the rest to sanitation.
        departments = Counter(rules.values_list("department__name_ro", flat=True))
        if city == botosani:
            assert departments == {"Poliția Locală – Dispecerat": 2, "Serviciul Salubrizare": 5}
        else:
            assert departments == {"Direcția de Mediu": 7}

    containers = Container.objects.select_related("entity", "point")
    for container in containers:
        entity = container.entity
        assert entity is not None
        assert entity.municipality_id == container.municipality_id
        assert entity.type == "WasteContainer"
        assert entity.is_demo
        assert (
            entity.attributes["storedWasteKind"]["value"]
            == STORED_WASTE_KIND[Fraction(container.fraction)]
        )
        assert entity.attributes["refWasteContainerModel"]["value"] == container.model
        assert 0 <= entity.attributes["fillingLevel"]["value"] <= 1
        assert entity.latitude is not None and entity.longitude is not None
        assert abs(entity.latitude - container.point.latitude) < 0.001
    # Urban data's 40 containers at Botoșani's first 12 points are adopted, not doubled.
    entities = Entity.objects.filter(municipality=botosani, type="WasteContainer")
    assert entities.count() == Container.objects.filter(municipality=botosani).count()
    adopted = Container.objects.filter(municipality=botosani, point__code__lte="p012")
    assert adopted.count() == 40
    assert {container.entity.entity_id for container in adopted if container.entity} == {
        urbandata_waste.ENTITY_ID.format(point=point, kind=kind)
        for point in range(1, 13)
        for kind in urbandata_waste.point_kinds(point)
    }
    assert (
        Entity.objects.get(
            entity_id="urn:ngsi-ld:WasteContainer:timisoara-p475-other"
        ).waste_container.point.code
        == "p475"
    )  # type: ignore[attr-defined]

    # The demo accounts: the driver has the rounds only, Timișoara no enforcement.
    driver = StaffMembership.objects.get(user__email="driver@botosani.example")
    assert driver.modules == ["waste_rounds"]
    assert StaffMembership.objects.get(user__email="dispatcher@botosani.example").can_use_module(
        "waste_enforcement"
    )
    assert not StaffMembership.objects.get(
        user__email="dispatcher@timisoara.example"
    ).can_use_module("waste_enforcement")


def test_the_history_readings_and_collections_agree_and_nothing_is_in_the_future() -> None:
    botosani, timisoara = _load()
    now = timezone.now()
    readings = Reading.objects.filter(attribute="fillingLevel", entity__type="WasteContainer")
    containers = Container.objects.count()
    # Four weeks, four readings a day and one after each emptying, for every container.
    assert readings.count() > containers * 28 * 4
    assert not readings.filter(observed_at__gt=now).exists()
    assert not Collection.objects.filter(collected_at__gt=now).exists()
    assert readings.earliest("observed_at").observed_at > now - datetime.timedelta(days=29)
    assert (
        Rollup.objects.filter(attribute="fillingLevel", period="hour").count() > containers * 28 * 3
    )

    for city in (botosani, timisoara):
        sample = Container.objects.filter(municipality=city).select_related("entity")[::37]
        for container in sample:
            assert container.entity is not None
            series = list(
                Reading.objects.filter(entity=container.entity, attribute="fillingLevel")
                .order_by("observed_at")
                .values_list("observed_at", "value")
            )
            collections = list(container.collections.order_by("collected_at"))
            assert collections, container.code
            for collection in collections:
                assert collection.fill_before is not None
                assert collection.weight_kg is not None and collection.weight_kg >= 0
                assert collection.weight_estimated
                assert collection.source in (CollectionSource.SENSOR, CollectionSource.DRIVER)
                before = [value for at, value in series if at < collection.collected_at]
                after = [value for at, value in series if at > collection.collected_at]
                if before and after:
                    # The fill falls at each collection.
                    assert after[0] is not None and before[-1] is not None
                    assert after[0] < before[-1], (container.code, collection.collected_at)
                    assert after[0] < 0.1
            # Its entity carries the last emptying and the fill since.
            last = collections[-1]
            emptied = container.entity.attributes["dateLastEmptying"]["value"]["@value"]
            assert emptied == last.collected_at.astimezone(datetime.UTC).isoformat().replace(
                "+00:00", "Z"
            )
    # Fractions fill at different rates: residual waste is emptied more often than glass.
    per_fraction: dict[str, int] = defaultdict(int)
    for fraction in Collection.objects.values_list("container__fraction", flat=True):
        per_fraction[fraction] += 1
    assert per_fraction["residual"] > per_fraction["glass"]


def test_botosanis_camera_pilot_has_observations_on_both_sides_of_each_start() -> None:
    botosani, timisoara = _load()
    assert not CameraSite.objects.filter(municipality=timisoara).exists()
    sites = list(CameraSite.objects.filter(municipality=botosani).select_related("point"))
    assert len(sites) == 3
    starts = sorted(site.camera_started_on for site in sites)
    today = timezone.localdate()
    assert all(
        datetime.timedelta(weeks=5) < today - start < datetime.timedelta(weeks=10)
        for start in starts
    )
    assert len(set(starts)) == 3
    rows = [
        compliance.Observation(
            at=observation.observed_at,
            site=observation.site.point.code,
            kind=compliance.ObservationKind(observation.kind),
            count=observation.count,
            footage=observation.footage_ref,
        )
        for observation in Observation.objects.select_related("site__point")
    ]
    for site in sites:
        observations = Observation.objects.filter(site=site)
        start = datetime.datetime.combine(
            site.camera_started_on, datetime.time(), tzinfo=timezone.get_current_timezone()
        )
        before = observations.filter(observed_at__lt=start)
        after = observations.filter(observed_at__gte=start)
        assert before.exists() and after.exists()
        # By hand before the camera, from its analytics after.
        assert set(before.values_list("source", flat=True)) == {ObservationSource.DISPATCHER}
        assert set(after.values_list("source", flat=True)) == {ObservationSource.ANALYTICS}
        assert all(row.count >= 1 for row in observations)
        assert not before.exclude(footage_ref="").exists()
        assert after.exclude(footage_ref="").exists()
        change = compliance.compliance_change(
            rows, sites=[site.point.code], start=site.camera_started_on, weeks=6
        )
        assert change.verdict is compliance.Verdict.HIGHER, change.message()
        assert change.before.rate is not None and 0.5 < change.before.rate < 0.72
        assert change.after.rate is not None and 0.7 < change.after.rate < 0.88
    campaign = Campaign.objects.get(municipality=botosani)
    assert campaign.points.exists()
    assert set(campaign.points.values_list("neighbourhood", flat=True)) == {campaign.neighbourhood}
    assert campaign.starts_on <= campaign.ends_on < today
    cases = EnforcementCase.objects.filter(municipality=botosani).select_related("observation")
    assert len(cases) == 2
    assert {case.observation.kind for case in cases} == {"bulky_dumped"}
    assert [case.fine_issued for case in cases].count(True) == 1
