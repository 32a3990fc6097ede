"""Urban data's writes. Every way data comes in (the NGSI-LD API, MQTT, CSV, the simulator)
goes through ``ingest``: one validation and one write path."""
