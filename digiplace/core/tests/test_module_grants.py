"""Modules granted by name only: an administrator's role does not open them (the local
police's enforcement cases), an explicit grant does, and the back-office dashboard lists
only what the person may open."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from digiplace.core import modules
from digiplace.core.models import Municipality, StaffRole
from digiplace.core.tests.factories import StaffMembershipFactory

pytestmark = pytest.mark.django_db

ENFORCEMENT = "waste_enforcement"


def test_the_registry_marks_the_police_module_as_granted_by_name_only() -> None:
    assert modules.grant_required(ENFORCEMENT)
    assert not modules.grant_required("waste")
    assert not modules.grant_required("no-such-module")


def test_an_administrator_needs_the_grant_a_staff_member_with_it_has_it(
    botosani: Municipality,
) -> None:
    admin = StaffMembershipFactory.create(municipality=botosani, role=StaffRole.ADMIN, modules=[])
    assert admin.can_use_module("waste") and admin.can_use_module("plans")
    assert not admin.can_use_module(ENFORCEMENT)

    admin.modules = [ENFORCEMENT]
    assert admin.can_use_module(ENFORCEMENT)

    police = StaffMembershipFactory.create(municipality=botosani, modules=[ENFORCEMENT])
    assert police.can_use_module(ENFORCEMENT) and not police.can_use_module("plans")
    police.is_active = False
    assert not police.can_use_module(ENFORCEMENT)


def test_the_dashboard_lists_the_police_module_only_with_the_grant(
    botosani: Municipality,
) -> None:
    admin = StaffMembershipFactory.create(municipality=botosani, role=StaffRole.ADMIN, modules=[])
    client = Client(HTTP_HOST="botosani.localhost")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(admin.user)
    cases = reverse("waste_backoffice:case_list")
    page = client.get(reverse("backoffice:dashboard")).content.decode()
    assert reverse("waste_backoffice:index") in page
    assert cases not in page

    admin.modules = [ENFORCEMENT]
    admin.save()
    page = client.get(reverse("backoffice:dashboard")).content.decode()
    assert cases in page
