"""The waste containers' alert rules: urban data's rules on ``WasteContainer`` entities.

A city starts with one rule per danger its smart bins report (Botoșani's plan: "alerts in
case of fire, vandalism, or unauthorised bin movements"), plus overflow and a silent sensor.
Fire goes to the dispatcher's department at once (no minimum duration); the others go to the
sanitation service. Urban data evaluates the rules as readings arrive (and the silent-sensor
rule every few minutes), opens the alerts and notifies the department's staff; staff change
or switch off the rules in the back office like any other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from digiplace.core.audit import audit_record, model_snapshot
from digiplace.core.models import AuditAction
from digiplace.urbandata.models import AlertRule, AlertRuleKind

if TYPE_CHECKING:
    from django.utils.functional import Promise

    from digiplace.core.models import Department, Municipality, User

ENTITY_TYPE = "WasteContainer"
# A container fire: what a bin's sensor reads well above any summer day in the sun.
FIRE_TEMPERATURE_C = 60.0
# Beyond this distance from its registered place a container was moved.
MOVED_METRES = 30
# A bin this full for this long overflows (the planner's next route should take it).
OVERFLOW_LEVEL = 0.95
OVERFLOW_MINUTES = 60
# Fill sensors report a few times a day: half a day of silence means a dead sensor.
SILENT_HOURS = 12


@dataclass(frozen=True)
class RuleTemplate:
    key: str
    name: str | Promise
    fields: dict[str, Any]
    for_dispatcher: bool = False


def default_rules() -> list[RuleTemplate]:
    return [
        RuleTemplate(
            "fire-temperature",
            _("Waste: fire (temperature above %(threshold)s °C)")
            % {"threshold": f"{FIRE_TEMPERATURE_C:g}"},
            {
                "kind": AlertRuleKind.ABOVE,
                "attribute": "temperature",
                "threshold": FIRE_TEMPERATURE_C,
            },
            for_dispatcher=True,
        ),
        RuleTemplate(
            "fire-status",
            _("Waste: fire (the container reports burning)"),
            {"kind": AlertRuleKind.STATUS, "attribute": "status", "status_values": ["burning"]},
            for_dispatcher=True,
        ),
        RuleTemplate(
            "tilt",
            _("Waste: container knocked over or moved"),
            {
                "kind": AlertRuleKind.STATUS,
                "attribute": "status",
                "status_values": ["dropped", "moved"],
            },
        ),
        RuleTemplate(
            "moved",
            _("Waste: container away from its place"),
            {"kind": AlertRuleKind.MOVED, "distance_metres": MOVED_METRES},
        ),
        RuleTemplate(
            "vandalism",
            _("Waste: vandalism"),
            {"kind": AlertRuleKind.STATUS, "attribute": "status", "status_values": ["vandalized"]},
        ),
        RuleTemplate(
            "overflow",
            _("Waste: overflowing container"),
            {
                "kind": AlertRuleKind.ABOVE,
                "attribute": "fillingLevel",
                "threshold": OVERFLOW_LEVEL,
                "duration_minutes": OVERFLOW_MINUTES,
            },
        ),
        RuleTemplate(
            "silent",
            _("Waste: sensor silent"),
            {"kind": AlertRuleKind.NO_DATA, "hours": SILENT_HOURS},
        ),
    ]


def fire_rule_names() -> set[str]:
    """The fire rules' names in both shipped languages (to find a city's fire alerts)."""
    from django.utils import translation

    names: set[str] = set()
    for language in ("ro", "en"):
        with translation.override(language):
            names |= {str(rule.name) for rule in default_rules() if rule.for_dispatcher}
    return names


@transaction.atomic
def alert_rules_ensure(
    *,
    municipality: Municipality,
    dispatcher: Department | None,
    sanitation: Department | None,
    actor: User | None = None,
) -> list[AlertRule]:
    """Create the default waste rules the city does not have yet (found by their name in the
    city's language); return the new ones. Running it again creates nothing."""
    from django.utils import translation

    created: list[AlertRule] = []
    with translation.override(municipality.default_language):
        for template in default_rules():
            rule, is_new = AlertRule.objects.get_or_create(
                municipality=municipality,
                entity_type=ENTITY_TYPE,
                name=str(template.name),
                defaults={
                    **template.fields,
                    "department": dispatcher if template.for_dispatcher else sanitation,
                },
            )
            if is_new:
                audit_record(
                    actor=actor,
                    municipality=municipality,
                    action=AuditAction.CREATE,
                    instance=rule,
                    after=model_snapshot(rule),
                )
                created.append(rule)
    return created
