"""The surveys demo: Botoșani's consultation (open, results live) and Timișoara's survey on
digital services (closed, results public, open answers grouped into stored themes)."""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.test import Client

from digiplace.core.models import Municipality
from digiplace.participation.demo import surveys as demo
from digiplace.participation.models import Answer, Response, Survey, Theme

pytestmark = pytest.mark.django_db


def test_the_demo_loads_once_quickly_with_real_figures(
    botosani: Municipality, timisoara: Municipality
) -> None:
    started = time.perf_counter()
    lines = demo.demo_load(botosani=botosani, timisoara=timisoara)
    elapsed = time.perf_counter() - started
    print(f"surveys demo loaded in {elapsed:.1f} s")
    assert len(lines) == 2

    consultation = Survey.objects.get(municipality=botosani, slug=demo.BOTOSANI_SLUG)
    assert (
        vars(consultation)["title_ro"]
        == "Viitorul transportului public: tramvai sau autobuze electrice?"
    )
    assert consultation.is_open()
    assert Response.objects.filter(survey=consultation).count() == demo.BOTOSANI_RESPONSES

    desi = Survey.objects.get(municipality=timisoara, slug=demo.TIMISOARA_SLUG)
    assert desi.is_closed()
    assert Response.objects.filter(survey=desi, submitted_at__isnull=False).count() == 1400
    problem = desi.questions.get(kind="long_text")
    open_answers = Answer.objects.filter(question=problem)
    assert open_answers.count() == demo.TIMISOARA_OPEN_ANSWERS
    themes = list(Theme.objects.filter(question=problem))
    assert len(themes) == 5
    assert {theme.label for theme in themes if theme.renamed} >= {
        "Digitalizarea administrației",
        "Infrastructură urbană și mobilitate",
        "Mediu, spații verzi și activități în aer liber",
        "Comunicarea cu cetățenii și participarea",
    }
    assert open_answers.filter(theme__isnull=False).count() >= 0.9 * demo.TIMISOARA_OPEN_ANSWERS

    # Conditional questions hold answers only where their condition is met.
    why = consultation.questions.get(shown_if_question__isnull=False)
    assert not Answer.objects.filter(question=why, response__answers__option__key="buses").exists()

    # Again: nothing changes.
    assert demo.demo_load(botosani=botosani, timisoara=timisoara) == []
    assert Response.objects.count() == demo.BOTOSANI_RESPONSES + 1400

    for host, survey in (("botosani.localhost", consultation), ("timisoara.localhost", desi)):
        client = Client(HTTP_HOST=host)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ro"
        page = client.get(f"/participation/surveys/{survey.slug}/results/")
        assert page.status_code == 200
    assert "Digitalizarea administrației" in page.content.decode()
