"""Staff pages of the participation module, under /backoffice/participation/."""

from django.urls import include, path

from . import (
    urls_budgeting,
    urls_meetings,
    urls_organisations,
    urls_processes,
    urls_proposals,
    urls_surveys,
    urls_voting,
)

app_name = "participation_backoffice"

urlpatterns = [
    path("", include(urls_processes.backoffice_urlpatterns)),
    path("surveys/", include(urls_surveys.backoffice_urlpatterns)),
    path("proposals/", include(urls_proposals.backoffice_urlpatterns)),
    path("budgets/", include(urls_budgeting.backoffice_urlpatterns)),
    path("budgets/", include(urls_voting.backoffice_urlpatterns)),
    path("meetings/", include(urls_meetings.backoffice_urlpatterns)),
    path("organisations/", include(urls_organisations.backoffice_urlpatterns)),
]
