"""Importing camera-analytics CSV: a preview of the counts, then all or nothing; errors with
their line numbers in the user's language; the same file again adds nothing."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from digiplace.core.models import AuditLogEntry, Municipality, StaffMembership
from digiplace.core.tests.factories import StaffMembershipFactory, UserFactory
from digiplace.waste.models import CameraSite, Observation, ObservationSource
from digiplace.waste.services import compliance as services
from digiplace.waste.tests.factories import CameraSiteFactory, CollectionPointFactory

pytestmark = pytest.mark.django_db

BOTOSANI = "botosani.localhost"
URL = "/backoffice/waste/observations/import/"
GOOD = (
    "time,site,kind,count,footage\n"
    "2026-03-02 08:15,p-gara,correct_use,12,\n"
    "2026-03-02 09:40,p-gara,wrong_fraction,2,NVR1/0940\n"
    "2026-03-02 21:05,p-piata,bulky_dumped,1,NVR2/2105\n"
    "2026-03-03 08:00,p-piata,Utilizare corectă,5,\n"
)


@pytest.fixture
def planner(botosani: Municipality) -> StaffMembership:
    return StaffMembershipFactory.create(
        municipality=botosani,
        user=UserFactory.create(email="dispatcher@botosani.example"),
        modules=["waste"],
    )


@pytest.fixture
def sites(botosani: Municipality) -> list[CameraSite]:
    return [
        CameraSiteFactory.create(
            municipality=botosani,
            point=CollectionPointFactory.create(municipality=botosani, code=code),
        )
        for code in ("p-gara", "p-piata")
    ]


def client_for(membership: StaffMembership, language: str = "en") -> Client:
    client = Client(HTTP_HOST=BOTOSANI)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(membership.user)
    return client


def upload(client: Client, text: str) -> str:
    response = client.post(URL, {"file": SimpleUploadedFile("export.csv", text.encode())})
    return response.content.decode() if response.status_code == 200 else f"{response.status_code}"


def test_page_documents_the_columns(planner: StaffMembership, sites: list[CameraSite]) -> None:
    assert reverse("waste_backoffice:observations_import") == URL
    page = client_for(planner).get(URL).content.decode()
    for text in ("<code>time</code>", "<code>footage</code>", "Example:", "<code>p-gara</code>"):
        assert text in page
    assert "time,site,kind,count,footage" in page


def test_preview_then_import_then_reimport_skips(
    planner: StaffMembership, sites: list[CameraSite]
) -> None:
    client = client_for(planner)
    response = client.post(URL, {"file": SimpleUploadedFile("export.csv", GOOD.encode())})
    assert response.status_code == 200
    page = response.content.decode()
    # The preview writes nothing and counts events per site and kind.
    assert Observation.objects.count() == 0
    assert "The file has 4 new rows." in page
    assert '<td class="num" data-label="Correct use">12</td>' in page
    assert '<td class="num" data-label="Total">14</td>' in page  # p-gara: 12 + 2
    assert '<td class="num" data-label="Total">6</td>' in page  # p-piata: 1 + 5
    assert "Import all 4 rows" in page

    response = client.post(URL, {"content": GOOD})
    assert response.status_code == 302
    assert Observation.objects.count() == 4
    gara = Observation.objects.get(site=sites[0], kind="wrong_fraction")
    assert gara.observed_at == datetime.datetime(
        2026, 3, 2, 9, 40, tzinfo=ZoneInfo("Europe/Bucharest")
    )
    assert (gara.count, gara.footage_ref, gara.source) == (
        2,
        "NVR1/0940",
        ObservationSource.ANALYTICS,
    )
    assert gara.recorded_by == planner.user
    assert (
        AuditLogEntry.objects.filter(target_type="waste.Observation", action="create").count() == 4
    )
    page = client.get(URL).content.decode()
    assert "4 observations imported." in page

    # The same file again: nothing new, the preview says so and an import adds nothing.
    page = upload(client, GOOD)
    assert "4 rows are already in the platform" in page
    assert "Nothing new to import" in page
    response = client.post(URL, {"content": GOOD}, follow=True)
    assert "0 observations imported. 4 rows skipped: they were imported before." in (
        response.content.decode()
    )
    assert Observation.objects.count() == 4

    # A longer export of the same cameras: only its new row.
    longer = GOOD + "2026-03-04 10:00,p-gara,vandalism,1,NVR1/1000\n"
    client.post(URL, {"content": longer})
    assert Observation.objects.count() == 5


def test_a_bad_line_imports_nothing(planner: StaffMembership, sites: list[CameraSite]) -> None:
    bad = GOOD + "2026-03-04 10:00,p-nowhere,correct_use,0,\n"
    client = client_for(planner)
    response = client.post(URL, {"file": SimpleUploadedFile("export.csv", bad.encode())})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was imported." in page
    assert "Line 6: Unknown site &quot;p-nowhere&quot;." in page
    assert "Line 6: The count &quot;0&quot; is not a whole number from 1 to 10000." in page
    assert "Import all" not in page
    # Sent straight to the import step, it is refused the same way.
    response = client.post(URL, {"content": bad})
    assert response.status_code == 400
    assert "Line 6: Unknown site" in response.content.decode()
    assert Observation.objects.count() == 0
    assert not AuditLogEntry.objects.filter(target_type="waste.Observation").exists()


def test_refused_columns_and_files(planner: StaffMembership, sites: list[CameraSite]) -> None:
    client = client_for(planner)
    response = client.post(
        URL,
        {"file": SimpleUploadedFile("export.csv", b"time,site,kind,count,face_image\n")},
    )
    assert response.status_code == 400
    assert "Line 1: Unknown columns: face_image." in response.content.decode()
    response = client.post(URL, {"file": SimpleUploadedFile("export.csv", b"\xff\xfe\x00")})
    assert "The file is not UTF-8 text." in response.content.decode()
    response = client.post(URL, {})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    too_large = b"time,site,kind,count\n" + b"x" * (2 * 1024 * 1024 + 10)
    response = client.post(URL, {"file": SimpleUploadedFile("export.csv", too_large)})
    assert response.status_code == 400
    assert "The file is larger than 2 MB" in response.content.decode()
    assert Observation.objects.count() == 0


def test_errors_in_romanian(planner: StaffMembership, sites: list[CameraSite]) -> None:
    bad = GOOD + "2026-03-04 10:00,p-gara,selfie,1,\n"
    response = client_for(planner, "ro").post(
        URL, {"file": SimpleUploadedFile("export.csv", bad.encode())}
    )
    assert response.status_code == 400
    assert "Linia 6" in response.content.decode()
    assert Observation.objects.count() == 0


def test_another_citys_sites_are_unknown(
    planner: StaffMembership, sites: list[CameraSite], timisoara: Municipality
) -> None:
    CameraSiteFactory.create(
        municipality=timisoara,
        point=CollectionPointFactory.create(municipality=timisoara, code="tm-1"),
    )
    text = "time,site,kind,count\n2026-03-02 08:15,tm-1,correct_use,3\n"
    response = client_for(planner).post(URL, {"content": text})
    assert response.status_code == 400
    assert "Line 2: Unknown site" in response.content.decode()
    assert Observation.objects.count() == 0


def test_rows_repeated_in_one_file_are_two_events(
    botosani: Municipality, sites: list[CameraSite]
) -> None:
    # Two people at one minute: the same key twice is two rows, and both are skipped later.
    text = "time,site,kind,count\n2026-03-02 08:15,p-gara,correct_use,1\n" * 1
    text += "2026-03-02 08:15,p-gara,correct_use,1\n"
    plan = services.observations_import(municipality=botosani, actor=None, data=text)
    assert (len(plan.new), plan.skipped) == (2, 0)
    again = services.observations_import(municipality=botosani, actor=None, data=text)
    assert (len(again.new), again.skipped) == (0, 2)
    assert Observation.objects.count() == 2


def test_import_needs_the_module(botosani_staff: StaffMembership, sites: list[CameraSite]) -> None:
    response = client_for(botosani_staff).post(URL, {"content": GOOD})
    assert response.status_code == 403
    assert Observation.objects.count() == 0
