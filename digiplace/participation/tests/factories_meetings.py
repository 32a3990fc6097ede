"""factory_boy factories of the meetings component: meetings, registrations, questions."""

from __future__ import annotations

import datetime
from typing import Any

import factory
from django.utils import timezone

from digiplace.core.tests.factories import MunicipalityFactory, UserFactory
from digiplace.participation.models import (
    ForumQuestion,
    ForumQuestionStatus,
    Meeting,
    QuestionVote,
    Registration,
    RegistrationStatus,
)


def _in_days(days: float) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=days)


class MeetingFactory(factory.django.DjangoModelFactory[Meeting]):
    class Meta:
        model = Meeting

    municipality = factory.SubFactory(MunicipalityFactory)
    slug = factory.Sequence(lambda number: f"meeting-{number}")
    title = factory.Sequence(lambda number: f"Întâlnire {number}")
    title_ro = factory.SelfAttribute("title")
    title_en = factory.Sequence(lambda number: f"Meeting {number}")
    agenda = "18:00 Deschidere\n18:15 Prezentare"
    starts_at = factory.LazyFunction(lambda: _in_days(7))
    ends_at = factory.LazyAttribute(lambda meeting: meeting.starts_at + datetime.timedelta(hours=2))
    place_name = "Sala Mare a Primăriei"
    address = "Piața Revoluției 1"
    capacity = 10
    registration_open = True
    is_published = True


def _same_city(kwargs: dict[str, Any], parent: str) -> dict[str, Any]:
    """A record made for a given city (the isolation tests pass ``municipality``) keeps its
    meeting (or question) in that city too."""
    record = kwargs[parent]
    municipality = kwargs.get("municipality")
    if municipality is not None and record.municipality_id != municipality.pk:
        record.municipality = municipality
        record.save(update_fields=["municipality"])
        if isinstance(record, ForumQuestion) and record.meeting.municipality_id != municipality.pk:
            record.meeting.municipality = municipality
            record.meeting.save(update_fields=["municipality"])
    return kwargs


class RegistrationFactory(factory.django.DjangoModelFactory[Registration]):
    class Meta:
        model = Registration

    meeting = factory.SubFactory(MeetingFactory)
    municipality = factory.SelfAttribute("meeting.municipality")
    user = factory.SubFactory(UserFactory)
    status = RegistrationStatus.CONFIRMED

    @classmethod
    def _adjust_kwargs(cls, **kwargs: Any) -> dict[str, Any]:
        return _same_city(kwargs, "meeting")


class ForumQuestionFactory(factory.django.DjangoModelFactory[ForumQuestion]):
    class Meta:
        model = ForumQuestion

    meeting = factory.SubFactory(MeetingFactory, questions_enabled=True, questions_open=True)
    municipality = factory.SelfAttribute("meeting.municipality")
    author = factory.SubFactory(UserFactory)
    body = factory.Sequence(lambda number: f"Întrebarea {number}: când vine tramvaiul?")
    status = ForumQuestionStatus.APPROVED

    @classmethod
    def _adjust_kwargs(cls, **kwargs: Any) -> dict[str, Any]:
        return _same_city(kwargs, "meeting")


class QuestionVoteFactory(factory.django.DjangoModelFactory[QuestionVote]):
    class Meta:
        model = QuestionVote

    question = factory.SubFactory(ForumQuestionFactory)
    municipality = factory.SelfAttribute("question.municipality")
    voter_key = factory.Sequence(lambda number: f"{number:064x}")

    @classmethod
    def _adjust_kwargs(cls, **kwargs: Any) -> dict[str, Any]:
        return _same_city(kwargs, "question")
