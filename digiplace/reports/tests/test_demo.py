"""The run command's reports demo: realistic data, loaded once, with one Open311 key."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from digiplace.reports.models import ApiKey, Category, Neighbourhood, Report, ReportUpdate


@pytest.mark.django_db
def test_reports_demo_loads_once_per_city() -> None:
    call_command("demo_load", verbosity=0)

    call_command("reports_demo", "--reports", "40", verbosity=0)
    counts = [
        model.objects.count() for model in (Category, Neighbourhood, Report, ReportUpdate, ApiKey)
    ]
    keys = set(ApiKey.objects.values_list("key", flat=True))
    call_command("reports_demo", "--reports", "40", verbosity=0)

    assert [
        model.objects.count() for model in (Category, Neighbourhood, Report, ReportUpdate, ApiKey)
    ] == counts
    assert counts[:3] == [20, 8, 80]
    assert set(ApiKey.objects.values_list("key", flat=True)) == keys
    statuses = set(Report.objects.values_list("status", flat=True))
    assert {"new", "fixed"} <= statuses
    for report in Report.objects.select_related("municipality"):
        assert report.latitude is not None and report.longitude is not None
        assert report.municipality.contains_point(report.latitude, report.longitude)
        assert report.department is not None
