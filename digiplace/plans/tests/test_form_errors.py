"""The working-group form flags every missing field at once, with a summary linking to each."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from digiplace.core.models import Municipality
from digiplace.plans.models import ExpressionOfInterest
from digiplace.plans.tests.factories import PillarFactory, PlanFactory, ProjectFactory

BOTOSANI = "botosani.localhost"


@pytest.mark.django_db
def test_the_empty_join_form_flags_every_field_with_links(
    client: Client, botosani: Municipality
) -> None:
    plan = PlanFactory.create(municipality=botosani, key="iap")
    pillar = PillarFactory.create(municipality=botosani, plan=plan)
    project = ProjectFactory.create(municipality=botosani, pillar=pillar, key="1.1")
    client.cookies["digiplace_language"] = "en"

    response = client.post(f"/plans/iap/projects/{project.key}/join/", {}, HTTP_HOST=BOTOSANI)

    assert response.status_code == 400
    summary = re.search(r'<div class="error-summary".*?</div>', response.content.decode(), re.S)
    assert summary is not None
    assert re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summary.group(0)) == [
        ("id_name", "Your name: This field is required."),
        ("id_email", "Email: This field is required."),
        ("id_motivation", "Why you want to take part: This field is required."),
    ]
    assert ExpressionOfInterest.objects.count() == 0
