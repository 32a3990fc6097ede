"""The open-data back office: who may open it, each declared dataset's state, "regenerate
now" (a real generation, audited; CSRF; a failure leaves the previous version and says so),
and another city's or an unknown dataset refused."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from digiplace.core.datasets import (
    Column,
    DatasetSpec,
    Privacy,
    dataset_register,
    dataset_unregister,
)
from digiplace.core.models import AuditLogEntry, Municipality, StaffMembership
from digiplace.core.tests.factories import StaffMembershipFactory, UserFactory
from digiplace.opendata.models import Dataset, DatasetVersion

pytestmark = pytest.mark.django_db

BOTOSANI = "botosani.localhost"
TIMISOARA = "timisoara.localhost"
SLUG = "test-pages-bins"
FAILING = "test-pages-failing"
URL = "/backoffice/opendata/"

# What the test spec's rows read: tests change it to make the data change.
BINS: list[dict[str, object]] = []


def _bins(municipality: Municipality) -> list[dict[str, object]]:
    return [dict(row) for row in BINS]


def _broken(municipality: Municipality) -> list[dict[str, object]]:
    raise RuntimeError("the source table is missing")


def spec(slug: str = SLUG, rows: object = _bins) -> DatasetSpec:
    return DatasetSpec(
        module="waste",
        slug=slug,
        title="Bins" if slug == SLUG else "Failing",
        description="The city's bins.",
        themes=("ENVI",),
        keywords=("bins",),
        frequency="DAILY",
        refresh=datetime.timedelta(days=1),
        privacy=Privacy(statement="About bins, not people.", personal=False),
        columns=(Column("code", "string", "Code"), Column("fill", "integer", "Fill", unit="%")),
        rows=rows,  # type: ignore[arg-type]
        formats=("csv", "json"),
    )


@pytest.fixture
def specs() -> Iterator[None]:
    BINS[:] = [{"code": "b1", "fill": 40}, {"code": "b2", "fill": 75}]
    dataset_register(spec())
    dataset_register(spec(FAILING, _broken))
    yield
    dataset_unregister(SLUG)
    dataset_unregister(FAILING)


@pytest.fixture
def opendata_staff(botosani: Municipality) -> StaffMembership:
    return StaffMembershipFactory.create(
        municipality=botosani,
        user=UserFactory.create(email="data@botosani.example"),
        modules=["opendata"],
    )


def staff_client(
    membership: StaffMembership | None = None, host: str = BOTOSANI, *, csrf: bool = False
) -> Client:
    client = Client(enforce_csrf_checks=csrf, HTTP_HOST=host)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    if membership is not None:
        client.force_login(membership.user)
    return client


def test_the_back_office_needs_a_login_and_the_module(
    botosani_staff: StaffMembership, specs: None
) -> None:
    assert reverse("opendata_backoffice:index") == URL
    anonymous = staff_client().get(URL)
    assert anonymous.status_code == 302 and "/login" in anonymous["Location"]
    assert staff_client(botosani_staff).get(URL).status_code == 403
    regenerate = reverse("opendata_backoffice:regenerate", kwargs={"slug": SLUG})
    assert staff_client(botosani_staff).post(regenerate).status_code == 403
    assert staff_client().post(regenerate).status_code == 302
    assert not Dataset.objects.exists()


def test_the_list_shows_every_declared_dataset_and_its_state(
    opendata_staff: StaffMembership, specs: None
) -> None:
    response = staff_client(opendata_staff).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Bins" in html and "Failing" in html
    assert html.count("Not published yet") == 2
    assert 'name="csrfmiddlewaretoken"' in html


def test_regenerate_now_publishes_a_version_and_audits_it(
    botosani: Municipality, opendata_staff: StaffMembership, specs: None
) -> None:
    client = staff_client(opendata_staff)
    url = reverse("opendata_backoffice:regenerate", kwargs={"slug": SLUG})
    response = client.post(url, follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert "“Bins”: version 1 is published." in html
    dataset = Dataset.objects.get(municipality=botosani, slug=SLUG)
    assert dataset.versions.count() == 1
    assert "Published" in html

    # Forced: a new version even though the data did not change.
    client.post(url)
    assert dataset.versions.count() == 2
    entries = AuditLogEntry.objects.filter(
        municipality=botosani, target_type="opendata.Dataset", target_id=str(dataset.pk)
    ).order_by("pk")
    assert entries.count() == 2
    last = entries.last()
    assert last is not None and last.actor == opendata_staff.user
    assert last.before is not None and last.after is not None
    assert last.before["number"] == 1 and last.after["number"] == 2

    # The public page now shows it.
    public = Client(HTTP_HOST=BOTOSANI).get(reverse("opendata:dataset", kwargs={"slug": SLUG}))
    assert public.status_code == 200


def test_a_failing_generation_says_so_and_publishes_nothing(
    botosani: Municipality, opendata_staff: StaffMembership, specs: None
) -> None:
    client = staff_client(opendata_staff)
    response = client.post(
        reverse("opendata_backoffice:regenerate", kwargs={"slug": FAILING}), follow=True
    )
    html = response.content.decode()
    assert "“Failing” could not be made: the previous version stays published." in html
    assert "the source table is missing" in html  # the engine's last error, in the list
    assert not DatasetVersion.objects.filter(dataset__slug=FAILING).exists()
    assert not AuditLogEntry.objects.filter(target_type="opendata.Dataset").exists()


def test_regenerate_refuses_get_unknown_datasets_and_missing_csrf(
    botosani: Municipality,
    timisoara: Municipality,
    opendata_staff: StaffMembership,
    specs: None,
) -> None:
    url = reverse("opendata_backoffice:regenerate", kwargs={"slug": SLUG})
    assert staff_client(opendata_staff).get(url).status_code == 405
    unknown = reverse("opendata_backoffice:regenerate", kwargs={"slug": "no-such-dataset"})
    assert staff_client(opendata_staff).post(unknown).status_code == 404
    assert staff_client(opendata_staff, csrf=True).post(url).status_code == 403
    # Botoșani's staff on Timișoara's host: no membership there.
    assert staff_client(opendata_staff, TIMISOARA).post(url).status_code == 403
    assert not Dataset.objects.exists()
