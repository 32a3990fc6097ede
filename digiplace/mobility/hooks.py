"""What the mobility module registers with the rest of the platform when it starts (called
from the app's ``ready()``): its periodic job, the live tracking on urban data's changes of
``Vehicle`` entities with the vetting of their positions (only fleet vehicles, inside the
city; refusals counted), and the demo's provider for urban data's simulator."""

from __future__ import annotations


def register() -> None:
    from digiplace.urbandata.services.changes import listener_register
    from digiplace.urbandata.services.ingest import (
        register_document_check,
        register_refusal_listener,
    )
    from digiplace.urbandata.simulator import provider_register

    from . import periodic
    from .demo.live import mobility_documents
    from .services.tracking import ENTITY_TYPE, changes_track, position_check, position_refused

    periodic.register()
    listener_register("mobility.tracking", changes_track)
    register_document_check(ENTITY_TYPE, position_check)
    register_refusal_listener(ENTITY_TYPE, position_refused)
    provider_register("mobility", mobility_documents)
