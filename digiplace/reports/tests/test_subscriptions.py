"""Neighbourhood subscriptions are written only through their services: one per person and
neighbourhood, never in another city's neighbourhood, removed only by their follower."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation

from digiplace.core.models import Municipality, User
from digiplace.core.tests.factories import UserFactory
from digiplace.reports import services
from digiplace.reports.models import Neighbourhood, NeighbourhoodSubscription
from digiplace.reports.tests.factories import (
    NeighbourhoodFactory,
    NeighbourhoodSubscriptionFactory,
)

BOTOSANI = "botosani.localhost"
pytestmark = pytest.mark.django_db


@pytest.fixture
def centre(botosani: Municipality) -> Neighbourhood:
    return NeighbourhoodFactory.create(
        municipality=botosani, slug="centru", name_ro="Centru", name_en="Centre"
    )


def test_following_twice_keeps_one_subscription(
    botosani: Municipality, resident: User, centre: Neighbourhood
) -> None:
    first = services.subscription_create(
        user=resident, municipality=botosani, neighbourhood_slug="centru"
    )
    second = services.subscription_create(
        user=resident, municipality=botosani, neighbourhood_slug="centru"
    )

    assert first.pk == second.pk
    assert list(NeighbourhoodSubscription.objects.values_list("user", "neighbourhood")) == [
        (resident.pk, centre.pk)
    ]
    assert first.municipality_id == botosani.pk


def test_another_citys_or_an_unknown_neighbourhood_is_refused_in_the_persons_language(
    botosani: Municipality, timisoara: Municipality, resident: User
) -> None:
    NeighbourhoodFactory.create(municipality=timisoara, slug="fabric")

    for slug in ("fabric", "nowhere", ""):
        with translation.override("ro"), pytest.raises(ValidationError) as refused:
            services.subscription_create(
                user=resident, municipality=botosani, neighbourhood_slug=slug
            )
        assert refused.value.message_dict == {"neighbourhood": ["Alegeți un cartier."]}
    assert not NeighbourhoodSubscription.objects.exists()


def test_an_inactive_person_cannot_follow(
    botosani: Municipality, resident: User, centre: Neighbourhood
) -> None:
    resident.is_active = False
    resident.save()

    with pytest.raises(ValidationError):
        services.subscription_create(
            user=resident, municipality=botosani, neighbourhood_slug="centru"
        )
    assert not NeighbourhoodSubscription.objects.exists()


def test_only_the_follower_can_stop_following(
    botosani: Municipality, resident: User, centre: Neighbourhood
) -> None:
    subscription = NeighbourhoodSubscriptionFactory.create(
        municipality=botosani, neighbourhood=centre, user=resident
    )
    stranger = UserFactory.create()

    with pytest.raises(ValidationError):
        services.subscription_delete(user=stranger, subscription=subscription)
    assert NeighbourhoodSubscription.objects.filter(pk=subscription.pk).exists()

    services.subscription_delete(user=resident, subscription=subscription)
    assert not NeighbourhoodSubscription.objects.exists()


def test_the_pages_write_through_the_services(
    client: Client, botosani: Municipality, resident: User, centre: Neighbourhood
) -> None:
    # Given a signed-in resident and someone else's subscription
    other = NeighbourhoodSubscriptionFactory.create(
        municipality=botosani, neighbourhood=centre, user=UserFactory.create()
    )
    client.force_login(resident)

    # When the resident follows an unknown neighbourhood, then the centre
    unknown = client.post(
        "/reports/subscriptions/", {"neighbourhood": "nowhere"}, HTTP_HOST=BOTOSANI
    )
    followed = client.post(
        "/reports/subscriptions/", {"neighbourhood": "centru"}, HTTP_HOST=BOTOSANI
    )
    # and tries to remove the other person's subscription
    foreign = client.post(f"/reports/subscriptions/{other.pk}/delete/", HTTP_HOST=BOTOSANI)

    # Then only the resident's own subscription was added and the other one is untouched
    assert (unknown.status_code, followed.status_code, foreign.status_code) == (302, 302, 404)
    assert set(NeighbourhoodSubscription.objects.values_list("user", flat=True)) == {
        resident.pk,
        other.user_id,
    }
