"""The NGO registry's demo data: valid fictional fiscal codes, mostly verified, marked as
demo, linked to the plans' records that exist, and loaded once."""

from __future__ import annotations

import pytest

from digiplace.core.models import Municipality
from digiplace.participation.demo import organisations as demo
from digiplace.participation.identifiers import cui_parse
from digiplace.participation.models import (
    Organisation,
    OrganisationLink,
    OrganisationLinkKind,
    OrganisationStatus,
)
from digiplace.plans import links as plans_links
from digiplace.plans.tests.factories import PlanFactory, ProjectFactory, WorkingGroupFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _plans_links() -> None:
    plans_links.register()


def test_each_city_gets_its_organisations_once_with_valid_fictional_cuis(
    botosani: Municipality, timisoara: Municipality
) -> None:
    demo.demo_load(botosani=botosani, timisoara=timisoara)
    demo.demo_load(botosani=botosani, timisoara=timisoara)

    for city in (botosani, timisoara):
        organisations = list(Organisation.objects.filter(municipality=city))
        assert len(organisations) == 12
        statuses = sorted(organisation.status for organisation in organisations)
        assert statuses.count(OrganisationStatus.VERIFIED) == 10
        assert statuses.count(OrganisationStatus.PENDING) == 2
        for organisation in organisations:
            assert cui_parse(organisation.cui).digits == organisation.cui
            # Ten digits: longer than any fiscal code issued, so no real organisation's.
            assert len(organisation.cui) == 10 and organisation.cui.startswith("99")
            assert demo.DEMO_NOTE in organisation.description
        fields = {organisation.field for organisation in organisations}
        assert {"education", "environment", "digital", "social"} <= fields
    # Without the plans' records there is nothing to link to: no links, no error.
    assert OrganisationLink.objects.count() == 0


def test_verified_organisations_are_linked_to_the_plans_records_that_exist(
    botosani: Municipality,
) -> None:
    plan = PlanFactory.create(municipality=botosani, key=demo.BOTOSANI_PLAN)
    WorkingGroupFactory.create(municipality=botosani, plan=plan, key="monitoring-wg")
    ProjectFactory.create(
        municipality=botosani, pillar__plan=plan, pillar__municipality=botosani, key="5.5-1"
    )

    demo.demo_load(botosani=botosani, timisoara=None)
    demo.demo_load(botosani=botosani, timisoara=None)

    links = OrganisationLink.objects.filter(municipality=botosani)
    groups = links.filter(kind=OrganisationLinkKind.WORKING_GROUP)
    projects = links.filter(kind=OrganisationLinkKind.LOCAL_ACTOR)
    assert groups.count() == 3
    assert set(groups.values_list("target_ref", flat=True)) == {
        "plans.working_group:botosani-iap/monitoring-wg"
    }
    assert sorted(projects.values_list("organisation__name", flat=True)) == [
        "Asociația Date Deschise Moldova de Nord",
        "Cod pentru Botoșani",
    ]
    assert not links.exclude(organisation__status=OrganisationStatus.VERIFIED).exists()
