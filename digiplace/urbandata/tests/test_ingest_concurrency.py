"""Two batches writing the same entity at once (two web workers, or the web and MQTT): the
second waits for the first and builds on what it wrote, so no current value is lost."""

from __future__ import annotations

import datetime
import threading
from typing import Any

import pytest
from django.db import connection

from digiplace.core.models import Municipality
from digiplace.urbandata.models import Entity, Reading
from digiplace.urbandata.services import _write
from digiplace.urbandata.services.ingest import WriteMode, entities_write

pytestmark = pytest.mark.django_db(transaction=True)

BIN = "urn:ngsi-ld:WasteContainer:botosani-concurrent"


def document(**attributes: Any) -> dict[str, Any]:
    moment = datetime.datetime.now(tz=datetime.UTC).isoformat()
    return {
        "id": BIN,
        "type": "WasteContainer",
        **{
            name: {"type": "Property", "value": value, "observedAt": moment}
            for name, value in attributes.items()
        },
    }


def test_concurrent_batches_on_one_entity_lose_no_current_value(
    botosani: Municipality, monkeypatch: pytest.MonkeyPatch
) -> None:
    entities_write(
        municipality=botosani,
        documents=[document(status="ok")],
        mode=WriteMode.UPSERT_MERGE,
        key=None,
    )
    first_writing = threading.Event()
    release_first = threading.Event()
    insert = _write._insert_readings

    def held_insert(*args: Any, **kwargs: Any) -> None:
        # The first batch stops here, its entity written but not committed.
        if threading.current_thread().name == "first":
            first_writing.set()
            assert release_first.wait(30)
        insert(*args, **kwargs)

    monkeypatch.setattr(_write, "_insert_readings", held_insert)
    errors: list[BaseException] = []

    def run(**attributes: Any) -> None:
        try:
            results = entities_write(
                municipality=botosani,
                documents=[document(**attributes)],
                mode=WriteMode.UPSERT_MERGE,
                key=None,
            )
            assert [result.error for result in results] == [None]
        except BaseException as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    first = threading.Thread(target=run, name="first", kwargs={"fillingLevel": 0.4})
    second = threading.Thread(target=run, name="second", kwargs={"temperature": 21.5})
    first.start()
    assert first_writing.wait(30)
    second.start()
    # The second batch waits for the first's lock (or, on SQLite, for its write lock).
    second.join(timeout=1)
    assert second.is_alive()
    release_first.set()
    first.join(30)
    second.join(30)
    assert not errors, errors
    entity = Entity.objects.get(entity_id=BIN)
    assert {name: entity.attributes[name]["value"] for name in entity.attributes} == {
        "status": "ok",
        "fillingLevel": 0.4,
        "temperature": 21.5,
    }
    assert set(Reading.objects.filter(entity=entity).values_list("attribute", flat=True)) == {
        "status",
        "fillingLevel",
        "temperature",
    }
