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
from digiplace.plans.loader import BASELINE_NOTE, PlanFileError, plans_load
from digiplace.plans.models import (
    Activity,
    GovernanceBody,
    GovernanceMember,
    Kpi,
    Measurement,
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
        "title": {"en": "Test plan", "ro": "Plan de test"},
        "period": {"start": 2022, "end": 2027},
        "pillars": [
            {
                "key": "P1",
                "title": {"en": "Pillar one", "ro": "Pilonul unu"},
                "projects": [
                    {
                        "key": "P1-1",
                        "kind": "action",
                        "title": {"en": "Electric buses", "ro": "Autobuze electrice"},
                        "budget": {"amount": 20000000, "currency": "EUR"},
                        "status": "in_progress",
                        "start": 2022,
                        "end": "2023-06",
                        "activities": [
                            {"number": "1.1", "title": {"en": "Consultation", "ro": "Consultare"}}
                        ],
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
    data["plan"]["pillars"][0]["projects"].append(
        dict(project, title={"en": "Copy", "ro": "Copie"})
    )
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


@pytest.mark.django_db
def test_every_text_must_be_given_in_both_languages(botosani: Municipality, tmp_path: Path) -> None:
    data = yaml.safe_load(yaml.safe_dump(MINIMAL))
    project = data["plan"]["pillars"][0]["projects"][0]
    project["description"] = {"en": "Buses that run on electricity"}
    project["stakeholders"] = [{"en": "Eltrans", "ro": ""}]
    project["kpis"] = [
        {"key": "K1", "kind": "output", "name": {"en": "Buses", "ro": "Autobuze"}, "unit": "buses"}
    ]

    with pytest.raises(PlanFileError) as raised:
        plans_load(paths=[_write(tmp_path, "plan.yaml", data)])

    messages = "\n".join(raised.value.errors)
    assert "plan.pillars[0].projects[0].description: 'ro' is a required property" in messages
    assert "plan.pillars[0].projects[0].stakeholders[0].ro: '' should be non-empty" in messages
    assert "plan.pillars[0].projects[0].kpis[0].unit: 'buses' is not of type 'object'" in messages
    assert Plan.objects.count() == 0


@pytest.mark.django_db
def test_both_city_plans_are_stored_in_romanian_and_english(
    botosani: Municipality, timisoara: Municipality
) -> None:
    call_command("plans_load", verbosity=0)

    # Every text the pages show has its Romanian twin, and it is not the English text copied.
    for model, fields in {
        Plan: ["title"],
        Pillar: ["title", "description"],
        Objective: ["title"],
        Project: ["title"],
        Activity: ["title"],
        Kpi: ["name", "unit"],
        Risk: ["description", "mitigation"],
        GovernanceBody: ["name", "role"],
        GovernanceMember: ["name"],
        WorkingGroup: ["name"],
    }.items():
        for field in fields:
            missing = model.objects.filter(**{f"{field}_ro__in": ["", None]})
            assert not missing.exists(), (model.__name__, field)
            assert model.objects.exclude(**{f"{field}_en__in": ["", None]}).exists()
    # The fields of each language, as stored (modeltranslation's columns).
    assert Pillar.objects.filter(plan__key="botosani-iap", key="5.1").values_list(
        "title_en", "title_ro"
    ).get() == (
        "Digital transformation & urban mobility",
        "Transformare digitală și mobilitate urbană",
    )
    buses = Project.objects.filter(plan__key="botosani-iap", key="5.1-1")
    assert buses.values_list("owner_en", "owner_ro", "funding_programmes_ro").get() == (
        "Municipality of Botosani",
        "Municipiul Botoșani",
        ["FEDR 2014-2020/2021-2027", "Planul Național de Redresare și Reziliență"],
    )
    assert Activity.objects.filter(project__in=buses, number="1.1").values_list(
        "outputs_ro", flat=True
    ).get() == [
        "Introducerea a 11 autobuze electrice care să înlocuiască actualul sistem de tramvai "
        "din municipiul Botoșani"
    ]
    assert Kpi.objects.filter(key="A1-population").values_list("unit_en", "unit_ro").get() == (
        "people",
        "persoane",
    )


@pytest.mark.django_db
def test_kpi_baselines_are_the_first_readings_with_their_year_and_source(
    botosani: Municipality, timisoara: Municipality
) -> None:
    call_command("plans_load", verbosity=0)
    call_command("plans_load", verbosity=0)  # idempotent: still one reading per baseline

    def readings(key: str) -> list[tuple[datetime.date, Decimal, str, str]]:
        return list(
            Measurement.objects.filter(kpi__key=key).values_list("date", "value", "source", "note")
        )

    statistics = "statistics and public institutions"
    assert readings("A1-population") == [
        (datetime.date(2020, 1, 1), Decimal(325522), statistics, BASELINE_NOTE)
    ]
    desi = readings("A1-desi-respondents")
    assert [(date, value) for date, value, _source, _note in desi] == [
        (datetime.date(2021, 1, 1), Decimal(1413))
    ]
    assert desi[0][2].startswith("First DESI survey for Timișoara")
    expected = {
        "A5-air-sensors": Decimal(55),
        "A5-recycling": Decimal("13.5"),
        "A5-household-waste": Decimal(691),
    }
    for key, value in expected.items():
        assert [reading[1] for reading in readings(key)] == [value], key
    # A KPI whose baseline the document does not give gets no reading.
    assert readings("A1-open-data-sets") == []
    with_baseline = Kpi.objects.filter(baseline_value__isnull=False, baseline_date__isnull=False)
    assert Measurement.objects.count() == with_baseline.count() > 20


@pytest.mark.django_db
def test_a_plan_can_state_a_projects_progress_and_a_reload_without_it_keeps_staffs(
    botosani: Municipality, tmp_path: Path
) -> None:
    data = yaml.safe_load(yaml.safe_dump(MINIMAL))
    data["plan"]["pillars"][0]["projects"][0]["progress"] = 30
    plans_load(paths=[_write(tmp_path, "plan.yaml", data)])
    assert Project.objects.get(key="P1-1").progress == 30

    Project.objects.filter(key="P1-1").update(progress=45)
    plans_load(paths=[_write(tmp_path, "minimal.yaml", MINIMAL)])

    assert Project.objects.get(key="P1-1").progress == 45
