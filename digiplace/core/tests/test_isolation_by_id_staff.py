"""Another city's records by id, walked as a staff member of every module
(``test_isolation.record_walk``; one file per persona so that the test workers share the
walk)."""

from __future__ import annotations

import pytest
from django.db import models
from django.test import Client

from digiplace.core.models import Municipality, User

from .test_isolation import city_owned_models, persona, record_walk

__all__ = ["persona"]  # the fixture the walk is parametrized on


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["staff"], indirect=True)
@pytest.mark.parametrize("model", city_owned_models(), ids=lambda model: model._meta.label)
def test_another_citys_record_cannot_be_opened_or_changed_by_id(
    model: type[models.Model], persona: User, timisoara: Municipality, client: Client
) -> None:
    record_walk(model, persona, timisoara, client)
