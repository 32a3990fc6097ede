"""Another city's records by id, walked as the platform administrator
(``test_isolation.records_walk``; one file per persona so that the test workers share the
walk)."""

from __future__ import annotations

import pytest
from django.test import Client

from digiplace.core.models import Municipality, User

from .test_isolation import persona, records_walk

__all__ = ["persona"]  # the fixture the walk is parametrized on


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["platform_admin"], indirect=True)
def test_another_citys_records_cannot_be_opened_or_changed_by_id(
    persona: User, timisoara: Municipality, client: Client
) -> None:
    records_walk(persona, timisoara, client)
