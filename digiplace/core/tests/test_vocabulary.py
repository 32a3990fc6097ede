"""One vocabulary per language: quarters, dates, the admin's third-party models, audit values."""

from __future__ import annotations

import datetime

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.template import Context, Template
from django.test import Client
from django.utils import formats, translation
from django.utils.translation import gettext, pgettext
from django_tasks_db.models import DBTaskResult, get_date_max

from digiplace.core.audit import audit_entry_changes
from digiplace.core.i18n import quarter_label
from digiplace.core.models import AuditLogEntry, Department, StaffMembership
from digiplace.core.tests.factories import UserFactory

BOTOSANI = "botosani.localhost"


@pytest.mark.parametrize(("language", "expected"), [("en", "Q4 2026"), ("ro", "T4 2026")])
def test_a_quarter_is_written_one_way_in_each_language(language: str, expected: str) -> None:
    template = Template("{% load digiplace_i18n %}{% quarter year 4 %}")

    with translation.override(language):
        assert quarter_label(year=2026, quarter=4) == expected
        assert template.render(Context({"year": 2026})) == expected


def test_romanian_dates_write_months_and_days_in_lower_case() -> None:
    day = datetime.date(2026, 11, 28)

    with translation.override("ro"):
        assert formats.date_format(day, "DATE_FORMAT") == "28 noiembrie 2026"
        assert formats.date_format(day, "YEAR_MONTH_FORMAT") == "noiembrie 2026"
        assert formats.date_format(datetime.date(2026, 3, 2), "l, j F") == "luni, 2 martie"
    with translation.override("en"):
        assert formats.date_format(day, "DATE_FORMAT") == "Nov. 28, 2026"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "shown", "not_shown"),
    [
        (
            "ro",
            [
                "Protecția autentificării",
                "Încercări de acces",
                "Jurnale de acces",
                "Eșecuri de acces",
                "Sarcini în fundal",
                "Rezultatele sarcinilor",
            ],
            ["Access attempts", "Access logs", "Access failures", "Task Results", "Axes"],
        ),
        ("en", ["Sign-in protection", "Access attempts", "Background tasks", "Task Results"], []),
    ],
)
def test_the_admin_names_third_party_models_in_the_persons_language(
    client: Client, language: str, shown: list[str], not_shown: list[str]
) -> None:
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    # One row of each, so that the lists show their columns.
    AccessAttempt.objects.create(
        username="someone@example.org",
        ip_address="192.0.2.1",
        user_agent="browser",
        http_accept="*/*",
        path_info="/accounts/login/",
        get_data="",
        post_data="",
        failures_since_start=1,
    )
    DBTaskResult.objects.create(
        task_path="digiplace.plans.tasks.report_generate",
        args_kwargs={"args": [], "kwargs": {}},
        backend_name="default",
        run_after=get_date_max(),
    )

    index = client.get("/admin/").content.decode()
    attempts = client.get("/admin/axes/accessattempt/").content.decode()
    tasks = client.get("/admin/django_tasks_database/dbtaskresult/").content.decode()

    assert all(text in index for text in shown), [text for text in shown if text not in index]
    assert not [text for text in not_shown if text in index]
    if language == "ro":
        assert "Adresă IP" in attempts
        assert "Momentul încercării" in attempts
        assert "Pusă în coadă la" in tasks
        assert ">Sarcină<" in tasks


def _membership_entry(membership: StaffMembership, department: Department) -> AuditLogEntry:
    return AuditLogEntry.objects.create(
        municipality=membership.municipality,
        actor_label="admin@botosani.example",
        action="update",
        target_type="core.StaffMembership",
        target_id=str(membership.pk),
        target_label=str(membership),
        before={"modules": [], "role": "staff", "is_active": True, "department_id": None},
        after={
            "modules": ["plans", "reports"],
            "role": "admin",
            "is_active": False,
            "department_id": department.pk,
        },
    )


@pytest.mark.django_db
def test_an_audit_entry_reads_as_field_names_and_values_in_words(
    botosani_admin: StaffMembership,
) -> None:
    department = Department.objects.create(municipality=botosani_admin.municipality, name="IT")
    entry = _membership_entry(botosani_admin, department)

    with translation.override("en"):
        rows = [(row.label, row.before, row.after) for row in audit_entry_changes(entry)]

    assert rows == [
        ("Active", "Yes", "No"),
        ("Department", "—", "IT"),
        ("Modules", "—", "City plan, Problem reports"),
        ("Role", "Staff member", "Municipality administrator"),
    ]


@pytest.mark.django_db
def test_the_audit_entry_page_shows_romanian_labels_and_values(
    botosani_admin: StaffMembership, client: Client
) -> None:
    department = Department.objects.create(municipality=botosani_admin.municipality, name="IT")
    entry = _membership_entry(botosani_admin, department)
    client.force_login(botosani_admin.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ro"

    page = client.get(f"/backoffice/audit-log/{entry.pk}/", HTTP_HOST=BOTOSANI).content.decode()

    assert '<th scope="row">Module</th>' in page
    assert "Administrator al primăriei" in page
    assert '<td data-label="După">Nu</td>' in page
    for raw in ("modules", "[]", "[&#x27;plans&#x27;, &#x27;reports&#x27;]", "admin<", "None"):
        assert raw not in page.split("<main", 1)[1], raw


def test_closed_agrees_with_its_noun_in_romanian() -> None:
    with translation.override("ro"):
        # A report (sesizare) is feminine; risks and projects are masculine.
        assert pgettext("report", "Closed") == "Închisă"
        assert pgettext("report", "Open") == "Deschisă"
        assert pgettext("reports counted", "Closed") == "Închise"
        assert gettext("Closed") == "Închis"
