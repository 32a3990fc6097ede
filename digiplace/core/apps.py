from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "digiplace.core"
    label = "core"
    verbose_name = _("DigiPlace core")

    def ready(self) -> None:
        from . import health, logs, periodic, personal_data, signals

        personal_data.register_core_providers()
        signals.connect()
        logs.connect()
        health.process_register(periodic.SCHEDULER_PROCESS, _("Scheduler (manage.py scheduler)"))
