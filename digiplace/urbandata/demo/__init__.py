"""Demo data of urban data, one file per component: ``manage.py urbandata_demo`` runs
``demo_load`` (after core's ``demo_load``); running it again changes nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import air, heating, waste

if TYPE_CHECKING:
    from digiplace.core.models import Municipality


def demo_load(*, botosani: Municipality | None, timisoara: Municipality | None) -> list[str]:
    lines = air.demo_load(botosani=botosani, timisoara=timisoara)
    lines += heating.demo_load(botosani=botosani, timisoara=timisoara)
    lines += waste.demo_load(botosani=botosani, timisoara=timisoara)
    return lines
