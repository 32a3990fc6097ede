"""DigiPlace: an open-source smart-city platform for small and mid-sized cities."""

__version__ = "0.1.0"
