from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WasteConfig(AppConfig):
    """Smart waste: collection points and containers (``WasteContainer`` entities of the
    urban-data module), fill forecasts, collection routes, alerts, sorting compliance at
    camera-watched sites with enforcement cases, recycling figures (issue #12)."""

    name = "digiplace.waste"
    label = "waste"
    verbose_name = _("Waste")
