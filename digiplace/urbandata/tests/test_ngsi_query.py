"""GET entities: type, id, idPattern, attrs, the q language, georel, paging Link headers and
count (ETSI GS CIM 009, clauses 4.9–4.13 and 6.4.3.2)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from digiplace.core.models import Municipality
from digiplace.urbandata.ngsi.contexts import CORE_ONLY
from digiplace.urbandata.ngsi.query import distance_metres, q_parse

from .factories import EntityFactory, device_key_make
from .ngsi_helpers import get, problem_type

pytestmark = pytest.mark.django_db


def _ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [entity["id"] for entity in response.json()]


def _container(
    municipality: Municipality,
    name: str,
    *,
    latitude: float = 47.7486,
    longitude: float = 26.6694,
    **attributes: Any,
) -> None:
    EntityFactory.create(
        municipality=municipality,
        entity_id=f"urn:ngsi-ld:WasteContainer:{name}",
        latitude=latitude,
        longitude=longitude,
        attributes={
            "location": {
                "type": "GeoProperty",
                "value": {"type": "Point", "coordinates": [longitude, latitude]},
            },
            **attributes,
        },
    )


def _property(value: Any, **extra: Any) -> dict[str, Any]:
    return {"type": "Property", "value": value, **extra}


@pytest.fixture
def containers(botosani: Municipality) -> None:
    _container(
        botosani,
        "a",
        fillingLevel=_property(0.2, observedAt="2026-11-30T08:00:00.000Z"),
        status=_property("ok"),
        storedWasteKind=_property("organic"),
        address=_property({"streetAddress": "Str. Unirii 1", "addressLocality": "Botoșani"}),
    )
    _container(
        botosani,
        "b",
        fillingLevel=_property(0.55, observedAt="2026-11-30T09:00:00.000Z"),
        status=_property("lidOpen"),
        storedWasteKind=_property("paper"),
    )
    _container(
        botosani,
        "c",
        fillingLevel=_property(0.9, observedAt="2026-11-30T10:00:00.000Z"),
        status=_property("burning"),
        refWasteContainerModel={"type": "Relationship", "object": "urn:ngsi-ld:Model:x"},
    )


def _query(client: Client, q: str) -> list[str]:
    return [
        entity_id.rsplit(":", 1)[1]
        for entity_id in _ids(get(client, "entities", {"type": "WasteContainer", "q": q}))
    ]


@pytest.mark.usefixtures("containers")
@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("fillingLevel>0.5", ["b", "c"]),
        ("fillingLevel>=0.55", ["b", "c"]),
        ("fillingLevel<0.55", ["a"]),
        ("fillingLevel<=0.55", ["a", "b"]),
        ("fillingLevel==0.9", ["c"]),
        ("fillingLevel!=0.9", ["a", "b"]),
        ("fillingLevel==0.1..0.6", ["a", "b"]),
        ('status=="ok"', ["a"]),
        ("status==ok,burning", ["a", "c"]),
        ('status=="ok","lidOpen"', ["a", "b"]),
        ('status!="ok"', ["b", "c"]),
        ("status~=^lid", ["b"]),
        ("status!~=^lid", ["a", "c"]),
        ("fillingLevel>0.5;status==burning", ["c"]),
        ("status==ok|status==burning", ["a", "c"]),
        ("fillingLevel<0.3|fillingLevel>0.8;status==burning", ["a", "c"]),
        ("(fillingLevel<0.3|fillingLevel>0.8);status==burning", ["c"]),
        ("storedWasteKind", ["a", "b"]),
        ("refWasteContainerModel==urn:ngsi-ld:Model:x", ["c"]),
        ("fillingLevel.observedAt>=2026-11-30T09:00:00Z", ["b", "c"]),
        ("fillingLevel.observedAt<2026-11-30T09:00:00Z", ["a"]),
        ('address[addressLocality]=="Botoșani"', ["a"]),
        ("fillingLevel>1", []),
        ('fillingLevel=="0.2"', []),
    ],
)
def test_q(client: Client, q: str, expected: list[str]) -> None:
    assert _query(client, q) == expected


@pytest.mark.usefixtures("containers")
@pytest.mark.parametrize(
    "q",
    [
        "fillingLevel>",
        "(status==ok",
        'status=="ok',
        "fillingLevel>>1",
        ";",
        "status~=(",
        "a==1..2..3",
    ],
)
def test_a_bad_q_is_bad_request_data(client: Client, q: str) -> None:
    response = get(client, "entities", {"type": "WasteContainer", "q": q})

    assert response.status_code == 400
    assert problem_type(response) == "BadRequestData"


def test_q_precedence_and_binds_first() -> None:
    expression = q_parse("a==1|b==2;c==3", CORE_ONLY)

    assert type(expression).__name__ == "Logical"
    assert expression.operator == "|"  # type: ignore[union-attr]


@pytest.mark.usefixtures("containers")
def test_type_id_and_id_pattern(client: Client, botosani: Municipality) -> None:
    EntityFactory.create(
        municipality=botosani, type="ParkingSpot", entity_id="urn:ngsi-ld:ParkingSpot:1"
    )

    by_type = _ids(get(client, "entities", {"type": "ParkingSpot"}))
    by_types = _ids(get(client, "entities", {"type": "ParkingSpot,WasteContainer"}))
    by_id = _ids(
        get(
            client,
            "entities",
            {"id": "urn:ngsi-ld:WasteContainer:a,urn:ngsi-ld:WasteContainer:c"},
        )
    )
    by_pattern = _ids(get(client, "entities", {"idPattern": "^urn:ngsi-ld:WasteContainer:[ab]$"}))

    assert by_type == ["urn:ngsi-ld:ParkingSpot:1"]
    assert len(by_types) == 4
    assert by_id == ["urn:ngsi-ld:WasteContainer:a", "urn:ngsi-ld:WasteContainer:c"]
    assert by_pattern == ["urn:ngsi-ld:WasteContainer:a", "urn:ngsi-ld:WasteContainer:b"]


@pytest.mark.usefixtures("containers")
def test_attrs_filters_and_projects(client: Client) -> None:
    response = get(client, "entities", {"type": "WasteContainer", "attrs": "storedWasteKind"})

    assert response.json() == [
        {
            "id": "urn:ngsi-ld:WasteContainer:a",
            "type": "WasteContainer",
            "storedWasteKind": {"type": "Property", "value": "organic"},
        },
        {
            "id": "urn:ngsi-ld:WasteContainer:b",
            "type": "WasteContainer",
            "storedWasteKind": {"type": "Property", "value": "paper"},
        },
    ]


@pytest.mark.usefixtures("containers")
def test_key_values(client: Client) -> None:
    response = get(
        client,
        "entities",
        {"type": "WasteContainer", "q": "status==ok", "options": "keyValues", "attrs": "status"},
    )

    assert response.json() == [
        {"id": "urn:ngsi-ld:WasteContainer:a", "type": "WasteContainer", "status": "ok"}
    ]


def test_a_query_without_any_filter_is_bad_request_data(
    client: Client, botosani: Municipality
) -> None:
    response = get(client, "entities")

    assert response.status_code == 400
    assert problem_type(response) == "BadRequestData"


def test_without_a_key_only_public_types_are_listed(client: Client, botosani: Municipality) -> None:
    EntityFactory.create(municipality=botosani, entity_id="urn:ngsi-ld:WasteContainer:1")
    EntityFactory.create(
        municipality=botosani, type="Streetlight", entity_id="urn:ngsi-ld:Streetlight:1"
    )
    _key, secret = device_key_make(municipality=botosani)

    anonymous = get(client, "entities", {"idPattern": ".*"})
    with_key = get(client, "entities", {"idPattern": ".*"}, secret=secret)
    private_type = get(client, "entities", {"type": "Streetlight"})

    assert _ids(anonymous) == ["urn:ngsi-ld:WasteContainer:1"]
    assert _ids(with_key) == ["urn:ngsi-ld:Streetlight:1", "urn:ngsi-ld:WasteContainer:1"]
    assert private_type.status_code == 401


def test_another_citys_entities_are_not_listed(
    client: Client, botosani: Municipality, timisoara: Municipality
) -> None:
    EntityFactory.create(municipality=timisoara, entity_id="urn:ngsi-ld:WasteContainer:tm")

    assert _ids(get(client, "entities", {"type": "WasteContainer"})) == []


# Geo-queries


@pytest.fixture
def places(botosani: Municipality) -> None:
    # Botoșani's centre, ~1.1 km north of it, ~11 km north of it.
    _container(botosani, "centre", latitude=47.7486, longitude=26.6694)
    _container(botosani, "near", latitude=47.7586, longitude=26.6694)
    _container(botosani, "far", latitude=47.8486, longitude=26.6694)


def _geo(client: Client, **parameters: str) -> list[str]:
    response = get(client, "entities", {"type": "WasteContainer", **parameters})
    return [entity_id.rsplit(":", 1)[1] for entity_id in _ids(response)]


@pytest.mark.usefixtures("places")
def test_near_max_distance(client: Client) -> None:
    found = _geo(
        client,
        georel="near;maxDistance==2000",
        geometry="Point",
        coordinates="[26.6694,47.7486]",
    )

    assert found == ["centre", "near"]


@pytest.mark.usefixtures("places")
def test_near_min_distance(client: Client) -> None:
    found = _geo(
        client,
        georel="near;minDistance==2000",
        geometry="Point",
        coordinates="[26.6694,47.7486]",
    )

    assert found == ["far"]


@pytest.mark.usefixtures("places")
def test_within_a_polygon(client: Client) -> None:
    square = "[[[26.66,47.74],[26.68,47.74],[26.68,47.755],[26.66,47.755],[26.66,47.74]]]"

    assert _geo(client, georel="within", geometry="Polygon", coordinates=square) == ["centre"]
    assert _geo(client, georel="intersects", geometry="Polygon", coordinates=square) == ["centre"]
    assert _geo(client, georel="disjoint", geometry="Polygon", coordinates=square) == [
        "far",
        "near",
    ]


@pytest.mark.usefixtures("places")
@pytest.mark.parametrize(
    "parameters",
    [
        {"georel": "near", "geometry": "Point", "coordinates": "[26.6,47.7]"},
        {"georel": "near;maxDistance==-5", "geometry": "Point", "coordinates": "[26.6,47.7]"},
        {"georel": "near;maxDistance==100", "geometry": "Polygon", "coordinates": "[26.6,47.7]"},
        {"georel": "near;maxDistance==100", "geometry": "Point", "coordinates": "26.6,47.7"},
        {"georel": "near;maxDistance==100", "geometry": "Point"},
        {"georel": "around", "geometry": "Point", "coordinates": "[26.6,47.7]"},
        {"geometry": "Point", "coordinates": "[26.6,47.7]"},
        {"georel": "within", "geometry": "Polygon", "coordinates": "[[[26.6,47.7],[26.7,47.7]]]"},
    ],
)
def test_bad_geo_queries_are_bad_request_data(client: Client, parameters: dict[str, str]) -> None:
    response = get(client, "entities", {"type": "WasteContainer", **parameters})

    assert response.status_code == 400
    assert problem_type(response) == "BadRequestData"


def test_distance_metres() -> None:
    # One hundredth of a degree of latitude is about 1,112 m.
    assert 1100 < distance_metres(47.7486, 26.6694, 47.7586, 26.6694) < 1125


# Paging and count


@pytest.fixture
def five(botosani: Municipality) -> None:
    for name in "abcde":
        _container(botosani, name, fillingLevel=_property(0.5))


PAGE_LINK = (
    "</ngsi-ld/v1/entities?count=true&idPattern=urn:ngsi-ld:WasteContainer:.*"
    '&limit=2&offset={offset}&type=WasteContainer>;rel="{relation}";type="application/json"'
)
CONTEXT_LINK = (
    "<https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.8.jsonld>; "
    'rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"'
)


def _page(client: Client, offset: int, limit: int = 2) -> Any:
    return get(
        client,
        "entities",
        {
            "type": "WasteContainer",
            "idPattern": "urn:ngsi-ld:WasteContainer:.*",
            "limit": str(limit),
            "offset": str(offset),
            "count": "true",
        },
    )


@pytest.mark.usefixtures("five")
def test_first_page_links_to_the_next_only(client: Client) -> None:
    response = _page(client, 0)

    assert [entity["id"][-1] for entity in response.json()] == ["a", "b"]
    assert response["NGSILD-Results-Count"] == "5"
    assert response["Link"] == ", ".join(
        [CONTEXT_LINK, PAGE_LINK.format(offset=2, relation="next")]
    )


@pytest.mark.usefixtures("five")
def test_a_middle_page_links_both_ways(client: Client) -> None:
    response = _page(client, 2)

    assert [entity["id"][-1] for entity in response.json()] == ["c", "d"]
    assert response["Link"] == ", ".join(
        [
            CONTEXT_LINK,
            PAGE_LINK.format(offset=0, relation="prev"),
            PAGE_LINK.format(offset=4, relation="next"),
        ]
    )


@pytest.mark.usefixtures("five")
def test_the_last_page_links_back_only(client: Client) -> None:
    response = _page(client, 4)

    assert [entity["id"][-1] for entity in response.json()] == ["e"]
    assert response["Link"] == ", ".join(
        [CONTEXT_LINK, PAGE_LINK.format(offset=2, relation="prev")]
    )


@pytest.mark.usefixtures("five")
def test_paging_with_q_counts_only_matches(client: Client, botosani: Municipality) -> None:
    _container(botosani, "f", fillingLevel=_property(0.1))

    response = get(
        client,
        "entities",
        {"type": "WasteContainer", "q": "fillingLevel>0.3", "limit": "3", "count": "true"},
    )

    assert response["NGSILD-Results-Count"] == "5"
    assert len(response.json()) == 3
    assert 'rel="next"' in response["Link"]


@pytest.mark.usefixtures("five")
def test_limit_zero_with_count_gives_only_the_count(client: Client) -> None:
    response = _page(client, 0, limit=0)

    assert response.json() == []
    assert response["NGSILD-Results-Count"] == "5"
    assert response["Link"] == CONTEXT_LINK


@pytest.mark.usefixtures("five")
def test_paging_links_in_ld_json_carry_that_type(client: Client) -> None:
    response = get(
        client,
        "entities",
        {"type": "WasteContainer", "limit": "2"},
        accept="application/ld+json",
    )

    assert response["Link"] == (
        '</ngsi-ld/v1/entities?limit=2&offset=2&type=WasteContainer>;rel="next";'
        'type="application/ld+json"'
    )
    assert "NGSILD-Results-Count" not in response
    assert all(
        entity["@context"] == "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.8.jsonld"
        for entity in response.json()
    )


@pytest.mark.usefixtures("five")
@pytest.mark.parametrize(
    ("parameters", "status", "kind"),
    [
        ({"limit": "0"}, 400, "BadRequestData"),
        ({"limit": "-1"}, 400, "BadRequestData"),
        ({"limit": "ten"}, 400, "BadRequestData"),
        ({"offset": "-3"}, 400, "BadRequestData"),
        ({"limit": "5000"}, 403, "TooManyResults"),
        ({"count": "maybe"}, 400, "BadRequestData"),
        ({"idPattern": "("}, 400, "BadRequestData"),
    ],
)
def test_bad_paging_parameters(
    client: Client, parameters: dict[str, str], status: int, kind: str
) -> None:
    response = get(client, "entities", {"type": "WasteContainer", **parameters})

    assert response.status_code == status
    assert problem_type(response) == kind
