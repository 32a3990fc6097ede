"""Another city's survey records cannot be opened or changed through any survey back-office
address, by id, whatever the method: administrators get 404 (no hint), and nothing is
written. (The core isolation tests walk every route too, once the participation factories
module lists these factories.)"""

from __future__ import annotations

import itertools

import pytest
from django.test import Client
from django.urls import URLPattern

from digiplace.core.audit import model_snapshot
from digiplace.core.models import AuditLogEntry, Municipality, StaffMembership
from digiplace.participation import urls_surveys
from digiplace.participation.models import Answer, Question, QuestionOption, Response, Survey, Theme

from .factories_surveys import (
    AnswerFactory,
    QuestionFactory,
    QuestionOptionFactory,
    ResponseFactory,
    SurveyFactory,
    ThemeFactory,
)

BOTOSANI = "botosani.localhost"
FACTORIES = [
    SurveyFactory,
    QuestionFactory,
    QuestionOptionFactory,
    ResponseFactory,
    ThemeFactory,
    AnswerFactory,
]
MODELS = [Survey, Question, QuestionOption, Response, Theme, Answer]
_ids = itertools.count(7_100_001)


def staff_routes() -> list[str]:
    routes = []
    for entry in urls_surveys.backoffice_urlpatterns:
        assert isinstance(entry, URLPattern)
        route = str(entry.pattern)
        if "<int:" in route:
            routes.append(route)
    return routes


def snapshot(municipality: Municipality) -> dict[str, list[dict[str, object]]]:
    return {
        model._meta.label: [
            model_snapshot(record)
            for record in model.objects.filter(municipality=municipality).order_by("pk")
        ]
        for model in MODELS
    }


@pytest.mark.django_db
@pytest.mark.parametrize("maker", FACTORIES, ids=lambda maker: maker.__name__)
def test_another_citys_survey_record_is_not_found_anywhere(
    client: Client,
    botosani_admin: StaffMembership,
    timisoara: Municipality,
    maker: type[SurveyFactory],
) -> None:
    record = maker.create(municipality=timisoara, id=next(_ids))
    before = snapshot(timisoara)
    client.force_login(botosani_admin.user)
    statuses = {}

    for route in staff_routes():
        path = "/backoffice/participation/surveys/" + route.split("<")[0]
        path += str(record.pk) + route.split(">", 1)[1]
        for method in ("get", "post", "put", "patch", "delete"):
            response = getattr(client, method)(path, HTTP_HOST=BOTOSANI)
            statuses[(method, path)] = response.status_code

    assert {key: code for key, code in statuses.items() if key[0] == "get"} == {
        key: 404 for key in statuses if key[0] == "get"
    }
    assert set(statuses.values()) <= {404, 405}
    assert snapshot(timisoara) == before
    assert not AuditLogEntry.objects.exists()
