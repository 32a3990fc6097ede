from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "digiplace.plans"
    label = "plans"
    verbose_name = _("Plans and transparency")

    def ready(self) -> None:
        from digiplace.core import modules, personal_data

        from . import datasets, links, map_places, privacy, sitemaps

        modules.register(
            modules.ModuleSpec(
                code="plans",
                name=_("City plan"),
                public_url_name="plans:plan_list",
                backoffice_url_name="plans_backoffice:plan_list",
                sitemaps=sitemaps.sitemaps,
                map_places=map_places.home_map_places,
                # A project's page lists what points at it (participation's backlinks).
                page_depends_on=("participation",),
            )
        )
        personal_data.register(privacy.provider)
        links.register()
        datasets.register()
