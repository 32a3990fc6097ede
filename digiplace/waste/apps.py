from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Module codes (staff memberships grant them): planners and the back office, the drivers'
# rounds on a phone, and the local police's enforcement cases (granted by name only).
MODULE = "waste"
MODULE_ROUNDS = "waste_rounds"
MODULE_ENFORCEMENT = "waste_enforcement"


class WasteConfig(AppConfig):
    """Smart waste: collection points and containers (``WasteContainer`` entities of the
    urban-data module), fill forecasts, collection routes, alerts, sorting compliance at
    camera-watched sites with enforcement cases, recycling figures (issue #12)."""

    name = "digiplace.waste"
    label = "waste"
    verbose_name = _("Waste")

    def ready(self) -> None:
        from digiplace.core import modules

        from . import datasets, map_places, periodic, sitemaps

        modules.register(
            modules.ModuleSpec(
                code=MODULE,
                name=_("Waste"),
                public_url_name="waste:index",
                backoffice_url_name="waste_backoffice:index",
                sitemaps=sitemaps.sitemaps,
                map_places=map_places.home_map_places,
                page_depends_on=("urbandata",),
            )
        )
        modules.register(
            modules.ModuleSpec(
                code=MODULE_ROUNDS,
                name=_("Waste: collection rounds (drivers)"),
                backoffice_url_name="waste_backoffice:rounds",
            )
        )
        modules.register(
            modules.ModuleSpec(
                code=MODULE_ENFORCEMENT,
                name=_("Waste: enforcement cases (local police)"),
                backoffice_url_name="waste_backoffice:case_list",
                grant_required=True,
            )
        )
        periodic.register()
        datasets.register()
