"""Addresses of verified voting, public (``urlpatterns``, under /participation/budgets/)
and staff (``backoffice_urlpatterns``, under /backoffice/participation/budgets/). No
app_name: the names live in the ``participation`` and ``participation_backoffice``
namespaces."""

from django.urls import URLPattern, URLResolver, path

from .views import voting, voting_backoffice

urlpatterns: list[URLPattern | URLResolver] = [
    path("<int:budget_id>/vote/", voting.vote_start, name="vote_start"),
    path("<int:budget_id>/vote/code/", voting.vote_code, name="vote_code"),
    path("<int:budget_id>/vote/census/", voting.vote_census, name="vote_census"),
    path("<int:budget_id>/vote/zones/", voting.vote_zone, name="vote_zone"),
    path("<int:budget_id>/vote/zones/<int:zone_id>/", voting.vote_ballot, name="vote_ballot"),
    path("<int:budget_id>/vote/receipt/", voting.vote_receipt, name="vote_receipt"),
    path("<int:budget_id>/vote/change/<str:token>/", voting.vote_change, name="vote_change"),
    path("<int:budget_id>/vote/leave/", voting.vote_leave, name="vote_leave"),
    path("<int:budget_id>/receipt/", voting.vote_receipt_check, name="vote_receipt_check"),
]

backoffice_urlpatterns: list[URLPattern | URLResolver] = [
    path("<int:budget_id>/voters/", voting_backoffice.voting_voters, name="voting_voters"),
    path(
        "<int:budget_id>/voters/census/",
        voting_backoffice.voting_census_upload,
        name="voting_census_upload",
    ),
    path(
        "<int:budget_id>/voters/codes/",
        voting_backoffice.voting_codes_generate,
        name="voting_codes_generate",
    ),
]
