"""The demo area's registration: the live simulator (urban data's) drives the demo buses and
changes the chargers' and car parks' status (``demo.live``)."""

from __future__ import annotations


def register() -> None:
    from digiplace.urbandata.simulator import provider_register

    from .demo.live import mobility_documents

    provider_register("mobility", mobility_documents)
