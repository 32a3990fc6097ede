"""Earlier versions of the datasets are kept for settings.OPENDATA_VERSION_RETENTION_DAYS (or
their declaration's ``versions_kept``), then deleted with their files; a dataset's current
version is never deleted, however old."""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from digiplace.core.cache_versions import cache_version_bump
from digiplace.core.datasets import registered_datasets

from ..models import DatasetVersion, Distribution

logger = logging.getLogger(__name__)


def versions_prune(*, now: datetime.datetime | None = None) -> int:
    """Delete the versions older than the retention that are not their dataset's current one,
    with their files; returns how many were deleted."""
    now = now or timezone.now()
    default = datetime.timedelta(days=settings.OPENDATA_VERSION_RETENTION_DAYS)
    kept = {
        spec.slug: spec.versions_kept
        for spec in registered_datasets()
        if spec.versions_kept is not None
    }
    # Nothing younger than the shortest retention can go.
    earliest = now - min([default, *kept.values()])
    current = {
        (row["dataset_id"], row["latest"])
        for row in DatasetVersion.objects.values("dataset_id").annotate(latest=Max("number"))
    }
    old = [
        version
        for version in DatasetVersion.objects.filter(created__lt=earliest)
        .select_related("dataset")
        .only("pk", "dataset_id", "dataset__slug", "number", "municipality_id", "created")
        if (version.dataset_id, version.number) not in current
        and version.created < now - kept.get(version.dataset.slug, default)
    ]
    if not old:
        return 0
    names = list(Distribution.objects.filter(version__in=old).values_list("file", flat=True))
    with transaction.atomic():
        DatasetVersion.objects.filter(pk__in=[version.pk for version in old]).delete()
    # The rows are gone first: a file deleted before would be a broken download meanwhile.
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:  # pragma: no cover - the storage away: the file stays an orphan
            logger.exception("open data: could not delete %s", name)
    for municipality_id in {version.municipality_id for version in old}:
        cache_version_bump(municipality_id, "opendata")
    return len(old)


__all__ = ["versions_prune"]
