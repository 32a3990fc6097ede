from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "digiplace.reports"
    label = "reports"
    verbose_name = _("Problem reports")

    def ready(self) -> None:
        from digiplace.core import http, modules, personal_data

        from . import datasets, map_places, privacy, sitemaps
        from .open311 import views as open311_views

        modules.register(
            modules.ModuleSpec(
                code="reports",
                name=_("Problem reports"),
                public_url_name="reports:report_list",
                backoffice_url_name="reports_backoffice:report_queue",
                sitemaps=sitemaps.sitemaps,
                map_places=map_places.home_map_places,
            )
        )
        personal_data.register(privacy.provider)
        datasets.register()
        from .services.notifications import opt_out_scopes_register

        opt_out_scopes_register()
        http.error_format_register(
            path_prefix="/open311/",
            error_format=http.ErrorFormat(
                request_too_large=open311_views.request_too_large,
                host_not_served=open311_views.host_not_served,
            ),
        )
