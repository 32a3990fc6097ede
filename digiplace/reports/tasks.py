"""Background work of the reports module (run by ``manage.py db_worker``)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django_tasks import task

from . import services
from .models import Report


@task()
def report_support_record(
    *, report_id: int, email: str, user_id: int | None, site_root: str, email_language: str
) -> bool:
    """The background half of ``report_support_later``; False when the report is gone,
    hidden or closed meanwhile (nothing to do)."""
    report = Report.objects.select_related("municipality", "category").filter(pk=report_id).first()
    if report is None:
        return False
    user = get_user_model().objects.filter(pk=user_id).first() if user_id is not None else None
    try:
        services.report_support(
            report=report,
            email=email,
            user=user,
            site_root=site_root,
            email_language=email_language,
        )
    except ValidationError:
        return False
    return True
