"""The processes demo: loaded once, its pages work, the current phase and the plan project
shown."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from digiplace.core.models import Municipality
from digiplace.participation.demo import processes as demo
from digiplace.participation.models import Phase, Process
from digiplace.plans.tests.factories import PlanFactory, ProjectFactory

pytestmark = pytest.mark.django_db


def test_the_demo_loads_once_and_its_pages_work(
    botosani: Municipality, timisoara: Municipality
) -> None:
    plan = PlanFactory.create(municipality=botosani, key="botosani-iap")
    ProjectFactory.create(
        municipality=botosani,
        plan=plan,
        key="5.4-4",
        title_en="Administrative simplification and reduction of bureaucracy",
    )

    lines = demo.demo_load(botosani=botosani, timisoara=timisoara)
    again = demo.demo_load(botosani=botosani, timisoara=timisoara)

    assert len(lines) == 2
    assert again == []
    assert Process.objects.filter(is_demo=True).count() == 2
    assert Phase.objects.filter(process__slug=demo.BOTOSANI_SLUG).count() == 4
    client = Client(HTTP_HOST="botosani.localhost")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(f"/participation/processes/{demo.BOTOSANI_SLUG}/").content.decode()
    assert "Now: Public consultation" in html
    assert "Administrative simplification and reduction of bureaucracy</a>" in html
    assert "Send your proposal" in html
    other = Client(HTTP_HOST="timisoara.localhost").get(
        f"/participation/processes/{demo.TIMISOARA_SLUG}/"
    )
    assert other.status_code == 200
    assert "DECIDEM — Fiecare cetățean are o voce" in other.content.decode()


def test_one_city_only(timisoara: Municipality) -> None:
    assert len(demo.demo_load(botosani=None, timisoara=timisoara)) == 1
    assert list(Process.objects.values_list("slug", flat=True)) == [demo.TIMISOARA_SLUG]
