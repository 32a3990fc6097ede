"""The registry of DigiPlace modules, so that navigation and permissions list only what exists.

Each module's AppConfig.ready() calls ``register`` with its spec; the navigation shows
the modules whose public page exists, and staff memberships grant modules by code.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise


@dataclass(frozen=True)
class ModuleSpec:
    code: str
    name: str | Promise
    public_url_name: str | None = None
    backoffice_url_name: str | None = None


_modules: dict[str, ModuleSpec] = {}


def register(spec: ModuleSpec) -> None:
    _modules[spec.code] = spec


def all_modules() -> list[ModuleSpec]:
    return list(_modules.values())


def module_choices() -> list[tuple[str, str | Promise]]:
    return [(spec.code, spec.name) for spec in _modules.values()]
