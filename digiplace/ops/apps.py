from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    """Operations (issue #15): backup and restore, the nightly backup, liveness and
    readiness, the platform's status page, Prometheus metrics and structured logs.

    It reads the other modules only through core's registries (readiness checks, status
    figures, metrics); no module imports it."""

    name = "digiplace.ops"
    label = "ops"
    verbose_name = _("Operations")

    def ready(self) -> None:
        from django.contrib import admin

        from . import checks, heartbeat, periodic

        checks.register()
        heartbeat.register()
        periodic.register()
        # The admin's index links the platform's status page (/admin/status/).
        admin.site.index_template = "ops/admin_index.html"
