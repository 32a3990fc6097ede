"""Photos in the reports' open data: published only once staff approved them. The service
(approve, withdraw, refusals, hiding withdraws the approval, audit), the back-office form
(CSRF, the module, another city's report), and through the open-data engine: an unapproved
or hidden photo never reaches a published file, an approved one does, as a new version."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import Client

from digiplace.core.datasets import dataset_spec
from digiplace.core.models import AuditLogEntry, Municipality, StaffMembership
from digiplace.core.notifications import municipality_url
from digiplace.core.tests.factories import StaffMembershipFactory, UserFactory
from digiplace.reports import services
from digiplace.reports.models import Category, Report, ReportPhoto, ReportUpdate, UpdateKind
from digiplace.reports.tests.factories import (
    CategoryFactory,
    ReportFactory,
    ReportPhotoFactory,
)

BOTOSANI = "botosani.localhost"


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def lighting(botosani: Municipality) -> Category:
    return CategoryFactory.create(
        municipality=botosani, service_code="lighting", name_ro="Iluminat", name_en="Lighting"
    )


@pytest.fixture
def report(botosani: Municipality, lighting: Category) -> Report:
    return ReportFactory.create(municipality=botosani, category=lighting)


@pytest.fixture
def moderator(botosani: Municipality) -> StaffMembership:
    return StaffMembershipFactory.create(
        municipality=botosani,
        user=UserFactory.create(email="moderator@botosani.example"),
        modules=["reports"],
    )


def photo_of(report: Report, **fields: Any) -> ReportPhoto:
    return ReportPhotoFactory.create(municipality=report.municipality, report=report, **fields)


def flags(*photos: ReportPhoto) -> list[tuple[bool, bool]]:
    """(hidden, approved) of each photo, as stored."""
    result = []
    for photo in photos:
        photo.refresh_from_db()
        result.append((photo.is_hidden, photo.open_data_approved))
    return result


def written(municipality: Municipality) -> tuple[int, int, list[tuple[bool, bool]]]:
    """What a refused action must leave alone: audit entries, timeline entries, photos."""
    return (
        AuditLogEntry.objects.filter(municipality=municipality).count(),
        ReportUpdate.objects.filter(municipality=municipality).count(),
        list(
            ReportPhoto.objects.filter(municipality=municipality)
            .order_by("id")
            .values_list("is_hidden", "open_data_approved")
        ),
    )


# The service


def test_approving_and_withdrawing_photos_is_recorded_and_audited(
    report: Report, moderator: StaffMembership
) -> None:
    first, second, third = photo_of(report), photo_of(report), photo_of(report)

    update = services.report_moderate(
        report=report,
        actor=moderator.user,
        approve_photo_ids=[first.pk, second.pk],
        resolve_flags=False,
    )

    assert flags(first, second, third) == [(False, True), (False, True), (False, False)]
    assert (update.kind, update.is_public) == (UpdateKind.MODERATED, False)
    assert update.text == "2 photos approved for open data."
    entry = AuditLogEntry.objects.filter(target_id=str(report.pk)).latest("id")
    assert entry.actor == moderator.user
    # The audit keeps what changed.
    assert (entry.before, entry.after) == (
        {"open_data_photo_ids": []},
        {"open_data_photo_ids": [first.pk, second.pk]},
    )

    # Approving one already approved changes nothing about it; the other is withdrawn.
    update = services.report_moderate(
        report=report,
        actor=moderator.user,
        approve_photo_ids=[first.pk, third.pk],
        withdraw_photo_ids=[second.pk],
        resolve_flags=False,
    )

    assert flags(first, second, third) == [(False, True), (False, False), (False, True)]
    assert update.text == "1 photo approved for open data. 1 photo withdrawn from open data."
    entry = AuditLogEntry.objects.filter(target_id=str(report.pk)).latest("id")
    assert (entry.before, entry.after) == (
        {"open_data_photo_ids": [first.pk, second.pk]},
        {"open_data_photo_ids": [first.pk, third.pk]},
    )


def test_hiding_a_photo_withdraws_its_approval_and_showing_it_does_not_restore_it(
    report: Report, moderator: StaffMembership
) -> None:
    photo = photo_of(report, open_data_approved=True)

    update = services.report_moderate(
        report=report, actor=moderator.user, hide_photo_ids=[photo.pk], resolve_flags=False
    )

    assert flags(photo) == [(True, False)]
    assert update.text == "1 photo(s) hidden. 1 photo withdrawn from open data."
    entry = AuditLogEntry.objects.filter(target_id=str(report.pk)).latest("id")
    assert (entry.before, entry.after) == (
        {"hidden_photo_ids": [], "open_data_photo_ids": [photo.pk]},
        {"hidden_photo_ids": [photo.pk], "open_data_photo_ids": []},
    )

    services.report_moderate(
        report=report, actor=moderator.user, show_photo_ids=[photo.pk], resolve_flags=False
    )
    assert flags(photo) == [(False, False)]

    # Hidden again, it may be shown and approved at once: it ends up public.
    services.report_moderate(report=report, actor=moderator.user, hide_photo_ids=[photo.pk])
    services.report_moderate(
        report=report,
        actor=moderator.user,
        show_photo_ids=[photo.pk],
        approve_photo_ids=[photo.pk],
    )
    assert flags(photo) == [(False, True)]


@pytest.mark.parametrize(
    "case",
    [
        "another_reports_photo",
        "another_citys_photo",
        "approved_and_withdrawn",
        "hidden_photo",
        "hidden_in_the_same_call",
        "nothing_to_change",
    ],
)
def test_refusals_write_nothing(
    case: str, report: Report, moderator: StaffMembership, timisoara: Municipality
) -> None:
    photo = photo_of(report)
    hidden = photo_of(report, is_hidden=True)
    approved = photo_of(report, open_data_approved=True)
    other = photo_of(ReportFactory.create(municipality=report.municipality))
    foreign = photo_of(ReportFactory.create(municipality=timisoara))
    arguments: dict[str, Any] = {
        "another_reports_photo": {"approve_photo_ids": [photo.pk, other.pk]},
        "another_citys_photo": {"withdraw_photo_ids": [foreign.pk]},
        "approved_and_withdrawn": {
            "approve_photo_ids": [photo.pk],
            "withdraw_photo_ids": [photo.pk],
        },
        "hidden_photo": {"approve_photo_ids": [photo.pk, hidden.pk]},
        "hidden_in_the_same_call": {
            "hide_photo_ids": [photo.pk],
            "approve_photo_ids": [photo.pk],
        },
        # Already approved, never approved: nothing would change.
        "nothing_to_change": {
            "approve_photo_ids": [approved.pk],
            "withdraw_photo_ids": [photo.pk],
        },
    }[case]
    messages = {
        "another_reports_photo": f"These photos are not of this report: [{other.pk}].",
        "another_citys_photo": f"These photos are not of this report: [{foreign.pk}].",
        "approved_and_withdrawn": "A photo cannot be both approved and withdrawn for open data.",
        "hidden_photo": (
            f"A hidden photo cannot be approved for open data; show it first: [{hidden.pk}]."
        ),
        "hidden_in_the_same_call": (
            f"A hidden photo cannot be approved for open data; show it first: [{photo.pk}]."
        ),
        "nothing_to_change": "There is nothing to change.",
    }
    before = (written(report.municipality), written(timisoara))

    with pytest.raises(ValidationError) as refused:
        services.report_moderate(
            report=report, actor=moderator.user, resolve_flags=False, **arguments
        )

    assert refused.value.messages == [messages[case]]
    assert (written(report.municipality), written(timisoara)) == before


# The back office


def manage(report: Report) -> str:
    return f"/backoffice/reports/{report.pk}/"


def action(report: Report) -> str:
    return f"/backoffice/reports/{report.pk}/photos/visibility/"


def staff_client(membership: StaffMembership, *, csrf: bool = True) -> Client:
    client = Client(enforce_csrf_checks=csrf, HTTP_HOST=BOTOSANI)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(membership.user)
    return client


def csrf_token(client: Client, report: Report) -> str:
    client.get(manage(report))
    return str(client.cookies[settings.CSRF_COOKIE_NAME].value)


def test_the_report_page_offers_one_labelled_checkbox_per_photo(
    report: Report, moderator: StaffMembership
) -> None:
    shown = photo_of(report, open_data_approved=True)
    hidden = photo_of(report, is_hidden=True)

    page = staff_client(moderator).get(manage(report)).content.decode()

    assert "<legend>Photos in the city's open data</legend>" in page
    assert (
        f'<input type="checkbox" name="approved" value="{shown.pk}" '
        f'id="open-data-photo-{shown.pk}" checked>'
    ) in page
    assert f'<label for="open-data-photo-{shown.pk}">Publish photo 1 in open data</label>' in page
    # A hidden photo's box cannot be ticked, and says why.
    assert f'<input type="checkbox" id="open-data-photo-{hidden.pk}" disabled>' in page
    assert (
        f'<label for="open-data-photo-{hidden.pk}">Publish photo 2 in open data '
        "(hidden: cannot be published)</label>"
    ) in page
    assert "Published in open data" in page


def test_staff_approve_the_ticked_photos_and_withdraw_the_others(
    report: Report, moderator: StaffMembership
) -> None:
    ticked = photo_of(report)
    unticked = photo_of(report, open_data_approved=True)
    client = staff_client(moderator)
    form = {"open_data": "1", "photos": [ticked.pk, unticked.pk], "approved": [ticked.pk]}

    refused = client.post(action(report), form)  # no CSRF token
    assert refused.status_code == 403
    assert flags(ticked, unticked) == [(False, False), (False, True)]

    response = client.post(
        action(report), {**form, "csrfmiddlewaretoken": csrf_token(client, report)}
    )

    assert (response.status_code, response["Location"]) == (302, manage(report))
    assert flags(ticked, unticked) == [(False, True), (False, False)]
    page = client.get(manage(report)).content.decode()
    assert "1 photo approved for open data. 1 photo withdrawn from open data." in page


def test_a_refused_approval_is_explained_and_writes_nothing(
    report: Report, moderator: StaffMembership
) -> None:
    hidden = photo_of(report, is_hidden=True)
    client = staff_client(moderator)
    token = csrf_token(client, report)
    before = written(report.municipality)

    # A hidden photo's box is disabled; a crafted request is refused all the same.
    crafted = client.post(
        action(report),
        {
            "open_data": "1",
            "photos": [hidden.pk],
            "approved": [hidden.pk],
            "csrfmiddlewaretoken": token,
        },
    )
    malformed = client.post(
        action(report), {"open_data": "1", "photos": ["x"], "csrfmiddlewaretoken": token}
    )

    assert [crafted.status_code, malformed.status_code] == [302, 302]
    page = client.get(manage(report)).content.decode()
    assert f"A hidden photo cannot be approved for open data; show it first: [{hidden.pk}]." in page
    assert "Choose the photos of this report to publish in open data." in page
    assert written(report.municipality) == before


def test_staff_without_the_module_and_another_citys_report_are_refused(
    report: Report, moderator: StaffMembership, timisoara: Municipality
) -> None:
    photo = photo_of(report)
    foreign = ReportFactory.create(municipality=timisoara)
    foreign_photo = photo_of(foreign)
    without_module = StaffMembershipFactory.create(
        municipality=report.municipality, user=UserFactory.create(), modules=[]
    )
    before = (written(report.municipality), written(timisoara))

    # Without the CSRF check: the refusal is the module's.
    client = staff_client(without_module, csrf=False)
    refused = client.post(
        action(report),
        {"open_data": "1", "photos": [photo.pk], "approved": [photo.pk]},
    )
    client = staff_client(moderator)
    token = csrf_token(client, report)
    not_found = client.post(
        action(foreign),
        {
            "open_data": "1",
            "photos": [foreign_photo.pk],
            "approved": [foreign_photo.pk],
            "csrfmiddlewaretoken": token,
        },
    )

    assert (refused.status_code, not_found.status_code) == (403, 404)
    assert (written(report.municipality), written(timisoara)) == before


# Through the open-data engine


def published(version: Any) -> dict[str, str]:
    return {
        item.key: item.file.read().decode()
        for item in version.distributions.all()
        if item.key != "xlsx"  # a zip
    }


def test_only_approved_visible_photos_reach_the_published_files_each_change_a_version(
    botosani: Municipality, report: Report, moderator: StaffMembership
) -> None:
    from digiplace.opendata.services.generate import dataset_generate

    approved, unapproved = photo_of(report), photo_of(report)
    hidden_report = ReportFactory.create(municipality=botosani, category=report.category)
    on_hidden_report = photo_of(hidden_report, open_data_approved=True)
    hidden_report.is_hidden = True
    hidden_report.save(update_fields=["is_hidden"])
    spec = dataset_spec("reports-reports")
    assert spec is not None

    first = dataset_generate(botosani, spec)

    assert first is not None
    for text in published(first).values():
        for photo in (approved, unapproved, on_hidden_report):
            assert photo.image.name not in text

    services.report_moderate(report=report, actor=moderator.user, approve_photo_ids=[approved.pk])
    second = dataset_generate(botosani, spec)

    assert second is not None and second.number == 2
    assert second.dataset.versions.filter(number=1).exists()  # the old version kept
    files = published(second)
    address = municipality_url(botosani, approved.image.url)
    assert address.startswith("http://botosani.localhost")
    assert address.endswith(f"/media/{approved.image.name}")
    rows = list(csv.DictReader(io.StringIO(files["csv"])))
    assert [(row["id"], row["photos"]) for row in rows] == [(str(report.pk), address)]
    assert [row["photos"] for row in json.loads(files["json"])["rows"]] == [address]
    assert json.loads(files["geojson"])["features"][0]["properties"]["photos"] == address
    for text in files.values():
        assert unapproved.image.name not in text and on_hidden_report.image.name not in text

    # Hiding the photo withdraws it: the next version publishes no photo.
    services.report_moderate(report=report, actor=moderator.user, hide_photo_ids=[approved.pk])
    third = dataset_generate(botosani, spec)

    assert third is not None and third.number == 3
    for text in published(third).values():
        assert approved.image.name not in text


def test_the_photos_column_costs_the_same_queries_for_any_number_of_reports(
    botosani: Municipality, lighting: Category
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    spec = dataset_spec("reports-reports")
    assert spec is not None and spec.rows is not None

    def queries(reports: int) -> tuple[int, int]:
        for _number in range(reports):
            report = ReportFactory.create(municipality=botosani, category=lighting)
            photo_of(report, open_data_approved=True)
            photo_of(report, open_data_approved=True)
        with CaptureQueriesContext(connection) as captured:
            assert spec.rows is not None
            rows = list(spec.rows(botosani))
        assert all(len(row["photos"].split(" ")) == 2 for row in rows)
        return len(rows), len(captured.captured_queries)

    few, many = queries(2), queries(10)

    assert (few[0], many[0]) == (2, 12)
    assert few[1] == many[1] <= 3  # the city's host, the approved photos, the reports
