"""Background tasks of the waste module (run by ``manage.py db_worker``)."""

from __future__ import annotations

from django_tasks import task

from .services import planning


@task()
def plan_compute_task(*, plan_id: int, truck_ids: list[int]) -> str:
    """Compute a collection plan written in status ``computing`` (``services.planning``);
    a plan no longer computing (computed, or deleted) is left alone."""
    return planning.plan_compute(plan_id=plan_id, truck_ids=truck_ids)
