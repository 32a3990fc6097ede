"""Reply templates in the back office: the city's administrators write them (Romanian
first, English optional), every change is audited, bad input changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from digiplace.core.models import AuditAction, AuditLogEntry, Municipality, StaffMembership
from digiplace.core.tests.factories import StaffMembershipFactory
from digiplace.reports.models import Category, ReplyTemplate
from digiplace.reports.tests.factories import CategoryFactory, ReplyTemplateFactory

BOTOSANI = "botosani.localhost"
TEMPLATES = "/backoffice/reports/templates/"


@pytest.fixture
def admin_client(client: Client, botosani_admin: StaffMembership) -> Client:
    client.force_login(botosani_admin.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def pothole(botosani: Municipality) -> Category:
    return CategoryFactory.create(municipality=botosani, name="Pothole", name_en="Pothole")


def post(client: Client, path: str, data: dict[str, Any]) -> Any:
    return client.post(path, data, HTTP_HOST=BOTOSANI)


def state() -> dict[str, Any]:
    return {
        "templates": list(
            ReplyTemplate.objects.order_by("pk").values(
                "category_id", "title_ro", "title_en", "text_ro", "text_en", "is_active"
            )
        ),
        "audit": AuditLogEntry.objects.count(),
    }


def test_an_administrator_adds_a_template_in_both_languages(
    admin_client: Client, botosani: Municipality, pothole: Category
) -> None:
    response = post(
        admin_client,
        TEMPLATES,
        {
            "category": pothole.pk,
            "title_ro": "Reparație programată",
            "text_ro": "Groapa va fi reparată săptămâna viitoare.",
            "title_en": "Repair scheduled",
            "text_en": "The pothole will be repaired next week.",
            "position": "2",
            "is_active": "on",
        },
    )

    assert response.status_code == 302
    template = ReplyTemplate.objects.get()
    assert (template.municipality, template.category, template.position) == (botosani, pothole, 2)
    assert ReplyTemplate.objects.filter(
        title_ro="Reparație programată", text_en="The pothole will be repaired next week."
    ).exists()
    entry = AuditLogEntry.objects.get(target_type="reports.ReplyTemplate")
    assert entry.action == AuditAction.CREATE
    assert entry.after is not None and entry.after["title_ro"] == "Reparație programată"
    listed = admin_client.get(TEMPLATES, HTTP_HOST=BOTOSANI).content.decode()
    assert "Repair scheduled" in listed


def test_english_is_optional_and_falls_back_to_romanian(
    admin_client: Client, botosani: Municipality
) -> None:
    post(
        admin_client,
        TEMPLATES,
        {"title_ro": "Mulțumim", "text_ro": "Vă mulțumim!", "position": "0", "is_active": "on"},
    )

    template = ReplyTemplate.objects.get()
    assert template.category is None
    assert ReplyTemplate.objects.filter(title_en=None, text_en=None).count() == 1
    # The English site shows the Romanian text (modeltranslation's fallback).
    assert template.title == "Mulțumim"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title_ro": "", "text_ro": "Text"}, "Give the template a title in Romanian."),
        ({"title_ro": "Titlu", "text_ro": "  "}, "Write the reply in Romanian."),
        (
            {"title_ro": "Titlu", "text_ro": "Text", "title_en": "Title"},
            "Write the English reply too, or leave both English boxes empty.",
        ),
        (
            {"title_ro": "Titlu", "text_ro": "Text", "text_en": "Text"},
            "Give the English title too, or leave both English boxes empty.",
        ),
        (
            {"title_ro": "Titlu", "text_ro": "Text", "position": "-1"},
            "Use a position of 0 or more.",
        ),
        ({"title_ro": "Titlu", "text_ro": "Text", "position": "x"}, "Give a position, such as 0."),
    ],
)
def test_bad_templates_are_refused_with_a_clear_message(
    admin_client: Client, data: dict[str, str], message: str
) -> None:
    before = state()

    response = post(admin_client, TEMPLATES, {"position": "0", **data})

    assert response.status_code == 200
    assert message in response.content.decode()
    assert state() == before


def test_another_citys_category_is_refused(admin_client: Client, timisoara: Municipality) -> None:
    elsewhere = CategoryFactory.create(municipality=timisoara)
    before = state()

    response = post(
        admin_client,
        TEMPLATES,
        {"category": elsewhere.pk, "title_ro": "Titlu", "text_ro": "Text", "position": "0"},
    )

    assert "Choose one of this city&#x27;s categories." in response.content.decode()
    assert state() == before


def test_an_administrator_edits_and_withdraws_a_template(
    admin_client: Client, botosani: Municipality, pothole: Category
) -> None:
    template = ReplyTemplateFactory.create(
        municipality=botosani, category=pothole, title_ro="Vechi"
    )

    response = post(
        admin_client,
        f"{TEMPLATES}{template.pk}/",
        {"category": "", "title_ro": "Nou", "text_ro": "Text nou", "position": "1"},
    )

    assert response.status_code == 302
    template.refresh_from_db()
    assert (template.category, template.position, template.is_active) == (None, 1, False)
    assert ReplyTemplate.objects.filter(pk=template.pk, title_ro="Nou").exists()
    entry = AuditLogEntry.objects.get(action=AuditAction.UPDATE)
    assert entry.before is not None and entry.before["is_active"] is True
    assert entry.after is not None and entry.after["is_active"] is False


def test_staff_who_are_not_administrators_cannot_write_templates(
    client: Client, botosani: Municipality
) -> None:
    staff = StaffMembershipFactory.create(municipality=botosani, modules=["reports"])
    client.force_login(staff.user)
    template = ReplyTemplateFactory.create(municipality=botosani)
    before = state()

    created = post(client, TEMPLATES, {"title_ro": "Titlu", "text_ro": "Text", "position": "0"})
    edited = post(
        client, f"{TEMPLATES}{template.pk}/", {"title_ro": "X", "text_ro": "Y", "position": "0"}
    )

    assert (created.status_code, edited.status_code) == (403, 403)
    assert state() == before
