"""The open-data module's periodic jobs (to be filled by the generation area)."""

from __future__ import annotations


def register() -> None:
    pass
