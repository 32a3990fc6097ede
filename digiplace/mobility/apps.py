from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Module code (staff memberships grant it): the network, service alerts, the control centre,
# the fleet, validators and ridership.
MODULE = "mobility"


class MobilityConfig(AppConfig):
    """Public transport and mobility: the network as GTFS, live tracking with arrival
    predictions, GTFS-realtime feeds, stop displays, the control centre, the journey planner,
    anonymised ridership, charging and parking (issue #13). Vehicles, charging stations and
    parking are entities of the urban-data module."""

    name = "digiplace.mobility"
    label = "mobility"
    verbose_name = _("Mobility")

    def ready(self) -> None:
        from digiplace.core import modules

        from . import datasets, hooks, map_places, page_clock, sitemaps

        modules.register(
            modules.ModuleSpec(
                code=MODULE,
                name=_("Mobility"),
                public_url_name="mobility:index",
                backoffice_url_name="mobility_backoffice:index",
                sitemaps=sitemaps.sitemaps,
                map_places=map_places.home_map_places,
                page_depends_on=("urbandata",),
                page_clock=page_clock.page_clock,
            )
        )
        hooks.register()
        datasets.register()
