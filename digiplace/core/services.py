"""Writes of the core: functions named <noun>_<verb>, keyword arguments only."""

from __future__ import annotations

from .models import User


def user_language_set(*, user: User, language: str) -> None:
    if user.preferred_language != language:
        user.preferred_language = language
        user.save(update_fields=["preferred_language"])
