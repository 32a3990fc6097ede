"""Participation's records (processes, surveys, proposals, budgeting, meetings, NGOs)."""
