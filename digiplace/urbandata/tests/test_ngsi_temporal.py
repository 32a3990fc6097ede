"""NGSI-LD temporal API: loading history, the temporal, simplified and aggregated
representations, time windows, lastN, paging, deletion, and every refusal as
ProblemDetails (ETSI GS CIM 009, clauses 4.5.7–4.5.9, 4.5.19, 5.6.11–5.6.16, 5.7.3–5.7.4)."""

from __future__ import annotations

import datetime
import json
import math
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from digiplace.urbandata.models import Entity, Reading, Rollup, RollupPending
from digiplace.urbandata.selectors import temporal as temporal_selectors

from .factories import bearer, device_key_make

pytestmark = pytest.mark.django_db

BOTOSANI = "botosani.localhost"
TIMISOARA = "timisoara.localhost"
BASE = "/ngsi-ld/v1/temporal/entities"
ERRORS = "https://uri.etsi.org/ngsi-ld/errors/"
BIN = "urn:ngsi-ld:WasteContainer:temporal-1"
# Midnight UTC three days ago: inside the raw retention, on hour and day boundaries.
DAY = (timezone.now() - datetime.timedelta(days=3)).replace(
    hour=0, minute=0, second=0, microsecond=0
)


def auth(secret: str) -> dict[str, Any]:
    """``Authorization: Bearer <secret>`` for the test client (typed for its keywords)."""
    return dict(bearer(secret))


def at(hours: float) -> datetime.datetime:
    return DAY + datetime.timedelta(hours=hours)


def z(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


LEVELS = [(1.0, 0.1), (1.5, 0.3), (2.25, 0.5), (5.0, 0.7)]


def history(entity_id=BIN, levels=LEVELS, **extra):
    return {
        "id": entity_id,
        "type": "WasteContainer",
        "fillingLevel": [
            {"type": "Property", "value": value, "observedAt": z(at(hours))}
            for hours, value in levels
        ],
        "status": [
            {"type": "Property", "value": "ok", "observedAt": z(at(1))},
            {"type": "Property", "value": "lidOpen", "observedAt": z(at(5))},
        ],
        **extra,
    }


@pytest.fixture
def key(botosani):
    return device_key_make(municipality=botosani)[1]


@pytest.fixture
def client():
    return Client(HTTP_HOST=BOTOSANI)


def load(client, key, body, content_type="application/json"):
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post(BASE, data, content_type=content_type, **auth(key))


@pytest.fixture
def loaded(client, key, botosani):
    response = load(client, key, history())
    assert response.status_code == 201, response.content
    return Entity.objects.get(municipality=botosani, entity_id=BIN)


def problem(response, status, kind):
    assert response.status_code == status, response.content
    body = response.json()
    base = "https://digiplace.eu/problems/" if kind in ("Unauthorized", "Forbidden") else ERRORS
    assert body["type"] == base + kind
    assert body["title"] and body["detail"]
    return body


def get(client, path=f"{BASE}/{BIN}", **parameters):
    response = client.get(path, parameters)
    assert response.status_code == 200, response.content
    return response.json()


def test_loading_history_creates_the_entity_with_its_latest_values(client, key, botosani):
    response = load(client, key, history())

    assert response.status_code == 201
    assert response["Location"] == f"{BASE}/{BIN}"
    entity = Entity.objects.get(municipality=botosani, entity_id=BIN)
    assert entity.attributes["fillingLevel"]["value"] == 0.7
    assert entity.attributes["fillingLevel"]["observedAt"] == z(at(5))
    assert entity.attributes["status"]["value"] == "lidOpen"
    assert Reading.objects.filter(entity=entity, attribute="fillingLevel").count() == 4
    assert Reading.objects.filter(entity=entity, attribute="status").count() == 2


def test_retrieve_gives_every_instance_in_time_order(client, loaded):
    body = get(client)

    assert body["id"] == BIN
    assert body["type"] == "WasteContainer"
    assert body["fillingLevel"] == [
        {"type": "Property", "value": value, "observedAt": z(at(hours))} for hours, value in LEVELS
    ]
    assert [instance["value"] for instance in body["status"]] == ["ok", "lidOpen"]


def test_loading_more_history_into_an_existing_entity_adds_only_new_instances(client, key, loaded):
    more = history(levels=[*LEVELS, (6.0, 0.9)])

    response = load(client, key, more)

    assert response.status_code == 204
    assert Reading.objects.filter(entity=loaded, attribute="fillingLevel").count() == 5
    loaded.refresh_from_db()
    assert loaded.attributes["fillingLevel"]["value"] == 0.9


def test_time_windows_keep_what_the_relation_asks(client, loaded):
    def levels(**parameters):
        return [item["value"] for item in get(client, **parameters)["fillingLevel"]]

    assert levels(timerel="after", timeAt=z(at(1.5))) == [0.3, 0.5, 0.7]
    assert levels(timerel="before", timeAt=z(at(1.5))) == [0.1]
    assert levels(timerel="between", timeAt=z(at(1.5)), endTimeAt=z(at(5))) == [0.3, 0.5]
    assert "fillingLevel" not in get(client, timerel="after", timeAt=z(at(10)))


def test_last_n_keeps_the_latest_instances_of_each_attribute(client, loaded):
    body = get(client, lastN=2)

    assert [item["value"] for item in body["fillingLevel"]] == [0.5, 0.7]
    assert [item["value"] for item in body["status"]] == ["ok", "lidOpen"]
    windowed = get(client, lastN=1, timerel="before", timeAt=z(at(2)))
    assert [item["value"] for item in windowed["fillingLevel"]] == [0.3]


def test_attrs_limits_the_attributes(client, loaded):
    body = get(client, attrs="status")

    assert set(body) == {"id", "type", "status"}


def test_temporal_values_is_the_simplified_representation(client, loaded):
    body = get(client, options="temporalValues", attrs="fillingLevel")

    assert body["fillingLevel"] == {
        "type": "Property",
        "values": [[value, z(at(hours))] for hours, value in LEVELS],
    }


def test_aggregated_values_over_the_whole_window_from_raw_readings(client, loaded):
    body = get(
        client,
        options="aggregatedValues",
        aggrMethods="totalCount,distinctCount,sum,avg,min,max,stddev,sumsq",
        aggrPeriodDuration="PT0S",
        timerel="between",
        timeAt=z(at(0)),
        endTimeAt=z(at(12)),
        attrs="fillingLevel",
    )

    values = [0.1, 0.3, 0.5, 0.7]
    mean = sum(values) / 4
    expected = {
        "totalCount": 4,
        "distinctCount": 4,
        "sum": sum(values),
        "avg": mean,
        "min": 0.1,
        "max": 0.7,
        "stddev": math.sqrt(sum((v - mean) ** 2 for v in values) / 3),
        "sumsq": sum(v * v for v in values),
    }
    attribute = body["fillingLevel"]
    assert attribute["type"] == "Property"
    for method, value in expected.items():
        [[answer, start, end]] = attribute[method]
        assert answer == pytest.approx(value), method
        assert (start, end) == (z(at(0)), z(at(12)))


def test_aggregated_periods_start_at_time_at_when_not_on_an_hour(client, loaded):
    body = get(
        client,
        options="aggregatedValues",
        aggrMethods="avg,totalCount",
        aggrPeriodDuration="PT1H",
        timerel="after",
        timeAt=z(at(0.5)),
        attrs="fillingLevel",
    )

    # Periods from 00:30: [00:30, 01:30) holds 0.1; [01:30, 02:30) holds 0.3 and 0.5; …
    assert body["fillingLevel"]["totalCount"] == [
        [1, z(at(0.5)), z(at(1.5))],
        [2, z(at(1.5)), z(at(2.5))],
        [1, z(at(4.5)), z(at(5.5))],
    ]
    assert body["fillingLevel"]["avg"][1][0] == pytest.approx(0.4)


def test_text_attributes_count_but_have_no_mean(client, loaded):
    body = get(
        client,
        options="aggregatedValues",
        aggrMethods="totalCount,distinctCount,avg",
        attrs="status",
    )

    assert body["status"]["totalCount"][0][0] == 2
    assert body["status"]["distinctCount"][0][0] == 2
    assert body["status"]["avg"] == []


def _rollup(entity, period, start, minimum, maximum, total, count):
    return Rollup.objects.create(
        entity=entity,
        attribute="fillingLevel",
        period=period,
        start=start,
        minimum=minimum,
        maximum=maximum,
        total=total,
        count=count,
    )


def test_hourly_aggregation_on_hour_boundaries_reads_rollups_not_readings(client, loaded):
    RollupPending.objects.all().delete()
    # Rollups whose figures differ from the raw readings: the answer must be theirs.
    _rollup(loaded, "hour", at(1), 0.11, 0.31, 0.42, 2)
    _rollup(loaded, "hour", at(2), 0.5, 0.5, 0.5, 1)

    with CaptureQueriesContext(connection) as queries:
        body = get(
            client,
            options="aggregatedValues",
            aggrMethods="min,max,avg,sum,totalCount",
            aggrPeriodDuration="PT1H",
            timerel="between",
            timeAt=z(at(0)),
            endTimeAt=z(at(3)),
            attrs="fillingLevel",
        )

    assert not any("urbandata_reading" in query["sql"] for query in queries.captured_queries)
    attribute = body["fillingLevel"]
    assert attribute["min"] == [[0.11, z(at(1)), z(at(2))], [0.5, z(at(2)), z(at(3))]]
    assert attribute["max"] == [[0.31, z(at(1)), z(at(2))], [0.5, z(at(2)), z(at(3))]]
    assert attribute["avg"] == [[0.21, z(at(1)), z(at(2))], [0.5, z(at(2)), z(at(3))]]
    assert attribute["sum"][0][0] == pytest.approx(0.42)
    assert [item[0] for item in attribute["totalCount"]] == [2, 1]


def test_a_pending_hour_is_recomputed_from_its_readings(client, loaded):
    RollupPending.objects.all().delete()
    _rollup(loaded, "hour", at(1), 9.0, 9.0, 9.0, 1)  # stale
    RollupPending.objects.create(entity=loaded, attribute="fillingLevel", hour=at(1))

    body = get(
        client,
        options="aggregatedValues",
        aggrMethods="max,totalCount",
        aggrPeriodDuration="PT1H",
        timerel="between",
        timeAt=z(at(0)),
        endTimeAt=z(at(2)),
        attrs="fillingLevel",
    )

    assert body["fillingLevel"]["max"] == [[0.3, z(at(1)), z(at(2))]]
    assert body["fillingLevel"]["totalCount"] == [[2, z(at(1)), z(at(2))]]


def test_daily_aggregation_reads_daily_rollups(client, loaded):
    RollupPending.objects.all().delete()
    _rollup(loaded, "day", DAY, 0.1, 0.7, 1.6, 4)

    body = get(
        client,
        options="aggregatedValues",
        aggrMethods="avg,totalCount",
        aggrPeriodDuration="P1D",
        timerel="after",
        timeAt=z(DAY),
        attrs="fillingLevel",
    )

    assert body["fillingLevel"]["avg"] == [[0.4, z(DAY), z(DAY + datetime.timedelta(days=1))]]
    assert body["fillingLevel"]["totalCount"][0][0] == 4


def test_query_lists_entities_with_paging_and_count(client, key, botosani):
    for number in range(3):
        entity_id = f"urn:ngsi-ld:WasteContainer:temporal-{number}"
        assert load(client, key, history(entity_id=entity_id)).status_code == 201

    response = client.get(
        BASE,
        {
            "type": "WasteContainer",
            "limit": 2,
            "count": "true",
            "attrs": "fillingLevel",
            "lastN": 1,
        },
    )

    assert response.status_code == 200
    body = response.json()
    assert [item["id"] for item in body] == [
        "urn:ngsi-ld:WasteContainer:temporal-0",
        "urn:ngsi-ld:WasteContainer:temporal-1",
    ]
    assert [item["fillingLevel"][0]["value"] for item in body] == [0.7, 0.7]
    assert response["NGSILD-Results-Count"] == "3"
    assert 'rel="next"' in response["Link"] and "offset=2" in response["Link"]
    assert "ngsi-ld-core-context" in response["Link"]


def test_query_q_filters_on_the_current_state(client, key):
    assert load(client, key, history()).status_code == 201
    low = history(entity_id="urn:ngsi-ld:WasteContainer:low", levels=[(1.0, 0.2)])
    assert load(client, key, low).status_code == 201

    body = client.get(BASE, {"type": "WasteContainer", "q": "fillingLevel>0.5"}).json()

    assert [item["id"] for item in body] == [BIN]


def test_json_ld_answers_carry_the_context(client, loaded):
    response = client.get(f"{BASE}/{BIN}", HTTP_ACCEPT="application/ld+json")

    assert response["Content-Type"] == "application/ld+json"
    assert "@context" in response.json()


@pytest.mark.parametrize(
    "parameters",
    [
        {"timerel": "during", "timeAt": "2026-01-01T00:00:00Z"},
        {"timerel": "after"},
        {"timeAt": "2026-01-01T00:00:00Z"},
        {"timerel": "after", "timeAt": "yesterday"},
        {"timerel": "after", "timeAt": "2026-01-01T00:00:00"},
        {"timerel": "between", "timeAt": "2026-01-01T00:00:00Z"},
        {
            "timerel": "between",
            "timeAt": "2026-01-02T00:00:00Z",
            "endTimeAt": "2026-01-01T00:00:00Z",
        },
        {"lastN": "0"},
        {"lastN": "1.5"},
        {"timeproperty": "seenAt"},
        {"options": "aggregatedValues"},
        {"options": "aggregatedValues", "aggrMethods": "median"},
        {"options": "aggregatedValues", "aggrMethods": "avg", "aggrPeriodDuration": "1 hour"},
        {"options": "aggregatedValues", "aggrMethods": "avg", "aggrPeriodDuration": "P1W2D"},
        {"options": "temporalValues,aggregatedValues", "aggrMethods": "avg"},
        {"options": "sometimes"},
    ],
)
def test_bad_temporal_parameters_are_bad_request_data(client, loaded, parameters):
    problem(client.get(f"{BASE}/{BIN}", parameters), 400, "BadRequestData")


def test_a_query_needs_a_selection(client, loaded):
    problem(client.get(BASE, {"timerel": "after", "timeAt": z(at(0))}), 400, "BadRequestData")


def test_unknown_and_other_cities_entities_are_not_found(client, loaded, timisoara):
    problem(client.get(f"{BASE}/urn:ngsi-ld:WasteContainer:none"), 404, "ResourceNotFound")
    problem(Client(HTTP_HOST=TIMISOARA).get(f"{BASE}/{BIN}"), 404, "ResourceNotFound")
    problem(client.get(f"{BASE}/not-a-uri"), 400, "BadRequestData")


def test_history_of_a_non_public_type_needs_a_key(client, key):
    substation = {
        "id": "urn:ngsi-ld:HeatSubstation:s1",
        "type": "HeatSubstation",
        "supplyTemperature": [{"type": "Property", "value": 80, "observedAt": z(at(1))}],
    }
    assert load(client, key, substation).status_code == 201

    problem(client.get(f"{BASE}/urn:ngsi-ld:HeatSubstation:s1"), 401, "Unauthorized")
    problem(client.get(BASE, {"type": "HeatSubstation"}), 401, "Unauthorized")
    keyed = client.get(f"{BASE}/urn:ngsi-ld:HeatSubstation:s1", **auth(key))
    assert keyed.json()["supplyTemperature"][0]["value"] == 80


def test_too_many_instances_is_too_many_results(client, loaded, monkeypatch):
    monkeypatch.setattr(temporal_selectors, "MAX_INSTANCES", 3)

    problem(client.get(f"{BASE}/{BIN}"), 403, "TooManyResults")
    assert len(get(client, lastN=1)["fillingLevel"]) == 1


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        ("{oops", "InvalidRequest"),
        ([history()], "BadRequestData"),
        ({**history(), "id": None}, "BadRequestData"),
        ({**history(), "type": None}, "BadRequestData"),
        ({**history(), "type": "Spaceship"}, "BadRequestData"),
        (
            {**history(), "fillingLevel": [{"type": "Property", "value": 0.5}]},
            "BadRequestData",
        ),
        (
            {
                **history(),
                "fillingLevel": [{"type": "Property", "value": 7, "observedAt": z(at(1))}],
            },
            "BadRequestData",
        ),
        (
            {
                **history(),
                "fillingLevel": [
                    {"type": "Property", "value": 0.5, "observedAt": "2099-01-01T00:00:00Z"}
                ],
            },
            "BadRequestData",
        ),
        ({**history(), "fillingLevel": ["nope"]}, "BadRequestData"),
    ],
)
def test_a_bad_history_is_refused_and_nothing_is_written(client, key, body, kind):
    if isinstance(body, dict):
        body = {name: value for name, value in body.items() if value is not None}
    response = load(client, key, body)

    problem(response, 400, kind)
    assert not Entity.objects.exists()
    assert not Reading.objects.exists()


def test_a_bad_instance_in_an_existing_entity_writes_nothing(client, key, loaded):
    bad = history(levels=[(7.0, 0.2), (8.0, 3.0)])  # 3.0 is above the 0–1 range

    problem(load(client, key, bad), 400, "BadRequestData")

    assert Reading.objects.filter(entity=loaded, attribute="fillingLevel").count() == 4


def test_loading_needs_a_key(client, key):
    response = client.post(BASE, json.dumps(history()), content_type="application/json")

    problem(response, 401, "Unauthorized")
    assert not Entity.objects.exists()


def test_delete_removes_the_entity_and_its_history(client, key, loaded):
    response = client.delete(f"{BASE}/{BIN}", **auth(key))

    assert response.status_code == 204
    assert not Entity.objects.exists() and not Reading.objects.exists()
    problem(client.delete(f"{BASE}/{BIN}", **auth(key)), 404, "ResourceNotFound")
    problem(client.delete(f"{BASE}/urn:ngsi-ld:WasteContainer:x"), 401, "Unauthorized")


def test_duration_arithmetic():
    parse = temporal_selectors.Duration.parse
    start = datetime.datetime(2026, 1, 31, tzinfo=datetime.UTC)
    assert parse("P1M").after(start) == datetime.datetime(2026, 2, 28, tzinfo=datetime.UTC)
    assert parse("P1Y2M").months == 14
    assert parse("P2W").span == datetime.timedelta(days=14)
    assert parse("PT1H30M").span == datetime.timedelta(minutes=90)
    assert parse("PT0S").is_zero
    for text in ("P", "PT", "1H", "P1H", "PT1D", "P1W1D"):
        with pytest.raises(ValueError):
            parse(text)


def test_the_query_costs_the_same_for_more_entities(client, key):
    def queries_for(count):
        for number in range(count):
            entity_id = f"urn:ngsi-ld:WasteContainer:cost-{count}-{number}"
            assert load(client, key, history(entity_id=entity_id)).status_code == 201
        with CaptureQueriesContext(connection) as queries:
            response = client.get(
                BASE, {"idPattern": f"cost-{count}-", "type": "WasteContainer", "limit": 100}
            )
        assert response.status_code == 200
        assert len(response.json()) == count
        return len(queries.captured_queries)

    assert queries_for(2) == queries_for(6)


def test_json_ld_history_is_read_with_its_context(client, key, botosani):
    body = {
        **history(),
        "@context": "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.8.jsonld",
    }

    response = load(client, key, body, content_type="application/ld+json")

    assert response.status_code == 201, response.content
    assert Reading.objects.filter(attribute="fillingLevel").count() == 4
    problem(load(client, key, history(), content_type="application/ld+json"), 400, "BadRequestData")
