"""Public pages of the participation module, under /participation/ on each city's host."""

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

app_name = "participation"

urlpatterns = [
    path("", include(urls_processes.urlpatterns)),
    path("surveys/", include(urls_surveys.urlpatterns)),
    path("proposals/", include(urls_proposals.urlpatterns)),
    path("budgets/", include(urls_budgeting.urlpatterns)),
    path("budgets/", include(urls_voting.urlpatterns)),
    path("meetings/", include(urls_meetings.urlpatterns)),
    path("organisations/", include(urls_organisations.urlpatterns)),
]
