"""Plans' words agree with their nouns in Romanian: a project (proiect) is masculine."""

from __future__ import annotations

from django.utils import translation

from digiplace.plans.models import RiskStatus, Status


def test_project_statuses_are_masculine_in_romanian() -> None:
    with translation.override("ro"):
        labels = {code: str(label) for code, label in Status.choices}
        risk_closed = str(RiskStatus.CLOSED.label)

    assert labels == {
        "idea": "Idee",
        "planned": "Planificat",
        "in_preparation": "În pregătire",
        "pre_contracting": "În precontractare",
        "in_progress": "În desfășurare",
        "completed": "Finalizat",
        "suspended": "Suspendat",
        "cancelled": "Anulat",
    }
    assert risk_closed == "Închis"
