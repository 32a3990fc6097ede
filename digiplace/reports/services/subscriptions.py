"""Neighbourhood subscriptions: a signed-in person is told of every new report in an area."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from digiplace.core.models import Municipality, User

from ..models import Neighbourhood, NeighbourhoodSubscription


def _person_check(user: User) -> None:
    if not user.is_authenticated or not user.is_active:
        raise ValidationError(_("Sign in to follow a neighbourhood."), code="sign_in")


def subscription_create(
    *, user: User, municipality: Municipality, neighbourhood_slug: str
) -> NeighbourhoodSubscription:
    """Follow the municipality's neighbourhood ``neighbourhood_slug``; following it again
    returns the existing subscription."""
    _person_check(user)
    neighbourhood = Neighbourhood.objects.filter(
        municipality=municipality, slug=neighbourhood_slug
    ).first()
    if neighbourhood is None:
        raise ValidationError(
            {
                "neighbourhood": ValidationError(
                    _("Choose a neighbourhood."), code="unknown_neighbourhood"
                )
            }
        )
    with transaction.atomic():
        # The unique constraint settles two simultaneous requests; get_or_create reads the
        # winner's row.
        subscription, _created = NeighbourhoodSubscription.objects.get_or_create(
            neighbourhood=neighbourhood, user=user, defaults={"municipality": municipality}
        )
    return subscription


def subscription_delete(*, user: User, subscription: NeighbourhoodSubscription) -> None:
    """Stop following a neighbourhood; only its own follower may."""
    _person_check(user)
    if subscription.user_id != user.pk:
        raise ValidationError(
            _("Only the person who follows a neighbourhood can stop following it."),
            code="not_yours",
        )
    NeighbourhoodSubscription.objects.filter(pk=subscription.pk, user=user).delete()
