"""The run command's demo accounts: each can do what the demo shows."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from digiplace.core import modules
from digiplace.core.models import StaffMembership


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
    assert {"plans", "reports"} <= codes
    for membership in memberships:
        assert not membership.is_admin
        assert all(membership.can_use_module(code) for code in codes)
