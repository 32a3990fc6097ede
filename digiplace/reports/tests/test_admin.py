"""The Django admin shows reports but changes none: every change goes through a service
that writes the timeline, notifies and audits (the back office)."""

from __future__ import annotations

import pytest
from django.test import Client

from digiplace.core.models import AuditLogEntry, Municipality
from digiplace.core.tests.factories import UserFactory
from digiplace.reports.models import Report, ReportStatus, ReportUpdate
from digiplace.reports.tests.factories import ReportFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client: Client) -> Client:
    client.force_login(
        UserFactory.create(email="root@example.org", is_staff=True, is_superuser=True)
    )
    return client


def test_a_report_is_shown_with_its_status_but_not_as_a_field(
    admin_client: Client, botosani: Municipality
) -> None:
    report = ReportFactory.create(municipality=botosani)

    page = admin_client.get(f"/admin/reports/report/{report.pk}/change/")

    assert page.status_code == 200
    body = page.content.decode()
    assert 'name="status"' not in body
    assert 'name="is_hidden"' not in body
    assert 'name="description"' not in body


def test_the_admin_refuses_to_change_or_delete_a_report(
    admin_client: Client, botosani: Municipality
) -> None:
    # Given an open report
    report = ReportFactory.create(municipality=botosani, status=ReportStatus.NEW)

    # When a platform administrator posts a closed status, then a deletion
    changed = admin_client.post(
        f"/admin/reports/report/{report.pk}/change/",
        {"status": ReportStatus.FIXED, "description": "changed", "is_hidden": "on"},
    )
    deleted = admin_client.post(f"/admin/reports/report/{report.pk}/delete/", {"post": "yes"})
    bulk = admin_client.post(
        "/admin/reports/report/",
        {"action": "delete_selected", "_selected_action": [report.pk], "post": "yes"},
    )

    # Then both are refused and nothing was written anywhere
    assert (changed.status_code, deleted.status_code) == (403, 403)
    assert bulk.status_code in (200, 302)
    stored = Report.objects.get(pk=report.pk)
    assert (stored.status, stored.description, stored.is_hidden) == (
        ReportStatus.NEW,
        report.description,
        False,
    )
    assert not ReportUpdate.objects.exists()
    assert not AuditLogEntry.objects.exists()


def test_reports_cannot_be_added_in_the_admin(admin_client: Client, botosani: Municipality) -> None:
    assert admin_client.get("/admin/reports/report/add/").status_code == 403
