"""The one write path: validation, modes, idempotence, late data, keys, changes."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from digiplace.urbandata.models import Entity, Reading, RollupPending
from digiplace.urbandata.services import changes
from digiplace.urbandata.services.ingest import (
    HistoryPoint,
    WriteMode,
    entities_write,
    entity_attribute_delete,
    entity_delete,
    history_write,
)
from digiplace.urbandata.services.keys import device_key_issue

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 30, 12, 0, tzinfo=datetime.UTC)
BIN = "urn:ngsi-ld:WasteContainer:botosani-001"


def container(entity_id=BIN, **attributes):
    return {"id": entity_id, "type": "WasteContainer", **attributes}


def observed(value, minutes=0):
    return {
        "type": "Property",
        "value": value,
        "observedAt": (NOW - datetime.timedelta(minutes=minutes)).isoformat(),
    }


def write(municipality, documents, mode=WriteMode.UPSERT_MERGE, key=None, **options):
    return entities_write(
        municipality=municipality, documents=documents, mode=mode, key=key, now=NOW, **options
    )


def test_create_stores_state_location_and_history(botosani):
    [result] = write(
        botosani,
        [
            container(
                fillingLevel=observed(0.4),
                status="ok",
                name="Strada Primăverii",
                location={"type": "Point", "coordinates": [26.66, 47.74]},
            )
        ],
        WriteMode.CREATE,
    )
    assert result.error is None and result.created
    entity = Entity.objects.get(municipality=botosani, entity_id=BIN)
    assert entity.type == "WasteContainer"
    assert entity.name == "Strada Primăverii"
    assert (entity.latitude, entity.longitude) == (47.74, 26.66)
    assert (entity.registered_latitude, entity.registered_longitude) == (47.74, 26.66)
    assert entity.attributes["fillingLevel"] == {
        "type": "Property",
        "value": 0.4,
        "observedAt": "2026-11-30T12:00:00.000Z",
    }
    # Concise input is stored normalized; a status is kept as a text reading.
    assert entity.attributes["status"] == {"type": "Property", "value": "ok"}
    assert entity.attributes["location"]["type"] == "GeoProperty"
    readings = {(r.attribute, r.value, r.text) for r in Reading.objects.filter(entity=entity)}
    assert readings == {("fillingLevel", 0.4, ""), ("status", None, "ok")}
    assert RollupPending.objects.filter(entity=entity, attribute="fillingLevel").count() == 1
    assert entity.last_observed_at == NOW


def test_same_observation_twice_is_stored_once(botosani):
    document = container(fillingLevel=observed(0.5))
    write(botosani, [document])
    write(botosani, [document])
    assert Reading.objects.filter(attribute="fillingLevel").count() == 1
    assert RollupPending.objects.count() == 1


def test_late_observation_goes_to_history_only(botosani):
    write(botosani, [container(fillingLevel=observed(0.6))])
    write(botosani, [container(fillingLevel=observed(0.2, minutes=30))])
    entity = Entity.objects.get(entity_id=BIN)
    assert entity.attributes["fillingLevel"]["value"] == 0.6
    values = sorted(
        v or 0 for v in Reading.objects.filter(entity=entity).values_list("value", flat=True)
    )
    assert values == [0.2, 0.6]


def test_create_refuses_an_existing_entity(botosani):
    write(botosani, [container(fillingLevel=observed(0.5))], WriteMode.CREATE)
    [result] = write(botosani, [container(fillingLevel=observed(0.7))], WriteMode.CREATE)
    assert result.error is not None and result.error.kind == "AlreadyExists"
    assert result.error.status == 409
    assert Entity.objects.get().attributes["fillingLevel"]["value"] == 0.5


def test_the_same_id_in_another_city_is_another_entity(botosani, timisoara):
    write(botosani, [container(fillingLevel=observed(0.5))], WriteMode.CREATE)
    [result] = write(timisoara, [container(fillingLevel=observed(0.1))], WriteMode.PATCH)
    assert result.error is not None and result.error.kind == "ResourceNotFound"
    [result] = write(timisoara, [container(fillingLevel=observed(0.1))], WriteMode.CREATE)
    assert result.error is None
    assert Entity.objects.filter(entity_id=BIN).count() == 2


def test_upsert_replace_drops_attributes_not_sent_and_merge_keeps_them(botosani):
    write(botosani, [container(fillingLevel=observed(0.5), temperature=observed(12))])
    write(botosani, [container(fillingLevel=observed(0.6, minutes=-1))], WriteMode.UPSERT_MERGE)
    assert set(Entity.objects.get().attributes) == {"fillingLevel", "temperature"}
    write(botosani, [container(status="ok")], WriteMode.UPSERT_REPLACE)
    assert set(Entity.objects.get().attributes) == {"status"}


def test_patch_changes_only_existing_attributes(botosani):
    write(botosani, [container(fillingLevel=observed(0.5))])
    [result] = write(
        botosani,
        [container(fillingLevel=observed(0.9, minutes=-1), temperature=observed(20))],
        WriteMode.PATCH,
    )
    assert result.error is None
    assert result.updated == ["fillingLevel"]
    assert [name for name, _reason in result.not_updated] == ["temperature"]
    assert set(Entity.objects.get().attributes) == {"fillingLevel"}


def test_append_with_no_overwrite_keeps_existing(botosani):
    write(botosani, [container(fillingLevel=observed(0.5))])
    [result] = write(
        botosani,
        [container(fillingLevel=observed(0.9, minutes=-1), temperature=observed(20))],
        WriteMode.APPEND,
        no_overwrite=True,
    )
    attributes = Entity.objects.get().attributes
    assert attributes["fillingLevel"]["value"] == 0.5
    assert attributes["temperature"]["value"] == 20
    assert [name for name, _reason in result.not_updated] == ["fillingLevel"]


@pytest.mark.parametrize(
    ("document", "kind", "fragment"),
    [
        (container(fillingLevel=observed("full")), "BadRequestData", "must be a number"),
        (container(fillingLevel=observed(1.4)), "BadRequestData", "between 0 and 1"),
        (container(fillingLevel=observed(True)), "BadRequestData", "must be a number"),
        (container(status="on fire"), "BadRequestData", "must be one of"),
        ({"id": BIN, "type": "Spaceship"}, "BadRequestData", "Unknown entity type"),
        ({"id": "not a uri", "type": "WasteContainer"}, "BadRequestData", "must be a URI"),
        ({"type": "WasteContainer"}, "BadRequestData", "no id"),
        (container(fillingLevel=observed(0.4, minutes=-60)), "BadRequestData", "future"),
        (
            container(fillingLevel={"value": 0.4, "observedAt": "2026-11-30T12:00:00"}),
            "BadRequestData",
            "time zone",
        ),
        (
            container(temperature={"type": "Property", "value": 20, "unitCode": "FAH"}),
            "BadRequestData",
            "CEL",
        ),
        (
            container(fillingLevel={"type": "Property", "value": 0.4, "datasetId": "urn:x"}),
            "OperationNotSupported",
            "datasetId",
        ),
        (container(fillingLevel={"type": "Propertee", "value": 0.4}), "BadRequestData", "type"),
        (
            container(location={"type": "Point", "coordinates": [200, 47]}),
            "BadRequestData",
            "outside the Earth",
        ),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(botosani, document, kind, fragment):
    [result] = write(botosani, [document], WriteMode.CREATE)
    assert result.error is not None
    assert result.error.kind == kind
    assert fragment in result.error.detail
    assert result.error.problem()["type"].endswith(kind)
    assert not Entity.objects.exists()
    assert not Reading.objects.exists()


def test_a_batch_reports_each_entity_and_writes_only_the_good_ones(botosani):
    good = container(fillingLevel=observed(0.3))
    bad = container("urn:ngsi-ld:WasteContainer:botosani-002", fillingLevel=observed(-1))
    results = write(botosani, [good, bad], WriteMode.CREATE)
    assert [r.error is None for r in results] == [True, False]
    assert results[1].entity_id == "urn:ngsi-ld:WasteContainer:botosani-002"
    assert list(Entity.objects.values_list("entity_id", flat=True)) == [BIN]


@override_settings(URBANDATA_RAW_RETENTION_DAYS=30)
def test_observations_older_than_the_retention_are_refused(botosani):
    [result] = write(botosani, [container(fillingLevel=observed(0.3, minutes=60 * 24 * 31))])
    assert result.error is not None and "older than the 30 days" in result.error.detail


def test_a_device_key_writes_only_its_own_entity(botosani):
    write(botosani, [container(fillingLevel=observed(0.3))])
    entity = Entity.objects.get()
    key, _secret = device_key_issue(municipality=botosani, name="Bin 1", entity=entity)
    [ok] = write(botosani, [container(fillingLevel=observed(0.4, minutes=-1))], key=key)
    assert ok.error is None
    [refused] = write(
        botosani, [container("urn:ngsi-ld:WasteContainer:other", status="ok")], key=key
    )
    assert refused.error is not None and refused.error.status == 403


def test_history_write_validates_all_points_first(botosani):
    write(botosani, [container(fillingLevel=observed(0.1))])
    entity = Entity.objects.get()
    points = [
        HistoryPoint("fillingLevel", NOW - datetime.timedelta(hours=h), 0.1 * h) for h in (1, 2)
    ]
    assert (
        history_write(municipality=botosani, entity=entity, points=points, key=None, now=NOW) == 2
    )
    bad = [*points, HistoryPoint("fillingLevel", NOW - datetime.timedelta(hours=3), 7)]
    with pytest.raises(Exception, match="between 0 and 1"):
        history_write(municipality=botosani, entity=entity, points=bad, key=None, now=NOW)
    assert Reading.objects.filter(entity=entity).count() == 3
    # Older points did not replace the current value.
    entity.refresh_from_db()
    assert entity.attributes["fillingLevel"]["value"] == 0.1


def test_delete_entity_and_attribute(botosani, timisoara):
    write(botosani, [container(fillingLevel=observed(0.1), status="ok")])
    entity_attribute_delete(municipality=botosani, entity_id=BIN, attribute="status", key=None)
    assert set(Entity.objects.get().attributes) == {"fillingLevel"}
    with pytest.raises(Exception, match="There is no entity"):
        entity_delete(municipality=timisoara, entity_id=BIN, key=None)
    entity_delete(municipality=botosani, entity_id=BIN, key=None)
    assert not Entity.objects.exists() and not Reading.objects.exists()


def test_committed_changes_reach_the_listeners(botosani, django_capture_on_commit_callbacks):
    received: list[changes.EntityChange] = []
    changes.listener_register("test", received.extend)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            write(botosani, [container(fillingLevel=observed(0.3))])
        with django_capture_on_commit_callbacks(execute=True):
            write(botosani, [container(fillingLevel=observed(0.3))])  # nothing new
    finally:
        changes._listeners.pop("test")
    [first, second] = received
    assert first.entity_id == BIN and first.created and first.attributes == ("fillingLevel",)
    # The repeated observation is still the current value: listed, not created.
    assert not second.created


def test_now_is_the_time_of_readings_without_observed_at(botosani):
    before = timezone.now()
    entities_write(
        municipality=botosani,
        documents=[container(fillingLevel=0.2)],
        mode=WriteMode.UPSERT_MERGE,
        key=None,
    )
    reading = Reading.objects.get()
    assert reading.observed_at >= before


def test_a_new_location_moves_the_entity_and_replacing_without_one_removes_it(botosani):
    write(botosani, [container(location={"type": "Point", "coordinates": [26.66, 47.74]})])
    write(botosani, [container(fillingLevel=observed(0.5))])
    entity = Entity.objects.get(entity_id=BIN)
    assert (entity.latitude, entity.longitude) == (47.74, 26.66)
    write(botosani, [container(location={"type": "Point", "coordinates": [26.67, 47.75]})])
    entity.refresh_from_db()
    assert (entity.latitude, entity.longitude) == (47.75, 26.67)
    # Where it was installed stays: that is what the movement rule measures from.
    assert (entity.registered_latitude, entity.registered_longitude) == (47.74, 26.66)
    write(botosani, [container(fillingLevel=observed(0.6))], WriteMode.UPSERT_REPLACE)
    entity.refresh_from_db()
    assert "location" not in entity.attributes
    assert (entity.latitude, entity.longitude, entity.geometry) == (None, None, None)
    assert (entity.registered_latitude, entity.registered_longitude) == (47.74, 26.66)


def test_the_public_pages_show_a_write_once_it_commits(
    botosani, client, django_capture_on_commit_callbacks, monkeypatch
):
    """Pages are cached by the version of the module's data: a write moves it on commit,
    whether it creates entities or updates known ones (on PostgreSQL an UPDATE no signal
    sees)."""
    # Without listeners: an alert the write opens would move the version by itself.
    monkeypatch.setattr(changes, "_listeners", {})

    def statuses() -> dict[str, int]:
        response = client.get(
            "/urbandata/", HTTP_HOST="botosani.localhost", HTTP_ACCEPT_LANGUAGE="en"
        )
        assert response.status_code == 200
        found = re.findall(r"<li><code>(\w+)</code>: (\d+)</li>", response.text)
        return {status: int(count) for status, count in found}

    with django_capture_on_commit_callbacks(execute=True):
        write(botosani, [container(status="ok")])
    assert statuses() == {"ok": 1}
    assert statuses() == {"ok": 1}  # now from the cache
    with django_capture_on_commit_callbacks(execute=True):
        write(botosani, [container(status="burning")])
    assert statuses() == {"burning": 1}
    with django_capture_on_commit_callbacks(execute=True):
        write(botosani, [container("urn:ngsi-ld:WasteContainer:botosani-002", status="ok")])
    assert statuses() == {"burning": 1, "ok": 1}


def test_a_batch_takes_as_many_queries_for_fifty_entities_as_for_five(botosani):
    def update_queries(count: int, minutes: int) -> int:
        documents = [
            container(f"urn:ngsi-ld:WasteContainer:q{count}-{n}", fillingLevel=observed(0.5))
            for n in range(count)
        ]
        write(botosani, documents)  # creates them
        for document in documents:
            document["fillingLevel"] = observed(0.6, minutes=-minutes)
        with CaptureQueriesContext(connection) as queries:
            results = write(botosani, documents)
        assert all(result.error is None for result in results)
        return len(queries.captured_queries)

    assert update_queries(50, 1) == update_queries(5, 2)
    stored = Reading.objects.filter(entity__entity_id__startswith="urn:ngsi-ld:WasteContainer:q50-")
    assert stored.count() == 100
