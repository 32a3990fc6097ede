"""Installing containers with their WasteContainer entities, and recording collections."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from digiplace.core.models import AuditLogEntry, Municipality
from digiplace.core.tests.factories import MunicipalityFactory
from digiplace.urbandata.models import Entity, Reading
from digiplace.waste.models import Collection, CollectionSource, Container, Fraction
from digiplace.waste.services.containers import (
    collection_record,
    collection_weight_estimate,
    container_install,
)

from .factories import CollectionPointFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> None:
    translation.activate("en")


@pytest.fixture
def city() -> Municipality:
    return MunicipalityFactory.create(slug="botosani-test")


def test_a_container_is_installed_with_its_entity_at_the_point(city: Municipality) -> None:
    point = CollectionPointFactory.create(
        municipality=city, name="Piața Revoluției", latitude=47.75
    )
    container = container_install(
        point=point,
        actor=None,
        code="p001-plastic",
        fraction=Fraction.PLASTIC,
        capacity_litres=1100,
        model="Otto 1100",
    )

    entity = Entity.objects.get(waste_container=container)
    assert entity.entity_id == "urn:ngsi-ld:WasteContainer:botosani-test-p001-plastic"
    assert entity.type == "WasteContainer"
    assert entity.name == "Piața Revoluției · plastic and metal"
    assert (entity.latitude, entity.longitude) == (47.75, point.longitude)
    assert (entity.registered_latitude, entity.registered_longitude) == (47.75, point.longitude)
    assert entity.attributes["storedWasteKind"]["value"] == "plastic"
    assert entity.attributes["refWasteContainerModel"]["value"] == "Otto 1100"
    assert AuditLogEntry.objects.filter(
        municipality=city, target_type="waste.Container", target_id=container.pk, action="create"
    ).exists()


@pytest.mark.parametrize(
    ("fraction", "capacity", "field"),
    [("metal", 1100, "fraction"), (Fraction.GLASS, 0, "capacity_litres")],
)
def test_a_bad_container_is_refused_and_nothing_is_written(
    city: Municipality, fraction: str, capacity: int, field: str
) -> None:
    point = CollectionPointFactory.create(municipality=city)
    with pytest.raises(ValidationError) as refused:
        container_install(
            point=point, actor=None, code="c1", fraction=fraction, capacity_litres=capacity
        )

    assert field in refused.value.message_dict
    assert not Container.objects.exists()
    assert not Entity.objects.filter(municipality=city).exists()


def test_a_code_in_use_is_refused(city: Municipality) -> None:
    point = CollectionPointFactory.create(municipality=city)
    container_install(
        point=point, actor=None, code="c1", fraction=Fraction.PAPER, capacity_litres=240
    )
    with pytest.raises(ValidationError) as refused:
        container_install(
            point=point, actor=None, code="c1", fraction=Fraction.GLASS, capacity_litres=240
        )

    assert refused.value.message_dict["code"] == ["There is already a container c1."]
    assert Container.objects.count() == 1


def test_a_collection_empties_the_entity_and_estimates_the_weight(city: Municipality) -> None:
    container = container_install(
        point=CollectionPointFactory.create(municipality=city),
        actor=None,
        code="c1",
        fraction=Fraction.GLASS,
        capacity_litres=1000,
    )
    at = (timezone.now() - datetime.timedelta(hours=1)).replace(microsecond=0)

    collection = collection_record(
        container=container, collected_at=at, source=CollectionSource.DRIVER, fill_before=0.5
    )

    # 0.5 × 1000 litres × 0.30 kg per litre of glass.
    assert collection.weight_kg == 150.0 and collection.weight_estimated
    entity = Entity.objects.get(waste_container=container)
    assert entity.attributes["fillingLevel"]["value"] == 0.0
    assert entity.attributes["dateLastEmptying"]["value"]["@value"] == at.astimezone(
        datetime.UTC
    ).isoformat().replace("+00:00", "Z")
    assert Reading.objects.filter(entity=entity, attribute="fillingLevel", value=0.0).count() == 1

    # The same collection again (a driver's second tap): nothing more.
    again = collection_record(
        container=container, collected_at=at, source=CollectionSource.DRIVER, fill_before=0.5
    )
    assert again.pk == collection.pk
    assert Collection.objects.count() == 1


def test_a_weighed_collection_keeps_its_weight(city: Municipality) -> None:
    container = container_install(
        point=CollectionPointFactory.create(municipality=city),
        actor=None,
        code="c1",
        fraction=Fraction.RESIDUAL,
        capacity_litres=1100,
    )
    collection = collection_record(
        container=container,
        collected_at=timezone.now() - datetime.timedelta(minutes=3),
        source=CollectionSource.STAFF,
        fill_before=0.9,
        weight_kg=97.5,
    )

    assert (collection.weight_kg, collection.weight_estimated) == (97.5, False)
    assert collection_weight_estimate(container, None) is None


@pytest.mark.parametrize(
    ("moment", "fill", "message"),
    [
        (datetime.timedelta(hours=2), 0.5, "A collection cannot be in the future."),
        (-datetime.timedelta(hours=2), 1.5, "The fill before emptying must be between 0 and 1."),
    ],
)
def test_a_bad_collection_is_refused(
    city: Municipality, moment: datetime.timedelta, fill: float, message: str
) -> None:
    container = container_install(
        point=CollectionPointFactory.create(municipality=city),
        actor=None,
        code="c1",
        fraction=Fraction.PAPER,
        capacity_litres=240,
    )
    with pytest.raises(ValidationError) as refused:
        collection_record(
            container=container,
            collected_at=timezone.now() + moment,
            source=CollectionSource.DRIVER,
            fill_before=fill,
        )

    assert refused.value.messages == [message]
    assert not Collection.objects.exists()
    entity = Entity.objects.get(waste_container=container)
    assert "dateLastEmptying" not in entity.attributes
