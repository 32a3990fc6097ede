"""A demo's department keeps each language's name whatever language is active when the
demo loads (modeltranslation writes a plain ``name`` into the active language's field)."""

from __future__ import annotations

import pytest
from django.utils import translation

from digiplace.core.models import Department, Municipality
from digiplace.urbandata.demo._entities import demo_department

pytestmark = pytest.mark.django_db

NAMES = {"ro": "Serviciul Salubrizare", "en": "Sanitation Service"}


@pytest.mark.parametrize("language", ["en", "ro"])
def test_a_demo_department_has_both_names_in_any_active_language(
    botosani: Municipality, language: str
) -> None:
    with translation.override(language):
        first = demo_department(botosani, NAMES)
        again = demo_department(botosani, NAMES)

    assert first.pk == again.pk
    names = Department.objects.filter(pk=first.pk).values("name_ro", "name_en").get()
    assert names == {"name_ro": NAMES["ro"], "name_en": NAMES["en"]}
    assert Department.objects.filter(municipality=botosani, name_ro=NAMES["ro"]).count() == 1
