from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "digiplace.reports"
    label = "reports"
    verbose_name = _("Problem reports")

    def ready(self) -> None:
        from digiplace.core import modules, personal_data

        from . import privacy

        # No public_url_name yet: the public pages are not built, so no navigation entry.
        modules.register(modules.ModuleSpec(code="reports", name=_("Problem reports")))
        personal_data.register(privacy.provider)
