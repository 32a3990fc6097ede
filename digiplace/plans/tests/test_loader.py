"""Loading plan files: validation with file and path, all or nothing, idempotent."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import CommandError, call_command

from digiplace.core.models import Municipality
from digiplace.plans.loader import PlanFileError, plans_load
from digiplace.plans.models import (
    Activity,
    GovernanceBody,
    Kpi,
    Objective,
    Pillar,
    Plan,
    Project,
    Risk,
    WorkingGroup,
)

PLANS = Path(settings.BASE_DIR) / "data" / "plans"
COUNTED = (Plan, Pillar, Objective, Project, Activity, Kpi, Risk, GovernanceBody, WorkingGroup)

MINIMAL = {
    "plan": {
        "key": "test-plan",
        "municipality": "botosani",
        "title": {"en": "Test plan"},
        "period": {"start": 2022, "end": 2027},
        "pillars": [
            {
                "key": "P1",
                "title": {"en": "Pillar one", "ro": "Pilonul unu"},
                "projects": [
                    {
                        "key": "P1-1",
                        "kind": "action",
                        "title": {"en": "Electric buses"},
                        "budget": {"amount": 20000000, "currency": "EUR"},
                        "status": "in_progress",
                        "start": 2022,
                        "end": "2023-06",
                        "activities": [{"number": "1.1", "title": {"en": "Consultation"}}],
                    }
                ],
            }
        ],
    }
}


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


def _write(tmp_path: Path, name: str, data: object) -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.django_db
def test_both_city_plans_load_twice_with_the_same_counts(
    botosani: Municipality, timisoara: Municipality
) -> None:
    call_command("plans_load", verbosity=0)
    first = _counts()
    call_command("plans_load", verbosity=0)

    assert _counts() == first
    assert first["Plan"] == 2
    assert first["Project"] > 20
    assert first["Activity"] > 20


@pytest.mark.django_db
def test_transcribed_figures_are_loaded(botosani: Municipality, timisoara: Municipality) -> None:
    call_command("plans_load", verbosity=0)

    botosani_budgets = set(
        Project.objects.filter(plan__key="botosani-iap", budget_amount__isnull=False).values_list(
            "budget_amount", flat=True
        )
    )
    assert {Decimal(20_000_000), Decimal(7_000_000), Decimal(467_800), Decimal(8_740_000)} <= (
        botosani_budgets
    )
    strategy = Plan.objects.get(key="timisoara-smart-city-2022-2027")
    assert strategy.pillars.count() == 7
    # 16 of the 22 strategic objectives have a title that survived the PDF's conversion.
    assert Objective.objects.filter(pillar__plan=strategy).count() == 16
    assert strategy.kpis.filter(baseline_value=55).exists()
    assert strategy.kpis.filter(baseline_value=475).exists()
    assert strategy.governance_bodies.count() == 4


@pytest.mark.django_db
def test_minimal_file_loads_with_dates_and_translations(
    botosani: Municipality, tmp_path: Path
) -> None:
    result = plans_load(paths=[_write(tmp_path, "plan.yaml", MINIMAL)])

    project = Project.objects.get(key="P1-1")
    assert (result.plans, result.projects, result.activities) == (1, 1, 1)
    assert project.budget_amount == Decimal(20_000_000)
    assert (project.start_date, project.start_precision) == (datetime.date(2022, 1, 1), "year")
    assert (project.end_date, project.end_precision) == (datetime.date(2023, 6, 30), "month")
    assert Pillar.objects.filter(pk=project.pillar_id, title_ro="Pilonul unu").exists()
    assert project.municipality == botosani


@pytest.mark.django_db
def test_a_broken_file_loads_nothing_and_names_the_error(
    botosani: Municipality, tmp_path: Path
) -> None:
    broken = yaml.safe_load(yaml.safe_dump(MINIMAL))
    broken["plan"]["key"] = "broken-plan"
    broken["plan"]["pillars"][0]["projects"][0]["budget"]["amount"] = "twenty million"
    broken["plan"]["pillars"][0]["projects"][0]["status"] = "almost done"
    good = _write(tmp_path, "good.yaml", MINIMAL)
    bad = _write(tmp_path, "bad.yaml", broken)

    with pytest.raises(PlanFileError) as raised:
        plans_load(paths=[good, bad])

    errors = raised.value.errors
    assert all(str(bad) in error for error in errors)
    assert any("plan.pillars[0].projects[0].budget" in error for error in errors)
    assert any("plan.pillars[0].projects[0].status" in error for error in errors)
    assert _counts() == dict.fromkeys(_counts(), 0)


@pytest.mark.django_db
def test_semantic_errors_are_reported_with_paths(botosani: Municipality, tmp_path: Path) -> None:
    data = yaml.safe_load(yaml.safe_dump(MINIMAL))
    project = data["plan"]["pillars"][0]["projects"][0]
    project["start"], project["end"] = 2024, 2023
    data["plan"]["pillars"][0]["projects"].append(dict(project, title={"en": "Copy"}))
    data["plan"]["municipality"] = "botosani"

    with pytest.raises(PlanFileError) as raised:
        plans_load(paths=[_write(tmp_path, "plan.yaml", data)])

    messages = "\n".join(raised.value.errors)
    assert "plan.pillars[0].projects[0].end: ends (2023) before it starts (2024)" in messages
    assert "plan.pillars[0].projects[1].key: duplicate project key 'P1-1'" in messages
    assert Plan.objects.count() == 0


@pytest.mark.django_db
def test_unknown_municipality_and_yaml_errors(tmp_path: Path) -> None:
    unknown = _write(tmp_path, "unknown.yaml", MINIMAL)
    not_yaml = tmp_path / "not-yaml.yaml"
    not_yaml.write_text("plan: [unclosed", encoding="utf-8")

    with pytest.raises(PlanFileError) as raised:
        plans_load(paths=[unknown, not_yaml])

    assert raised.value.errors[0].endswith("plan.municipality: no municipality 'botosani'")
    assert str(not_yaml) in raised.value.errors[1]
    assert "not valid YAML" in raised.value.errors[1]


@pytest.mark.django_db
def test_command_reports_errors_and_check_mode(botosani: Municipality, tmp_path: Path) -> None:
    data = yaml.safe_load(yaml.safe_dump(MINIMAL))
    data["plan"]["colour"] = "blue"
    bad = _write(tmp_path, "bad.yaml", data)

    with pytest.raises(CommandError, match=r"nothing was loaded:\n.*bad.yaml: plan: Additional"):
        call_command("plans_load", str(bad))
    call_command("plans_load", str(_write(tmp_path, "ok.yaml", MINIMAL)), "--check", verbosity=0)
    assert Plan.objects.count() == 0
