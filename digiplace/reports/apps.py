from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "digiplace.reports"
    label = "reports"
    verbose_name = _("Problem reports")

    def ready(self) -> None:
        from digiplace.core import middleware, modules, personal_data, uploads

        from . import privacy
        from .open311 import views as open311_views

        modules.register(
            modules.ModuleSpec(
                code="reports",
                name=_("Problem reports"),
                public_url_name="reports:report_list",
                backoffice_url_name="reports_backoffice:report_queue",
            )
        )
        personal_data.register(privacy.provider)
        uploads.request_too_large_renderer_register(
            path_prefix="/open311/", renderer=open311_views.request_too_large
        )
        middleware.unknown_host_renderer_register(
            path_prefix="/open311/", renderer=open311_views.host_not_served
        )
