"""The run command's demo accounts: each can do what the demo shows."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from digiplace.core import modules
from digiplace.core.models import Department, StaffMembership


@pytest.mark.django_db
def test_demo_staff_work_in_every_module_and_a_second_load_changes_nothing() -> None:
    call_command("demo_load", verbosity=0)
    call_command("demo_load", verbosity=0)

    memberships = StaffMembership.objects.filter(user__email__startswith="staff@")
    assert sorted(membership.municipality.slug for membership in memberships) == [
        "botosani",
        "timisoara",
    ]
    codes = {spec.code for spec in modules.all_modules()}
    assert {"plans", "reports", "waste"} <= codes
    granted_by_name = {code for code in codes if modules.grant_required(code)}
    assert "waste_enforcement" in granted_by_name
    for membership in memberships:
        assert not membership.is_admin
        assert all(membership.can_use_module(code) for code in codes - granted_by_name)
        # The local police's enforcement cases are not every staff member's business.
        assert not any(membership.can_use_module(code) for code in granted_by_name)


def _membership(email: str) -> StaffMembership:
    return StaffMembership.objects.select_related("department", "municipality").get(
        user__email=email
    )


@pytest.mark.django_db
def test_the_waste_dispatchers_and_drivers_have_their_jobs_modules_only() -> None:
    call_command("demo_load", verbosity=0)
    membership = _membership("dispatcher@botosani.example")
    membership.modules = ["reports"]
    membership.save()
    call_command("demo_load", verbosity=0)

    botosani_dispatcher = _membership("dispatcher@botosani.example")
    assert botosani_dispatcher.department is not None
    assert botosani_dispatcher.department.name_en == "Local Police – Dispatch"  # type: ignore[attr-defined]
    assert sorted(botosani_dispatcher.modules) == ["urbandata", "waste", "waste_enforcement"]
    assert botosani_dispatcher.can_use_module("waste_enforcement")
    assert not botosani_dispatcher.can_use_module("reports")

    timisoara_dispatcher = _membership("dispatcher@timisoara.example")
    assert timisoara_dispatcher.department is not None
    assert timisoara_dispatcher.department.name_en == "Environment Directorate"  # type: ignore[attr-defined]
    assert sorted(timisoara_dispatcher.modules) == ["urbandata", "waste"]
    # Timișoara has no camera pilot: nobody there opens enforcement cases.
    assert not timisoara_dispatcher.can_use_module("waste_enforcement")

    for slug in ("botosani", "timisoara"):
        driver = _membership(f"driver@{slug}.example")
        assert driver.modules == ["waste_rounds"]
        assert driver.can_use_module("waste_rounds")
        assert not driver.can_use_module("waste")
        assert not driver.is_admin
    # The police dispatch is Botoșani's last department, once.
    police = Department.objects.filter(name_ro="Poliția Locală – Dispecerat")
    assert [department.municipality.slug for department in police] == ["botosani"]


@pytest.mark.django_db
def test_the_last_line_lists_every_demo_account(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("demo_load")
    last = capsys.readouterr().out.strip().splitlines()[-1]
    # The mobility module's transport dispatcher is made by mobility_demo (its department is
    # the mobility demo's), which demo_setup runs after this before the servers start.
    for account in ("admin", "staff", "resident", "dispatcher", "driver", "transport"):
        assert f"{account}@<city>.example" in last
    assert "platform-admin@digiplace.example" in last
