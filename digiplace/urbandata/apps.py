from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UrbandataConfig(AppConfig):
    """The city's context-data hub: devices and sensor readings over NGSI-LD, MQTT and CSV,
    time series with rollups, subscriptions and alert rules, air quality, district heating
    (issue #11)."""

    name = "digiplace.urbandata"
    label = "urbandata"
    verbose_name = _("Urban data")

    def ready(self) -> None:
        from digiplace.core import http as core_http
        from digiplace.core import modules

        from . import datasets, health, map_places, periodic, sitemaps
        from .ngsi import http as ngsi_http
        from .services import alerts, subscriptions

        modules.register(
            modules.ModuleSpec(
                code="urbandata",
                name=_("Urban data"),
                public_url_name="urbandata:index",
                backoffice_url_name="urbandata_backoffice:index",
                sitemaps=sitemaps.sitemaps,
                map_places=map_places.home_map_places,
            )
        )
        subscriptions.register()
        alerts.register()
        periodic.register()
        alerts.register_periodic()
        datasets.register()
        health.register()
        # Core's refusals before any view runs (an unknown host, a body over the limit)
        # answer NGSI-LD clients in ProblemDetails.
        core_http.error_format_register(
            path_prefix="/ngsi-ld/",
            error_format=core_http.ErrorFormat(
                request_too_large=ngsi_http.request_too_large,
                host_not_served=ngsi_http.host_not_served,
            ),
        )
