from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParticipationConfig(AppConfig):
    """Consultations and surveys, proposals, participatory budgeting, meetings and the
    public forum, the NGO registry (issue #10). Its pages are registered with the module
    list when they exist."""

    name = "digiplace.participation"
    label = "participation"
    verbose_name = _("Participation")
