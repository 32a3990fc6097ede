"""factory_boy factories of the meetings component: meetings, registrations, questions."""

from __future__ import annotations

import datetime

import factory
from django.utils import timezone

from digiplace.core.tests.factories import MunicipalityFactory, UserFactory
from digiplace.participation.models import (
    ForumQuestion,
    ForumQuestionStatus,
    Meeting,
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


class RegistrationFactory(factory.django.DjangoModelFactory[Registration]):
    class Meta:
        model = Registration

    meeting = factory.SubFactory(MeetingFactory)
    municipality = factory.SelfAttribute("meeting.municipality")
    user = factory.SubFactory(UserFactory)
    status = RegistrationStatus.CONFIRMED


class ForumQuestionFactory(factory.django.DjangoModelFactory[ForumQuestion]):
    class Meta:
        model = ForumQuestion

    meeting = factory.SubFactory(MeetingFactory, questions_enabled=True, questions_open=True)
    municipality = factory.SelfAttribute("meeting.municipality")
    author = factory.SubFactory(UserFactory)
    body = factory.Sequence(lambda number: f"Întrebarea {number}: când vine tramvaiul?")
    status = ForumQuestionStatus.APPROVED
