from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "digiplace.reports"
    label = "reports"
    verbose_name = _("Problem reports")

    def ready(self) -> None:
        from digiplace.core import modules, personal_data

        from . import privacy

        modules.register(
            modules.ModuleSpec(
                code="reports",
                name=_("Problem reports"),
                public_url_name="reports:report_list",
                backoffice_url_name="reports_backoffice:report_queue",
            )
        )
        personal_data.register(privacy.provider)
