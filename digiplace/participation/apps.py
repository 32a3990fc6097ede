from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParticipationConfig(AppConfig):
    """Consultations and surveys, proposals, participatory budgeting, meetings and the
    public forum, the NGO registry (issue #10)."""

    name = "digiplace.participation"
    label = "participation"
    verbose_name = _("Participation")

    def ready(self) -> None:
        from digiplace.core import modules, personal_data

        from . import datasets, links, map_places, page_clock, privacy, sitemaps

        modules.register(
            modules.ModuleSpec(
                code="participation",
                name=_("Participation"),
                public_url_name="participation:index",
                backoffice_url_name="participation_backoffice:index",
                sitemaps=sitemaps.sitemaps,
                map_places=map_places.home_map_places,
                # A process's page shows the title of the plan project it serves.
                page_depends_on=("plans",),
                # Surveys, votes and proposals open and close by the clock.
                page_clock=page_clock.page_clock,
            )
        )
        personal_data.register(privacy.provider)
        links.register()
        datasets.register()
