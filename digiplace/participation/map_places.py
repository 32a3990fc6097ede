"""The places participation shows on the city's home map: upcoming meetings with a place,
then the newest proposals with a location (public ones only)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from digiplace.core.modules import MapPlace

from .models import Meeting, Proposal

if TYPE_CHECKING:
    from digiplace.core.models import Municipality

HOME_MAP_MEETINGS = 5
HOME_MAP_PROPOSALS = 10


def home_map_places(municipality: Municipality) -> list[MapPlace]:
    now = timezone.now()
    zone = timezone.get_current_timezone()
    meetings = (
        Meeting.objects.filter(
            municipality=municipality,
            is_published=True,
            is_cancelled=False,
            ends_at__gte=now,
            latitude__isnull=False,
            longitude__isnull=False,
        )
        .filter(Q(process__isnull=True) | Q(process__is_published=True))
        .order_by("starts_at", "pk")[:HOME_MAP_MEETINGS]
    )
    places = []
    for meeting in meetings:
        if meeting.latitude is None or meeting.longitude is None:
            continue
        when = formats.date_format(meeting.starts_at.astimezone(zone), "SHORT_DATETIME_FORMAT")
        where = f" · {meeting.place_name}" if meeting.place_name else ""
        places.append(
            MapPlace(
                title=meeting.title,
                url=reverse("participation:meeting_detail", kwargs={"slug": meeting.slug}),
                latitude=meeting.latitude,
                longitude=meeting.longitude,
                description=_("Meeting: %(when)s") % {"when": when} + where,
            )
        )
    proposals = Proposal.objects.filter(
        municipality=municipality,
        is_hidden=False,
        process__is_published=True,
        latitude__isnull=False,
        longitude__isnull=False,
    ).order_by("-created_at", "-pk")[:HOME_MAP_PROPOSALS]
    for proposal in proposals:
        if proposal.latitude is None or proposal.longitude is None:
            continue
        places.append(
            MapPlace(
                title=proposal.title,
                url=reverse("participation:proposal_detail", kwargs={"pk": proposal.pk}),
                latitude=proposal.latitude,
                longitude=proposal.longitude,
                description=_("Proposal: %(status)s") % {"status": proposal.get_status_display()},
            )
        )
    return places
