"""The waste module's periodic jobs in core's scheduler: once a day, the complete weeks'
figures become measurements of the plans' KPIs (``services.figures``)."""

from __future__ import annotations

import datetime

from django_tasks import task

from digiplace.core.periodic import periodic_register


@task()
def figures_kpis_record() -> int:
    """Record the weeks' waste figures as KPI measurements; returns how many were added."""
    from .services.figures import figures_kpis_record_all

    return figures_kpis_record_all()


def register() -> None:
    """Register the module's periodic jobs (called from the app's ``ready()``)."""
    periodic_register(
        name="waste.figures_kpis_record",
        interval=datetime.timedelta(days=1),
        task=figures_kpis_record,
    )
