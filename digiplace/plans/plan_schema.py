"""The JSON Schema of plan data files (data/plans/SCHEMA.md describes it for people).

Field limits mirror the models' so that a file too long for the database is refused
with the path of the value, not by the database.
"""

from __future__ import annotations

from typing import Any

LANGUAGES = ("en", "ro")
STATUSES = [
    "idea",
    "planned",
    "in_preparation",
    "pre_contracting",
    "in_progress",
    "completed",
    "suspended",
    "cancelled",
    None,
]
DATE_PATTERN = r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$"


def _text(required: bool = True, max_length: int | None = None) -> dict[str, Any]:
    """A text in every language of the site: the Romanian site never shows English."""
    string: dict[str, Any] = {"type": "string", "minLength": 1}
    if max_length is not None:
        string["maxLength"] = max_length
    # Keywords other than "type" apply to objects only, so null passes an optional text and a
    # bad text gets the precise message ("'ro' is a required property").
    return {
        "type": "object" if required else ["object", "null"],
        "properties": dict.fromkeys(LANGUAGES, string),
        "required": list(LANGUAGES),
        "additionalProperties": False,
    }


def _text_list(max_length: int | None = None) -> dict[str, Any]:
    """A list of short texts, each in every language (outputs, stakeholders, ...)."""
    return {"type": "array", "items": _text(max_length=max_length)}


_date: dict[str, Any] = {
    "anyOf": [
        {"type": "integer", "minimum": 1900, "maximum": 2100},
        {"type": "string", "pattern": DATE_PATTERN},
        {"type": "null"},
    ]
}
_strings: dict[str, Any] = {"type": "array", "items": {"type": "string"}}
_number_or_null: dict[str, Any] = {"type": ["number", "null"]}
_level: dict[str, Any] = {"enum": ["low", "medium", "high", None]}

_kpi: dict[str, Any] = {
    "type": "object",
    "required": ["key", "kind", "name", "unit"],
    "additionalProperties": False,
    "properties": {
        "key": {"type": "string", "minLength": 1, "maxLength": 60},
        "kind": {"enum": ["key", "outcome", "output"]},
        "name": _text(max_length=1000),
        "unit": _text(max_length=40),
        "baseline": {
            "anyOf": [
                {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {"value": _number_or_null, "date": _date},
                },
                {"type": "null"},
            ]
        },
        "target": {
            "anyOf": [
                {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {"value": _number_or_null, "date": _date},
                },
                {"type": "null"},
            ]
        },
        "higher_is_better": {"type": "boolean"},
        "source": {"type": ["string", "null"], "maxLength": 500},
        "measurements": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["date", "value"],
                "additionalProperties": False,
                "properties": {
                    "date": {
                        "anyOf": [{"type": "integer"}, {"type": "string", "pattern": DATE_PATTERN}]
                    },
                    "value": {"type": "number"},
                    "source": {"type": ["string", "null"], "maxLength": 500},
                    "note": {"type": ["string", "null"], "maxLength": 500},
                },
            },
        },
    },
}
_kpis: dict[str, Any] = {"type": "array", "items": _kpi}

_activity: dict[str, Any] = {
    "type": "object",
    "required": ["number", "title"],
    "additionalProperties": False,
    "properties": {
        "number": {"type": "string", "minLength": 1, "maxLength": 20},
        "title": _text(max_length=2000),
        "start": _date,
        "end": _date,
        "schedule_text": _text(required=False, max_length=200),
        "outputs": _text_list(),
        "related_activities": _text(required=False),
        "status": {"enum": STATUSES},
        "progress": {
            "anyOf": [{"type": "integer", "minimum": 0, "maximum": 100}, {"type": "null"}]
        },
    },
}

_project: dict[str, Any] = {
    "type": "object",
    "required": ["key", "kind", "title"],
    "additionalProperties": False,
    "properties": {
        "key": {"type": "string", "minLength": 1, "maxLength": 40},
        "kind": {"enum": ["action", "strategic_project", "open_action"]},
        "open_action_category": _text(required=False, max_length=200),
        "title": _text(max_length=1000),
        "description": _text(required=False),
        "owner": _text(required=False, max_length=300),
        "stakeholders": _text_list(),
        "strategy_links": _text_list(),
        "funding_programmes": _text_list(),
        "budget": {
            "anyOf": [
                {
                    "type": "object",
                    "required": ["amount"],
                    "additionalProperties": False,
                    "properties": {
                        "amount": {"type": "number", "minimum": 0},
                        "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
                    },
                },
                {"type": "null"},
            ]
        },
        "status": {"enum": STATUSES},
        "progress": {
            "anyOf": [{"type": "integer", "minimum": 0, "maximum": 100}, {"type": "null"}]
        },
        "start": _date,
        "end": _date,
        "schedule_text": _text(required=False, max_length=200),
        "location": {
            "anyOf": [
                {
                    "type": "object",
                    "required": ["latitude", "longitude"],
                    "additionalProperties": False,
                    "properties": {
                        "latitude": {"type": "number", "minimum": -90, "maximum": 90},
                        "longitude": {"type": "number", "minimum": -180, "maximum": 180},
                    },
                },
                {"type": "null"},
            ]
        },
        "digital_enablers": _text_list(),
        "local_actor_types": _text_list(),
        "kpis": _kpis,
        "activities": {"type": "array", "items": _activity},
    },
}

_objective: dict[str, Any] = {
    "type": "object",
    "required": ["key", "title"],
    "additionalProperties": False,
    "properties": {
        "key": {"type": "string", "minLength": 1, "maxLength": 40},
        "title": _text(max_length=1000),
        "description": _text(required=False),
        "projects": {"type": "array", "items": _project},
        "kpis": _kpis,
    },
}

_pillar: dict[str, Any] = {
    "type": "object",
    "required": ["key", "title"],
    "additionalProperties": False,
    "properties": {
        "key": {"type": "string", "minLength": 1, "maxLength": 40},
        "title": _text(max_length=300),
        "description": _text(required=False),
        "smart_city_dimensions": {
            "type": "array",
            "items": {
                "enum": ["economy", "people", "governance", "mobility", "environment", "living"]
            },
        },
        "sdgs": {"type": "array", "items": {"type": "integer", "minimum": 1, "maximum": 17}},
        "objectives": {"type": "array", "items": _objective},
        "projects": {"type": "array", "items": _project},
        "kpis": _kpis,
    },
}

_risk: dict[str, Any] = {
    "type": "object",
    "required": ["key", "description"],
    "additionalProperties": False,
    "properties": {
        "key": {"type": "string", "minLength": 1},
        "description": _text(),
        "mitigation": _text(required=False),
        "intensity": _level,
        "likelihood": _level,
        "owner": _text(required=False, max_length=300),
        "status": {"enum": ["open", "mitigated", "closed"]},
        "review_date": _date,
    },
}

_governance_body: dict[str, Any] = {
    "type": "object",
    "required": ["key", "name"],
    "additionalProperties": False,
    "properties": {
        "key": {"type": "string", "minLength": 1},
        "name": _text(max_length=300),
        "role": _text(required=False),
        "description": _text(required=False),
        "members": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name"],
                "additionalProperties": False,
                "properties": {
                    "name": _text(max_length=300),
                    "role": _text(required=False, max_length=300),
                    "is_coordinator": {"type": "boolean"},
                },
            },
        },
        "working_groups": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["key", "name"],
                "additionalProperties": False,
                "properties": {
                    "key": {"type": "string", "minLength": 1, "maxLength": 60},
                    "name": _text(max_length=300),
                    "description": _text(required=False),
                    "pillar": {"type": ["string", "null"]},
                    "coordinators": _strings,
                },
            },
        },
    },
}

PLAN_FILE_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["plan"],
    "additionalProperties": False,
    "properties": {
        "plan": {
            "type": "object",
            "required": ["key", "municipality", "title", "pillars"],
            "additionalProperties": False,
            "properties": {
                "key": {"type": "string", "pattern": "^[a-z0-9-]+$", "maxLength": 80},
                "municipality": {"type": "string", "minLength": 1},
                "title": _text(max_length=300),
                "period": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "start": {"type": ["integer", "null"]},
                        "end": {"type": ["integer", "null"]},
                    },
                },
                "vision": _text(required=False),
                "mission": _text(required=False),
                "motto": _text(required=False, max_length=300),
                "source_document": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "title": {"type": "string"},
                        "reference": {"type": "string"},
                    },
                },
                "pillar_label": _text(required=False, max_length=60),
                "funding_approach": _text(required=False),
                "pillars": {"type": "array", "items": _pillar, "minItems": 1},
                "kpis": _kpis,
                "risks": {"type": "array", "items": _risk},
                "governance_bodies": {"type": "array", "items": _governance_body},
            },
        }
    },
}
