"""Text helpers for the participation module: stop words for open answers."""
