"""The live tracking's registration: it listens to urban data's changes of ``Vehicle``
entities (``services.tracking``), vets the positions written through urban data (only fleet
vehicles, inside the city) and counts the refused ones."""

from __future__ import annotations


def register() -> None:
    from digiplace.urbandata.services.changes import listener_register
    from digiplace.urbandata.services.ingest import (
        register_document_check,
        register_refusal_listener,
    )

    from .services.tracking import ENTITY_TYPE, changes_track, position_check, position_refused

    listener_register("mobility.tracking", changes_track)
    register_document_check(ENTITY_TYPE, position_check)
    register_refusal_listener(ENTITY_TYPE, position_refused)
