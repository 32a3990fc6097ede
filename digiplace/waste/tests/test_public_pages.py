"""The waste module's public pages: the live map and its JSON, the sortable list and its
CSV, a container's page, the sitemap and the home map's places; another city's container
answers 404, bad filters a clear error, and nothing about people is shown."""

from __future__ import annotations

import csv
import datetime
import io
import json
import re
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from digiplace.core.models import Municipality
from digiplace.core.tests.factories import UserFactory
from digiplace.urbandata.models import Alert, AlertRule, AlertRuleKind, AlertState
from digiplace.urbandata.services import ingest
from digiplace.waste import map_places
from digiplace.waste.models import (
    CollectionPoint,
    CollectionSource,
    Container,
    Fraction,
    PlanRoute,
    PlanStop,
    StopReason,
)
from digiplace.waste.services.containers import collection_record, container_install

from .factories import CollectionPlanFactory, CollectionPointFactory, TruckFactory

pytestmark = pytest.mark.django_db

BOTOSANI = "botosani.localhost"
TIMISOARA = "timisoara.localhost"


def english(host: str = BOTOSANI) -> Client:
    client = Client(HTTP_HOST=host)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _iso(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")


def fill(container: Container, level: float, at: datetime.datetime | None = None) -> None:
    """The container's sensor reports ``level`` at ``at`` (default: ten minutes ago)."""
    assert container.entity is not None
    moment = at or timezone.now() - datetime.timedelta(minutes=10)
    results = ingest.entities_write(
        municipality=container.municipality,
        documents=[
            {
                "id": container.entity.entity_id,
                "type": "WasteContainer",
                "fillingLevel": {"type": "Property", "value": level, "observedAt": _iso(moment)},
            }
        ],
        mode=ingest.WriteMode.UPSERT_MERGE,
        key=None,
    )
    assert results[0].error is None


def install(
    point: CollectionPoint, code: str, fraction: str = Fraction.PLASTIC, **fields: Any
) -> Container:
    return container_install(
        point=point,
        actor=None,
        code=code,
        fraction=fraction,
        capacity_litres=fields.pop("capacity_litres", 1100),
        **fields,
    )


@pytest.fixture
def containers(botosani: Municipality) -> dict[str, Container]:
    """Four containers at two points: 20 %, 90 %, 97 % and one without a reading."""
    north = CollectionPointFactory.create(
        municipality=botosani,
        code="p01",
        name="Piața Revoluției",
        street="Str. Pacea",
        neighbourhood="Centru",
        is_demo=True,
    )
    south = CollectionPointFactory.create(
        municipality=botosani,
        code="p02",
        name="Bucovina",
        street="Str. Bucovina",
        neighbourhood="Grigorescu",
        latitude=47.7400,
    )
    made = {
        "c-a": install(north, "c-a", Fraction.RESIDUAL, model="Otto 1100"),
        "c-b": install(north, "c-b", Fraction.PLASTIC),
        "c-c": install(south, "c-c", Fraction.PLASTIC),
        "c-d": install(south, "c-d", Fraction.GLASS),
    }
    fill(made["c-a"], 0.2)
    fill(made["c-b"], 0.9)
    fill(made["c-c"], 0.97)
    return {code: Container.objects.get(pk=container.pk) for code, container in made.items()}


def _codes(html: str) -> list[str]:
    return [code for code in ("c-a", "c-b", "c-c", "c-d") if f">{code}</a></th>" in html]


def _ordered_codes(html: str) -> list[str]:
    found = [(html.index(f">{code}</a></th>"), code) for code in _codes(html)]
    return [code for _position, code in sorted(found)]


def test_the_map_shows_each_point_in_its_fullest_containers_band(
    containers: dict[str, Container],
) -> None:
    response = english().get(reverse("waste:index"))

    assert response.status_code == 200
    assert reverse("waste:index") == "/waste/"
    features = response.context["features"]["features"]
    by_point = {feature["properties"]["id"]: feature["properties"] for feature in features}
    assert by_point["p01"]["band"] == "high"
    assert by_point["p01"]["label"] == "Piața Revoluției: fullest 90 % (80–95 %)"
    assert by_point["p02"]["band"] == "full"
    assert [item["text"] for item in by_point["p02"]["containers"]] == [
        "97 % (over 95 %)",
        "no recent reading",
    ]
    summary = response.context["summary"]
    assert (summary.containers, summary.over_threshold, summary.without_reading) == (4, 2, 1)
    html = response.content.decode()
    assert "Demo data" in html  # one of the points is demo data
    for words in ("under 50 %", "50–80 %", "80–95 %", "over 95 %", "no recent reading"):
        assert words in html  # the legend names every band in words
    assert 'data-waste-live="/waste/containers.json"' in html


def test_the_map_filters_by_fraction_and_refuses_an_unknown_one(
    containers: dict[str, Container],
) -> None:
    response = english().get(reverse("waste:index"), {"fraction": "glass"})
    features = response.context["features"]["features"]
    assert [feature["properties"]["id"] for feature in features] == ["p02"]
    assert features[0]["properties"]["band"] == "none"
    assert 'data-waste-live="/waste/containers.json?fraction=glass"' in response.content.decode()

    refused = english().get(reverse("waste:index"), {"fraction": "metal"})
    assert refused.status_code == 400
    assert "There is no such fraction; all fractions are shown." in refused.content.decode()
    assert len(refused.context["features"]["features"]) == 2

    bad_json = english().get(reverse("waste:containers_json"), {"fraction": "metal"})
    assert bad_json.status_code == 400
    assert bad_json.json() == {"error": "There is no such fraction; all fractions are shown."}


def test_the_live_json_changes_when_a_container_is_emptied(
    containers: dict[str, Container],
) -> None:
    url = reverse("waste:containers_json")
    before = english().get(url).json()
    point = next(point for point in before["points"] if point["id"] == "p02")
    assert point["band"] == "full"
    assert before["summary"]["over_threshold"] == 2

    collection_record(
        container=containers["c-c"],
        collected_at=timezone.now(),
        source=CollectionSource.DRIVER,
        fill_before=0.97,
    )

    after = english().get(url).json()
    point = next(point for point in after["points"] if point["id"] == "p02")
    emptied = next(item for item in point["containers"] if item["code"] == "c-c")
    assert (emptied["fill"], emptied["band"], emptied["text"]) == (0.0, "low", "0 % (under 50 %)")
    assert point["band"] == "low"
    assert after["summary"]["over_threshold"] == 1


def test_the_list_sorts_by_each_column(containers: dict[str, Container]) -> None:
    url = reverse("waste:container_list")
    client = english()

    by_fill = client.get(url, {"sort": "fill", "order": "desc"})
    # The fullest first; a container without a recent reading last.
    assert _ordered_codes(by_fill.content.decode()) == ["c-c", "c-b", "c-a", "c-d"]
    assert 'aria-sort="descending"' in by_fill.content.decode()
    assert _ordered_codes(client.get(url, {"sort": "fill"}).content.decode()) == [
        "c-a",
        "c-b",
        "c-c",
        "c-d",
    ]
    by_code = client.get(url, {"sort": "code", "order": "desc"}).content.decode()
    assert _ordered_codes(by_code) == ["c-d", "c-c", "c-b", "c-a"]
    by_point = client.get(url, {"sort": "point"}).content.decode()
    assert _ordered_codes(by_point) == ["c-c", "c-d", "c-a", "c-b"]  # Str. Bucovina first
    by_fraction = client.get(url, {"sort": "fraction"}).content.decode()
    assert _ordered_codes(by_fraction) == ["c-d", "c-b", "c-c", "c-a"]  # glass, plastic, residual


def test_the_list_sort_links_keep_the_filters_and_turn_the_order(
    containers: dict[str, Container],
) -> None:
    response = english().get(
        reverse("waste:container_list"), {"sort": "fill", "order": "desc", "fraction": "plastic"}
    )
    columns = {column["key"]: column for column in response.context["columns"]}
    assert columns["fill"]["aria_sort"] == "descending"
    assert columns["fill"]["url"] == "?sort=fill&order=asc&fraction=plastic"
    assert columns["code"]["aria_sort"] == ""
    assert columns["emptied"]["url"] == "?sort=emptied&order=desc&fraction=plastic"


def test_the_list_filters_by_fraction_and_neighbourhood(containers: dict[str, Container]) -> None:
    url = reverse("waste:container_list")
    client = english()
    plastic = client.get(url, {"fraction": "plastic"}).content.decode()
    assert _ordered_codes(plastic) == ["c-b", "c-c"]
    south = client.get(url, {"neighbourhood": "Grigorescu"}).content.decode()
    assert _ordered_codes(south) == ["c-c", "c-d"]
    both = client.get(url, {"neighbourhood": "Centru", "fraction": "residual"}).content.decode()
    assert _ordered_codes(both) == ["c-a"]

    refused = client.get(url, {"neighbourhood": "Atlantis", "sort": "colour"})
    assert refused.status_code == 400
    html = refused.content.decode()
    assert "There is no such neighbourhood; all neighbourhoods are shown." in html
    assert "The list cannot be sorted that way; it is sorted by code." in html
    assert _ordered_codes(html) == ["c-a", "c-b", "c-c", "c-d"]


def test_the_list_is_paginated(botosani: Municipality) -> None:
    point = CollectionPointFactory.create(municipality=botosani)
    for number in range(52):
        Container.objects.create(
            municipality=botosani,
            point=point,
            code=f"k{number:03d}",
            fraction=Fraction.PAPER,
            capacity_litres=240,
        )
    client = english()
    first = client.get(reverse("waste:container_list"))
    assert len(first.context["page"].object_list) == 50
    assert "Page 1 of 2" in first.content.decode()
    second = client.get(reverse("waste:container_list"), {"page": 2})
    assert [state.container.code for state in second.context["page"].object_list] == [
        "k050",
        "k051",
    ]


def test_the_csv_has_every_container_in_the_lists_order(
    containers: dict[str, Container],
) -> None:
    response = english().get(reverse("waste:containers_csv"), {"sort": "fill", "order": "desc"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [row["code"] for row in rows] == ["c-c", "c-b", "c-a", "c-d"]
    assert rows[0]["fill_percent"] == "97"
    assert rows[0]["street"] == "Str. Bucovina"
    assert rows[3]["fill_percent"] == ""
    assert rows[2]["is_demo"] == "true"
    refused = english().get(reverse("waste:containers_csv"), {"fraction": "metal"})
    assert refused.status_code == 400


def _driver_collection(container: Container) -> None:
    """A collection a driver marked on a plan's stop: the driver is on the stop only."""
    driver = UserFactory.create(email="ion.sofer@botosani.example", full_name="Ion Șofer")
    plan = CollectionPlanFactory.create(municipality=container.municipality)
    truck = TruckFactory.create(municipality=container.municipality, depot=plan.depot)
    route = PlanRoute.objects.create(
        plan=plan, truck=truck, number=1, distance_m=1000, duration_s=600, load_litres=1100
    )
    moment = timezone.now() - datetime.timedelta(hours=3)
    stop = PlanStop.objects.create(
        route=route,
        container=container,
        sequence=1,
        reason=StopReason.FORECAST,
        emptied_at=moment,
        done_by=driver,
    )
    collection_record(
        container=container,
        collected_at=moment,
        source=CollectionSource.DRIVER,
        fill_before=0.85,
        stop=stop,
    )


def test_a_container_page_shows_its_fill_history_collections_and_alerts_and_no_person(
    containers: dict[str, Container],
) -> None:
    container = containers["c-b"]
    assert container.entity is not None
    now = timezone.now()
    fill(container, 0.5, now - datetime.timedelta(days=2))
    fill(container, 0.7, now - datetime.timedelta(days=1))
    fill(container, 0.9)
    _driver_collection(container)
    fill(container, 0.92)
    dispatcher = UserFactory.create(email="dispecer@botosani.example", full_name="Maria Dispecer")
    rule = AlertRule.objects.create(
        municipality=container.municipality,
        name="Overflow",
        entity_type="WasteContainer",
        kind=AlertRuleKind.ABOVE,
        attribute="fillingLevel",
        threshold=0.95,
    )
    Alert.objects.create(
        municipality=container.municipality,
        rule=rule,
        entity=container.entity,
        state=AlertState.ACKNOWLEDGED,
        message="Fill 0.97 above 0.95",
        acknowledged_by=dispatcher,
        acknowledged_at=now,
    )

    response = english().get(reverse("waste:container_detail", args=["c-b"]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Container c-b: plastic and metal" in html
    assert "92 % (80–95 %)" in html
    # The readings of the last 30 days, the 0 % of the emptying among them, as a chart.
    assert response.context["chart"]["datasets"][0]["data"] == [50, 70, 0, 90, 90, 92]
    assert "Marked by the driver" in html
    assert "85 %" in html
    assert "Overflow" in html and "Acknowledged" in html
    for person in ("Ion Șofer", "ion.sofer", "Maria Dispecer", "dispecer@"):
        assert person not in html


def test_a_container_without_readings_or_collections_says_so(botosani: Municipality) -> None:
    point = CollectionPointFactory.create(municipality=botosani, name="Str. Cișmea")
    install(point, "quiet", Fraction.BIO, capacity_litres=240)

    response = english().get(reverse("waste:container_detail", args=["quiet"]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "No fill readings in this period." in html
    assert "No collection of this container has been recorded yet." in html
    assert "No alerts on this container." in html
    assert "240 litres" in html


def test_another_citys_container_is_not_found(
    containers: dict[str, Container], timisoara: Municipality
) -> None:
    url = reverse("waste:container_detail", args=["c-a"])
    assert english(BOTOSANI).get(url).status_code == 200
    assert english(TIMISOARA).get(url).status_code == 404
    assert (
        english(BOTOSANI).get(reverse("waste:container_detail", args=["nope"])).status_code == 404
    )


def test_a_city_without_containers_gets_empty_pages(
    containers: dict[str, Container], timisoara: Municipality
) -> None:
    client = english(TIMISOARA)
    index = client.get(reverse("waste:index"))
    assert index.status_code == 200
    assert "The city has no waste containers on the platform yet." in index.content.decode()
    assert "Piața Revoluției" not in index.content.decode()
    listing = client.get(reverse("waste:container_list"))
    assert listing.status_code == 200
    assert "No container matches these filters." in listing.content.decode()
    live = client.get(reverse("waste:containers_json")).json()
    assert live["points"] == [] and live["summary"]["containers"] == 0
    csv_rows = client.get(reverse("waste:containers_csv")).content.decode().splitlines()
    assert len(csv_rows) == 1


def test_the_sitemap_lists_the_pages_and_each_container(
    containers: dict[str, Container], timisoara: Municipality
) -> None:
    response = english().get(reverse("core:sitemap_section", args=["waste-containers"]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "/waste/containers/c-a/" in body and "/waste/containers/c-d/" in body
    pages = english().get(reverse("core:sitemap_section", args=["waste"])).content.decode()
    assert "/waste/figures/" in pages and "/waste/containers/" in pages
    assert "/waste/compliance/" in pages
    other = english(TIMISOARA).get(reverse("core:sitemap_section", args=["waste-containers"]))
    assert "/waste/containers/c-a/" not in other.content.decode()


def test_the_home_map_shows_the_fullest_points_first(containers: dict[str, Container]) -> None:
    translation.activate("en")
    places = map_places.home_map_places(containers["c-a"].municipality)

    assert [place.title for place in places] == ["Bucovina", "Piața Revoluției"]
    assert places[0].url == "/waste/containers/c-c/"
    assert places[0].description == "Waste container (plastic and metal): 97 % full"


def test_the_map_features_are_valid_json_in_the_page(containers: dict[str, Container]) -> None:
    html = english().get(reverse("waste:index")).content.decode()
    found = re.search(r'<script id="waste-map-features"[^>]*>(.*?)</script>', html, re.S)
    assert found is not None
    features = json.loads(found.group(1))
    assert {feature["properties"]["id"] for feature in features["features"]} == {"p01", "p02"}
