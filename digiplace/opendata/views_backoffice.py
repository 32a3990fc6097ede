"""The open-data back office: each dataset the city declares, its state (published, version,
last checked, last error, downloads), and "regenerate now" for staff with the module."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from digiplace.core.audit import audit_record
from digiplace.core.datasets import DatasetSpec, datasets_available
from digiplace.core.http import request_actor, request_municipality
from digiplace.core.permissions import staff_required

from .apps import MODULE
from .models import Dataset, DatasetVersion

if TYPE_CHECKING:
    from digiplace.core.models import Municipality, User

logger = logging.getLogger(__name__)
# core.models.AuditAction.UPDATE (views read core's records through its helpers only).
AUDIT_UPDATE = "update"


def _state(dataset: Dataset | None) -> dict[str, Any]:
    if dataset is None:
        return {"number": None}
    version = dataset.current_version()
    return {"number": version.number if version else None}


def dataset_regenerate(
    *, municipality: Municipality, spec: DatasetSpec, actor: User
) -> DatasetVersion | None:
    """Make the dataset's files now, even if its data has not changed, and audit it: the
    version before and after. Returns the new version, None when the files were the same.
    A failure is recorded on the dataset by the engine (``last_error``) and raised."""
    # The engine is imported here: it is only needed when staff ask, not on every page.
    from .services.generate import dataset_generate

    before = _state(Dataset.objects.for_municipality(municipality).filter(slug=spec.slug).first())
    version = dataset_generate(municipality, spec, force=True)
    dataset = Dataset.objects.for_municipality(municipality).filter(slug=spec.slug).first()
    if dataset is not None:
        after = _state(dataset) | {"regenerated": timezone.now().isoformat()}
        audit_record(
            actor=actor,
            municipality=municipality,
            action=AUDIT_UPDATE,
            instance=dataset,
            before=before | {"regenerated": None},
            after=after,
        )
    return version


@staff_required(MODULE)
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    municipality = request_municipality(request)
    specs = datasets_available(municipality)
    datasets = {
        dataset.slug: dataset
        for dataset in Dataset.objects.for_municipality(municipality).filter(
            slug__in=[spec.slug for spec in specs]
        )
    }
    numbers: dict[int, int] = {}
    for version in DatasetVersion.objects.for_municipality(municipality).filter(
        dataset_id__in=[dataset.pk for dataset in datasets.values()]
    ):
        numbers[version.dataset_id] = max(numbers.get(version.dataset_id, 0), version.number)
    rows = []
    for spec in specs:
        dataset = datasets.get(spec.slug)
        rows.append(
            {
                "spec": spec,
                "dataset": dataset,
                "number": numbers.get(dataset.pk) if dataset is not None else None,
            }
        )
    return render(request, "opendata/backoffice/index.html", {"rows": rows})


@staff_required(MODULE)
@require_POST
def regenerate(request: HttpRequest, slug: str) -> HttpResponse:
    municipality = request_municipality(request)
    spec = next((item for item in datasets_available(municipality) if item.slug == slug), None)
    if spec is None:
        raise Http404
    from .services.generate import GenerationFailed

    title = str(spec.title)
    try:
        version = dataset_regenerate(
            municipality=municipality, spec=spec, actor=request_actor(request)
        )
    except GenerationFailed:
        # The engine wrote why on the dataset (shown in the list); staff get a message.
        logger.exception("opendata: regenerating %s for %s failed", slug, municipality.slug)
        messages.error(
            request,
            _("“%(title)s” could not be made: the previous version stays published.")
            % {"title": title},
        )
    else:
        if version is None:
            messages.success(
                request,
                _("“%(title)s” was checked: its data has not changed.") % {"title": title},
            )
        else:
            messages.success(
                request,
                _("“%(title)s”: version %(number)s is published.")
                % {"title": title, "number": version.number},
            )
    return HttpResponseRedirect(reverse("opendata_backoffice:index"))
