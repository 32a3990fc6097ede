"""The CKAN-compatible action API (/api/3/action/...): CKAN's envelope and shapes (compared
key by key and type by type with CKAN's documented examples), each action, the refusals a
harvester can meet, the cities kept apart, and a declaration that goes away."""

from __future__ import annotations

import datetime
import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import gettext_lazy

from digiplace.core.datasets import (
    Column,
    DataFile,
    DataLink,
    DatasetSpec,
    Privacy,
    Suppression,
    dataset_register,
    dataset_unregister,
)
from digiplace.core.models import Municipality
from digiplace.opendata.models import Dataset
from digiplace.opendata.tests.factories import (
    DatasetFactory,
    DatasetVersionFactory,
    DistributionFactory,
)

BOTOSANI = "botosani.localhost"
TIMISOARA = "timisoara.localhost"
AIR = "test-ckan-air"
BUSES = "test-ckan-buses"

# CKAN's documented package_show result (API guide, demo.ckan.org's "sample-dataset-1"):
# every key and the JSON type of its value (str | None where CKAN gives null for some).
DOCUMENTED_PACKAGE: dict[str, type | tuple[type, ...]] = {
    "author": (str, type(None)),
    "author_email": (str, type(None)),
    "creator_user_id": (str, type(None)),
    "id": str,
    "isopen": bool,
    "license_id": str,
    "license_title": str,
    "license_url": str,
    "maintainer": (str, type(None)),
    "maintainer_email": (str, type(None)),
    "metadata_created": str,
    "metadata_modified": str,
    "name": str,
    "notes": str,
    "num_resources": int,
    "num_tags": int,
    "organization": dict,
    "owner_org": str,
    "private": bool,
    "state": str,
    "title": str,
    "type": str,
    "url": str,
    "version": str,
    "extras": list,
    "groups": list,
    "resources": list,
    "tags": list,
    "relationships_as_object": list,
    "relationships_as_subject": list,
}
DOCUMENTED_ORGANIZATION_IN_PACKAGE: dict[str, type | tuple[type, ...]] = {
    "id": str,
    "name": str,
    "title": str,
    "type": str,
    "description": str,
    "image_url": str,
    "created": str,
    "is_organization": bool,
    "approval_status": str,
    "state": str,
}
DOCUMENTED_RESOURCE: dict[str, type | tuple[type, ...]] = {
    "cache_last_updated": (str, type(None)),
    "cache_url": (str, type(None)),
    "created": str,
    "datastore_active": bool,
    "description": str,
    "format": str,
    "hash": str,
    "id": str,
    "last_modified": (str, type(None)),
    "metadata_modified": str,
    "mimetype": (str, type(None)),
    "mimetype_inner": (str, type(None)),
    "name": str,
    "package_id": str,
    "position": int,
    "resource_type": (str, type(None)),
    "size": (int, type(None)),
    "state": str,
    "url": str,
    "url_type": (str, type(None)),
}
DOCUMENTED_TAG: dict[str, type | tuple[type, ...]] = {
    "display_name": str,
    "id": str,
    "name": str,
    "state": str,
    "vocabulary_id": (str, type(None)),
}
DOCUMENTED_GROUP_IN_PACKAGE: dict[str, type | tuple[type, ...]] = {
    "description": str,
    "display_name": str,
    "id": str,
    "image_display_url": str,
    "name": str,
    "title": str,
}
# organization_list / group_list with all_fields=true (CKAN's group_dictize, core fields).
DOCUMENTED_GROUP_LISTED: dict[str, type | tuple[type, ...]] = {
    "approval_status": str,
    "created": str,
    "description": str,
    "display_name": str,
    "id": str,
    "image_display_url": str,
    "image_url": str,
    "is_organization": bool,
    "name": str,
    "num_followers": int,
    "package_count": int,
    "state": str,
    "title": str,
    "type": str,
}
DOCUMENTED_SEARCH: dict[str, type | tuple[type, ...]] = {
    "count": int,
    "facets": dict,
    "results": list,
    "sort": str,
    "search_facets": dict,
}
DOCUMENTED_STATUS: dict[str, type | tuple[type, ...]] = {
    "site_title": str,
    "site_description": str,
    "site_url": str,
    "ckan_version": str,
    "error_emails_to": (str, type(None)),
    "locale_default": str,
    "extensions": list,
}


def assert_shape(value: dict[str, Any], documented: dict[str, type | tuple[type, ...]]) -> None:
    assert set(value) >= set(documented), sorted(set(documented) - set(value))
    for key, kind in documented.items():
        assert isinstance(value[key], kind), (key, value[key])


def _air_spec() -> DatasetSpec:
    return DatasetSpec(
        module="opendata",
        slug=AIR,
        title=gettext_lazy("Air quality"),
        description="Hourly readings of every station.",
        themes=("ENVI", "HEAL"),
        keywords=("PM10", "poluare"),
        frequency="HOURLY",
        refresh=datetime.timedelta(hours=1),
        privacy=Privacy(
            statement="No personal data: readings of machines.",
            personal=False,
            suppression=Suppression(value="value", rows=("station",), k=5),
        ),
        columns=(
            Column("station", "string", "Station"),
            Column("value", "integer", "Value"),
        ),
        rows=lambda municipality: [],
        formats=("csv", "json"),
    )


def _buses_spec() -> DatasetSpec:
    return DatasetSpec(
        module="opendata",
        slug=BUSES,
        title="Bus timetable",
        description="The static GTFS of the buses.",
        themes=("TRAN",),
        keywords=("GTFS", "autobuz"),
        frequency="WEEKLY",
        refresh=datetime.timedelta(days=1),
        privacy=Privacy(statement="No personal data.", personal=False),
        files=(
            DataFile(
                name="gtfs.zip",
                format="GTFS",
                media_type="application/zip",
                title="GTFS",
                produce=lambda municipality: b"",
            ),
        ),
        links=(
            DataLink(
                url_name="opendata:index",
                format="GTFS-RT",
                media_type="application/x-protobuf",
                title="Vehicle positions",
            ),
        ),
    )


@pytest.fixture
def declared() -> Iterator[None]:
    dataset_register(_air_spec())
    dataset_register(_buses_spec())
    yield
    dataset_unregister(AIR)
    dataset_unregister(BUSES)


def publish(
    municipality: Municipality, slug: str, keys: tuple[str, ...], *, modified: datetime.datetime
) -> Dataset:
    dataset = DatasetFactory.create(
        municipality=municipality, slug=slug, issued=modified, modified=modified
    )
    version = DatasetVersionFactory.create(
        dataset=dataset, number=3, created=modified, privacy_report={"k_anonymity": 7}
    )
    for key in keys:
        DistributionFactory.create(version=version, key=key, media_type=f"type/{key}")
    return dataset


JANUARY = datetime.datetime(2026, 1, 10, 8, 30, tzinfo=datetime.UTC)
MARCH = datetime.datetime(2026, 3, 1, 12, 0, 0, 250000, tzinfo=datetime.UTC)


@pytest.fixture
def published(botosani: Municipality, declared: None) -> None:
    publish(botosani, AIR, ("csv", "json", "geojson"), modified=MARCH)
    publish(botosani, BUSES, ("gtfs.zip",), modified=JANUARY)


def client(host: str = BOTOSANI, language: str = "en") -> Client:
    result = Client(HTTP_HOST=host)
    result.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return result


def call(action: str, host: str = BOTOSANI, **params: Any) -> tuple[int, Any]:
    response = client(host).get(f"/api/3/action/{action}", params)
    assert response["Content-Type"] == "application/json;charset=utf-8"
    return response.status_code, response.json()


def result_of(action: str, host: str = BOTOSANI, **params: Any) -> Any:
    status, body = call(action, host, **params)
    assert status == 200, body
    assert body["success"] is True
    assert body["help"] == f"http://{host}/api/3/action/help_show?name={action}"
    return body["result"]


# package_show


@pytest.mark.django_db
def test_package_show_has_ckans_documented_keys_and_types(
    published: None, botosani: Municipality
) -> None:
    package = result_of("package_show", id=AIR)

    assert_shape(package, DOCUMENTED_PACKAGE)
    assert_shape(package["organization"], DOCUMENTED_ORGANIZATION_IN_PACKAGE)
    for resource in package["resources"]:
        assert_shape(resource, DOCUMENTED_RESOURCE)
    for tag in package["tags"]:
        assert_shape(tag, DOCUMENTED_TAG)
    for group in package["groups"]:
        assert_shape(group, DOCUMENTED_GROUP_IN_PACKAGE)
    for extra in package["extras"]:
        assert set(extra) == {"key", "value"}
        assert isinstance(extra["value"], str)


@pytest.mark.django_db
def test_package_show_values(published: None, botosani: Municipality) -> None:
    package = result_of("package_show", id=AIR)

    assert package["name"] == AIR
    assert package["title"] == "Air quality"
    assert package["notes"] == "Hourly readings of every station."
    assert uuid.UUID(package["id"]).version == 5
    assert package["url"] == f"http://{BOTOSANI}/opendata/datasets/{AIR}/"
    assert package["version"] == "3"
    assert package["license_id"] == "CC-BY-4.0"
    assert package["isopen"] is True and package["private"] is False
    assert (package["state"], package["type"]) == ("active", "dataset")
    # CKAN's timestamps: UTC, no zone.
    assert package["metadata_modified"] == "2026-03-01T12:00:00.250000"
    assert package["metadata_created"] == "2026-03-01T12:00:00.250000"
    assert package["organization"]["name"] == "botosani"
    assert package["organization"]["title"] == "Botoșani Municipality"
    assert package["owner_org"] == package["organization"]["id"]
    assert package["maintainer_email"] == botosani.contact_email
    assert [tag["name"] for tag in package["tags"]] == ["PM10", "poluare"]
    assert package["num_tags"] == 2
    assert [group["name"] for group in package["groups"]] == ["envi", "heal"]
    assert package["groups"][0]["title"] == "Environment"
    resources = package["resources"]
    assert package["num_resources"] == 3
    assert [resource["format"] for resource in resources] == ["CSV", "JSON", "GeoJSON"]
    assert [resource["position"] for resource in resources] == [0, 1, 2]
    csv = resources[0]
    assert csv["url"] == f"http://{BOTOSANI}/opendata/datasets/{AIR}/download/csv"
    assert csv["package_id"] == package["id"]
    assert csv["mimetype"] == "type/csv"
    content = b"name,value\r\na,1\r\nb,2\r\n"
    assert csv["size"] == len(content)
    assert len(csv["hash"]) == 64
    extras = {extra["key"]: extra["value"] for extra in package["extras"]}
    assert [extra["key"] for extra in package["extras"]] == sorted(extras)
    assert (
        extras["frequency"] == "http://publications.europa.eu/resource/authority/frequency/HOURLY"
    )
    assert json.loads(extras["theme"]) == [
        "http://publications.europa.eu/resource/authority/data-theme/ENVI",
        "http://publications.europa.eu/resource/authority/data-theme/HEAL",
    ]
    spatial = json.loads(extras["spatial"])
    assert spatial["type"] == "Polygon"
    assert spatial["coordinates"][0][0] == [botosani.bounds_west, botosani.bounds_south]
    assert extras["privacy_statement"] == "No personal data: readings of machines."
    assert extras["privacy_suppression_k"] == "5"
    assert extras["privacy_k_anonymity"] == "7"
    assert extras["title_ro"] == "Calitatea aerului"
    assert "title_en" not in extras


@pytest.mark.django_db
def test_package_show_by_id_module_files_and_live_links(published: None) -> None:
    package = result_of("package_show", id=BUSES)

    assert result_of("package_show", id=package["id"]) == package
    formats = [(resource["format"], resource["url"]) for resource in package["resources"]]
    assert formats == [
        ("GTFS", f"http://{BOTOSANI}/opendata/datasets/{BUSES}/download/gtfs.zip"),
        ("GTFS-RT", f"http://{BOTOSANI}/opendata/"),
    ]
    link = package["resources"][1]
    assert (link["size"], link["hash"]) == (None, "")


@pytest.mark.django_db
def test_package_show_in_the_language_asked_for(published: None) -> None:
    by_parameter = client().get("/api/3/action/package_show", {"id": AIR, "lang": "ro"})
    by_header = client().get(
        "/api/3/action/package_show", {"id": AIR}, HTTP_ACCEPT_LANGUAGE="ro-RO,ro;q=0.9"
    )
    by_cookie = client(language="ro").get("/api/3/action/package_show", {"id": AIR})

    for response in (by_parameter, by_header, by_cookie):
        package = response.json()["result"]
        assert package["title"] == "Calitatea aerului"
        assert package["groups"][0]["title"] == "Mediu"
        extras = {extra["key"]: extra["value"] for extra in package["extras"]}
        assert extras["title_en"] == "Air quality"
    assert by_parameter["Content-Language"] == "ro"


@pytest.mark.django_db
def test_package_show_refusals(published: None) -> None:
    status, body = call("package_show", id="no-such-dataset")
    assert status == 404
    assert body == {
        "help": f"http://{BOTOSANI}/api/3/action/help_show?name=package_show",
        "success": False,
        "error": {"__type": "Not Found Error", "message": "Not found"},
    }

    status, body = call("package_show")
    assert status == 409
    assert body["success"] is False
    assert body["error"] == {"__type": "Validation Error", "id": ["Missing value"]}

    status, body = call("package_show", id=AIR, lang="fr")
    assert status == 409
    assert body["error"]["__type"] == "Validation Error"
    assert body["error"]["lang"] == ["Not offered here; use one of: ro, en."]


# package_list


@pytest.mark.django_db
def test_package_list_with_paging(published: None) -> None:
    assert result_of("package_list") == [AIR, BUSES]
    assert result_of("package_list", limit=1) == [AIR]
    assert result_of("package_list", limit=1, offset=1) == [BUSES]
    assert result_of("package_list", offset=5) == []
    assert result_of("package_list", limit=10**12) == [AIR, BUSES]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("ten", "Invalid integer"),
        ("1.5", "Invalid integer"),
        ("-1", "Must be a natural number"),
        ("9" * 40, "Invalid integer"),
        ("99999999999999999999", "Must be less than or equal to 9223372036854775807"),
    ],
)
def test_package_list_bad_paging(published: None, value: str, message: str) -> None:
    status, body = call("package_list", limit=value)
    assert status == 409
    assert body["error"] == {"__type": "Validation Error", "limit": [message]}


# package_search


@pytest.mark.django_db
def test_package_search_shape_and_defaults(published: None) -> None:
    search = result_of("package_search")

    assert_shape(search, DOCUMENTED_SEARCH)
    assert search["count"] == 2
    assert search["sort"] == "score desc, metadata_modified desc"
    assert [package["name"] for package in search["results"]] == [AIR, BUSES]
    assert search["results"][0] == result_of("package_show", id=AIR)
    assert (search["facets"], search["search_facets"]) == ({}, {})


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({"q": "air"}, [AIR]),
        ({"q": "Poluare"}, [AIR]),
        ({"q": "autobúz"}, [BUSES]),  # diacritics folded
        ({"q": "hourly station"}, [AIR]),
        ({"q": "hourly gtfs"}, []),
        ({"q": "*:*"}, [AIR, BUSES]),
        ({"q": "tags:GTFS"}, [BUSES]),
        ({"fq": "tags:pm10"}, [AIR]),
        ({"fq": 'tags:"poluare"'}, [AIR]),
        ({"fq": "tags:(GTFS OR PM10)"}, [AIR, BUSES]),
        ({"fq": "-tags:GTFS"}, [AIR]),
        ({"fq": "organization:botosani"}, [AIR, BUSES]),
        ({"fq": "organization:timisoara"}, []),
        ({"fq": "groups:tran"}, [BUSES]),
        ({"fq": "+groups:envi +organization:botosani"}, [AIR]),
        ({"fq": "res_format:CSV"}, [AIR]),
        ({"fq": "res_format:gtfs"}, [BUSES]),
        ({"fq": "+dataset_type:dataset"}, [AIR, BUSES]),
        ({"fq": "name:test-ckan-buses"}, [BUSES]),
        # As CKAN's harvester asks for what changed since its last run.
        ({"fq": "metadata_modified:[2026-02-01T00:00:00.000000Z TO *]"}, [AIR]),
        ({"fq": "metadata_modified:[* TO 2026-02-01T00:00:00Z]"}, [BUSES]),
        ({"fq": "metadata_modified:[2026-03-01T12:00:00.25Z TO NOW]"}, [AIR]),
        ({"fq": "metadata_modified:{2026-03-01T12:00:00.25Z TO NOW]"}, []),
        ({"fq": "metadata_created:[2026-01-01 TO 2026-01-31]"}, [BUSES]),
    ],
)
def test_package_search_filters(published: None, params: dict[str, str], names: list[str]) -> None:
    search = result_of("package_search", **params)

    assert sorted(package["name"] for package in search["results"]) == names
    assert search["count"] == len(names)


@pytest.mark.django_db
def test_package_search_rows_start_and_sort(published: None) -> None:
    def names(**params: Any) -> list[str]:
        return [package["name"] for package in result_of("package_search", **params)["results"]]

    assert names(sort="metadata_modified desc") == [AIR, BUSES]
    assert names(sort="metadata_modified asc") == [BUSES, AIR]
    assert names(sort="name desc") == [BUSES, AIR]
    assert names(sort="title_string asc") == [AIR, BUSES]
    assert names(rows=1) == [AIR]
    assert names(rows=1, start=1) == [BUSES]
    assert names(rows=0) == []
    assert names(start=2) == []
    assert result_of("package_search", rows=1)["count"] == 2
    # A title match weighs more than a description's.
    assert names(q="gtfs buses", sort="score desc, name asc") == [BUSES]


@pytest.mark.django_db
def test_package_search_facets(published: None) -> None:
    search = result_of(
        "package_search", **{"facet.field": '["groups", "res_format", "organization"]'}
    )

    assert search["facets"]["groups"] == {"envi": 1, "heal": 1, "tran": 1}
    assert search["facets"]["organization"] == {"botosani": 2}
    assert search["facets"]["res_format"] == {
        "CSV": 1,
        "GTFS": 1,
        "GTFS-RT": 1,
        "GeoJSON": 1,
        "JSON": 1,
    }
    groups = search["search_facets"]["groups"]
    assert groups["title"] == "groups"
    assert groups["items"][0] == {"name": "envi", "display_name": "Environment", "count": 1}
    limited = result_of("package_search", **{"facet.field": '["groups"]', "facet.limit": "1"})
    assert limited["facets"]["groups"] == {"envi": 1}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"rows": "1001"}, "rows", "Must be less than or equal to 1000"),
        ({"rows": "-1"}, "rows", "Must be a natural number"),
        ({"rows": "many"}, "rows", "Invalid integer"),
        ({"start": "-5"}, "start", "Must be a natural number"),
        ({"start": "1e9"}, "start", "Invalid integer"),
        ({"rows": "10\x00"}, "rows", "Invalid integer"),
        ({"q": "air\x00"}, "q", "q must not contain NUL characters."),
    ],
)
def test_package_search_bad_paging_is_a_validation_error(
    published: None, params: dict[str, str], field: str, message: str
) -> None:
    status, body = call("package_search", **params)

    assert status == 409
    assert body["success"] is False
    assert body["error"] == {"__type": "Validation Error", field: [message]}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params",
    [
        {"sort": "popularity desc"},
        {"sort": "name sideways"},
        {"facet.field": '["maintainer"]'},
        {"facet.field": '{"a": 1}'},
    ],
)
def test_package_search_bad_sort_or_facets(published: None, params: dict[str, str]) -> None:
    status, body = call("package_search", **params)

    assert status == 409
    assert body["error"]["__type"] == "Validation Error"
    assert set(body["error"]) == {"__type", next(iter(params))}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "fq",
    [
        "tags:",
        'tags:"unclosed',
        "metadata_modified:[2026-01-01T00:00:00Z TO",
        "metadata_modified:[yesterday TO *]",
        "metadata_modified:2026-01-01",
        "maintainer:someone",
        "just words",
        "tags:(a OR )",
    ],
)
def test_package_search_malformed_fq_is_a_search_query_error(published: None, fq: str) -> None:
    status, body = call("package_search", fq=fq)

    assert status == 400
    assert body["success"] is False
    assert body["error"]["__type"] == "Search Query Error"
    assert body["error"]["message"].startswith("Search Query is invalid: ")


@pytest.mark.django_db
def test_package_search_by_post_with_a_json_body(published: None) -> None:
    response = client().post(
        "/api/3/action/package_search",
        data=json.dumps({"fq": "tags:GTFS", "rows": 5, "facet.field": ["tags"]}),
        content_type="application/json",
    )

    assert response.status_code == 200
    body = response.json()
    assert [package["name"] for package in body["result"]["results"]] == [BUSES]
    assert body["result"]["facets"]["tags"] == {"GTFS": 1, "autobuz": 1}

    too_many = client().post(
        "/api/3/action/package_search",
        data=json.dumps({"rows": 5000}),
        content_type="application/json",
    )
    assert too_many.status_code == 409
    assert too_many.json()["error"]["rows"] == ["Must be less than or equal to 1000"]
    as_form = client().post("/api/3/action/package_search", {"rows": "1"})
    assert len(as_form.json()["result"]["results"]) == 1


@pytest.mark.django_db
@pytest.mark.parametrize("body", ["[1, 2]", "{not json", '"text"'])
def test_a_body_that_is_not_a_json_object_is_ckans_bad_request(published: None, body: str) -> None:
    response = client().post(
        "/api/3/action/package_list", data=body, content_type="application/json"
    )

    assert response.status_code == 400
    message = response.json()
    assert isinstance(message, str)
    assert message.startswith("Bad request - JSON Error: ")


# Organizations and groups


@pytest.mark.django_db
def test_organization_list(published: None) -> None:
    assert result_of("organization_list") == ["botosani"]
    (organization,) = result_of("organization_list", all_fields="true")
    assert_shape(organization, DOCUMENTED_GROUP_LISTED)
    assert organization["is_organization"] is True
    assert organization["type"] == "organization"
    assert organization["package_count"] == 2
    assert organization["title"] == "Botoșani Municipality"
    assert organization["created"] == "2026-01-10T08:30:00"
    shown = result_of("organization_show", id="botosani", include_datasets="true")
    assert [package["name"] for package in shown["packages"]] == [AIR, BUSES]
    assert result_of("organization_list", organizations="timisoara") == []


@pytest.mark.django_db
def test_group_list_are_the_themes_used(published: None) -> None:
    assert result_of("group_list") == ["envi", "heal", "tran"]
    assert result_of("group_list", sort="name desc", limit=2) == ["tran", "heal"]
    groups = result_of("group_list", all_fields="1")
    for group in groups:
        assert_shape(group, DOCUMENTED_GROUP_LISTED)
        assert (group["is_organization"], group["type"]) == (False, "group")
    assert [group["title"] for group in groups] == ["Environment", "Health", "Transport"]
    assert [group["package_count"] for group in groups] == [1, 1, 1]
    assert result_of("group_show", id="tran")["description"].endswith("data-theme/TRAN")

    status, body = call("group_list", all_fields="perhaps")
    assert status == 409
    assert body["error"] == {"__type": "Validation Error", "all_fields": ["Must be true or false"]}
    assert call("group_show", id="agri")[0] == 404


# The site


@pytest.mark.django_db
def test_status_show_and_help_show(published: None) -> None:
    status = result_of("status_show")
    assert_shape(status, DOCUMENTED_STATUS)
    assert status["site_url"] == f"http://{BOTOSANI}/"
    assert status["locale_default"] == "ro"

    help_text = result_of("help_show", name="package_search")
    assert isinstance(help_text, str)
    assert ":param rows:" in help_text
    code, body = call("help_show", name="package_create")
    assert code == 404
    assert body["error"]["message"] == "Not found: Action function not found"
    assert result_of("site_read") is True


@pytest.mark.django_db
def test_unknown_action_is_ckans_bad_request(published: None) -> None:
    status, body = call("package_create", name="mine")

    assert status == 400
    assert body == "Bad request - Action name not known: package_create"


@pytest.mark.django_db
def test_other_methods_are_refused(published: None) -> None:
    response = client().delete("/api/3/action/package_list")

    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD, POST"


@pytest.mark.django_db
def test_errors_are_in_the_users_language(published: None) -> None:
    response = client(language="ro").get("/api/3/action/package_search", {"q": "aer\x00"})

    assert response.status_code == 409
    # The type stays CKAN's; the message is in Romanian.
    assert response.json()["error"] == {
        "__type": "Validation Error",
        "q": ["q nu trebuie să conțină caractere NUL."],
    }


# Cities and declarations


@pytest.mark.django_db
def test_each_city_answers_only_its_own_datasets(published: None, timisoara: Municipality) -> None:
    publish(timisoara, BUSES, ("gtfs.zip",), modified=MARCH)

    assert result_of("package_list", host=TIMISOARA) == [BUSES]
    assert call("package_show", host=TIMISOARA, id=AIR)[0] == 404
    botosani_buses = result_of("package_show", id=BUSES)
    timisoara_buses = result_of("package_show", host=TIMISOARA, id=BUSES)
    assert botosani_buses["id"] != timisoara_buses["id"]
    assert call("package_show", host=TIMISOARA, id=botosani_buses["id"])[0] == 404
    assert timisoara_buses["organization"]["name"] == "timisoara"
    assert timisoara_buses["resources"][0]["url"].startswith(f"http://{TIMISOARA}/")
    assert result_of("organization_list", host=TIMISOARA) == ["timisoara"]
    assert result_of("group_list", host=TIMISOARA) == ["tran"]
    search = result_of("package_search", host=TIMISOARA, fq="organization:botosani")
    assert search["count"] == 0


@pytest.mark.django_db
def test_a_city_host_is_needed(published: None) -> None:
    response = client(host="localhost").get("/api/3/action/package_list")

    assert response.status_code == 404
    assert response.json()["error"]["__type"] == "Not Found Error"


@pytest.mark.django_db
def test_an_unregistered_declaration_disappears_from_every_answer(published: None) -> None:
    package_id = result_of("package_show", id=AIR)["id"]
    assert result_of("package_list") == [AIR, BUSES]

    dataset_unregister(AIR)

    assert result_of("package_list") == [BUSES]
    assert call("package_show", id=AIR)[0] == 404
    assert call("package_show", id=package_id)[0] == 404
    assert [p["name"] for p in result_of("package_search", q="air")["results"]] == []
    assert result_of("package_search")["count"] == 1
    assert result_of("group_list") == ["tran"]
    assert result_of("organization_list", all_fields="true")[0]["package_count"] == 1


@pytest.mark.django_db
def test_a_new_version_shows_at_once(published: None, botosani: Municipality) -> None:
    assert result_of("package_show", id=AIR)["version"] == "3"
    dataset = Dataset.objects.get(municipality=botosani, slug=AIR)
    later = timezone.now()
    version = DatasetVersionFactory.create(dataset=dataset, number=4, created=later)
    DistributionFactory.create(version=version, key="csv")

    package = result_of("package_show", id=AIR)
    assert package["version"] == "4"
    assert package["num_resources"] == 1


@pytest.mark.django_db
def test_the_index_is_reused_until_the_data_changes(
    published: None, botosani: Municipality
) -> None:
    result_of("package_search")

    with CaptureQueriesContext(connection) as queries:
        result_of("package_search", q="air")
        result_of("package_show", id=BUSES)
    assert not [query for query in queries if "opendata_" in query["sql"]]

    # name_en is modeltranslation's field, which the stubs do not know.
    setattr(botosani, "name_en", "Botoșani City")  # noqa: B010
    botosani.save()
    assert result_of("package_show", id=AIR)["organization"]["title"] == "Botoșani City"
