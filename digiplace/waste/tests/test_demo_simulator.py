"""The live simulator continues the waste demo's containers: every demo WasteContainer entity
of both cities gets its next observation, which urban data's write path accepts, and a
container's fill goes on from where the demo's history left it."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from digiplace.core.models import Municipality
from digiplace.urbandata.demo import waste as urbandata_waste
from digiplace.urbandata.models import Entity
from digiplace.urbandata.services.ingest import WriteMode, entities_write
from digiplace.urbandata.simulator import CitySimulator

pytestmark = pytest.mark.django_db


def test_a_simulator_step_continues_every_demo_container() -> None:
    call_command("demo_load", verbosity=0)
    botosani = Municipality.objects.get(slug="botosani")
    timisoara = Municipality.objects.get(slug="timisoara")
    urbandata_waste.demo_load(botosani=botosani, timisoara=timisoara)
    call_command("waste_demo", verbosity=0)

    for city in (botosani, timisoara):
        containers = Entity.objects.filter(municipality=city, type="WasteContainer", is_demo=True)
        levels = {
            entity.entity_id: entity.attributes["fillingLevel"]["value"] for entity in containers
        }
        simulator = CitySimulator(municipality=city, http_url="http://testserver", seed=1)
        # Twenty minutes on: no collection hour in between, unless the test runs at 06:00.
        now = timezone.now().replace(microsecond=0) + datetime.timedelta(minutes=20)
        _other, documents = simulator.documents(now)
        assert {document["id"] for document in documents} == set(levels)
        results = entities_write(
            municipality=city, documents=documents, mode=WriteMode.UPSERT_MERGE, key=None, now=now
        )
        assert [result.error for result in results if result.error is not None] == []
        emptied = [document for document in documents if "dateLastEmptying" in document]
        for document in documents:
            if document not in emptied:
                level = document["fillingLevel"]["value"]
                assert levels[document["id"]] - 0.001 <= level <= levels[document["id"]] + 0.05
