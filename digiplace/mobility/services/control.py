"""The control centre's alert rules: urban data's rules on the buses' ``Vehicle`` entities.

The live tracking writes three derived attributes on each bus's entity with every position:
``delay`` (seconds late), ``offRouteDistance`` (metres from its trip's shape) and ``headway``
(seconds behind the bus ahead on the same line and direction). A city starts with three rules
on them, each with a minimum duration so that a GPS jump or a bus waiting at a light does not
page the dispatcher: off route, bunching and late. Urban data evaluates them as the
attributes arrive, opens the alerts and notifies the department's staff; staff change or
switch off the rules in urban data's back office like any other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from digiplace.core.audit import audit_record, model_snapshot
from digiplace.core.models import AuditAction, Department
from digiplace.urbandata.models import AlertRule, AlertRuleKind

if TYPE_CHECKING:
    from django.utils.functional import Promise

    from digiplace.core.models import Municipality, User

ENTITY_TYPE = "Vehicle"
# Further than this from its shape a bus has left its route (GPS error in a street canyon
# stays well under it).
OFF_ROUTE_METRES = 100
OFF_ROUTE_MINUTES = 2
# Two buses of one line closer than two minutes are bunched: the second runs nearly empty.
BUNCHING_SECONDS = 120
BUNCHING_MINUTES = 3
# Ten minutes late: a missed connection for most passengers.
LATE_SECONDS = 600
LATE_MINUTES = 5
# The department the rules are routed to: the one whose name says transport (both the
# Romanian "transport" and the English word read the same).
TRANSPORT_WORD = "transport"


@dataclass(frozen=True)
class RuleTemplate:
    key: str
    name: str | Promise
    fields: dict[str, Any]


def default_rules() -> list[RuleTemplate]:
    return [
        RuleTemplate(
            "off-route",
            _("Buses: off route (over %(metres)s m from the route)") % {"metres": OFF_ROUTE_METRES},
            {
                "kind": AlertRuleKind.ABOVE,
                "attribute": "offRouteDistance",
                "threshold": float(OFF_ROUTE_METRES),
                "duration_minutes": OFF_ROUTE_MINUTES,
            },
        ),
        RuleTemplate(
            "bunching",
            _("Buses: bunching (under %(seconds)s s behind the bus ahead)")
            % {"seconds": BUNCHING_SECONDS},
            {
                "kind": AlertRuleKind.BELOW,
                "attribute": "headway",
                "threshold": float(BUNCHING_SECONDS),
                "duration_minutes": BUNCHING_MINUTES,
            },
        ),
        RuleTemplate(
            "late",
            _("Buses: late (over %(minutes)s minutes behind schedule)")
            % {"minutes": LATE_SECONDS // 60},
            {
                "kind": AlertRuleKind.ABOVE,
                "attribute": "delay",
                "threshold": float(LATE_SECONDS),
                "duration_minutes": LATE_MINUTES,
            },
        ),
    ]


def transport_department(municipality: Municipality) -> Department | None:
    """The city's public-transport department, if it has one (by name, in either language)."""
    return (
        Department.objects.for_municipality(municipality)
        .filter(Q(name_ro__icontains=TRANSPORT_WORD) | Q(name_en__icontains=TRANSPORT_WORD))
        .order_by("pk")
        .first()
    )


@transaction.atomic
def control_rules_ensure(
    municipality: Municipality,
    *,
    department: Department | None = None,
    actor: User | None = None,
) -> list[AlertRule]:
    """Create the default bus rules the city does not have yet (found by their name in the
    city's language), routed to ``department`` or else the transport department if the city
    has one; return the new ones. Running it again creates nothing."""
    if department is None:
        department = transport_department(municipality)
    created: list[AlertRule] = []
    with translation.override(municipality.default_language):
        for template in default_rules():
            rule, is_new = AlertRule.objects.get_or_create(
                municipality=municipality,
                entity_type=ENTITY_TYPE,
                name=str(template.name),
                defaults={**template.fields, "department": department},
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
