"""The waste module's periodic jobs in core's scheduler (filled in by the figures' work)."""


def register() -> None:
    """Register the module's periodic jobs (none yet)."""
