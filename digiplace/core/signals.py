"""Every save and delete of what public pages show moves the page-cache versions.

Connected in ``CoreConfig.ready()`` to each model by name (not to every model, which would
cost Django its fast deletes everywhere): every ``CityOwnedModel`` (module = its app label,
or ``STAFF`` for ``cache_versions.NOT_PUBLIC_MODELS``), ``Municipality`` and
``MunicipalityHost`` (module ``core``: every page of the city shows them), and the people's
own records (``cache_versions.PEOPLE_MODELS``: the platform's ``PEOPLE`` version, which
signed-in pages carry). Translated fields
(django-modeltranslation) are fields of the same rows, so editing a Romanian title is a save
like any other. ``QuerySet.delete()`` sends ``post_delete`` for each row of a model with a
receiver; ``update()``, ``bulk_create()`` and ``bulk_update()`` bump in ``CityOwnedQuerySet``.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db import transaction
from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save

from . import selectors
from .cache_versions import CORE, PEOPLE, PEOPLE_MODELS, PLATFORM, cache_version_bump, model_module
from .models import CityOwnedModel, Municipality, MunicipalityHost

DISPATCH_PREFIX = "digiplace.core.signals"


def _municipality_id(instance: Model) -> int | None:
    if isinstance(instance, Municipality):
        return instance.pk
    if instance._meta.label in PEOPLE_MODELS:
        return PLATFORM
    return getattr(instance, "municipality_id", None)


def _module(instance: Model) -> str | None:
    if isinstance(instance, Municipality | MunicipalityHost):
        return CORE
    return model_module(type(instance))


def instance_changed(sender: type[Model], instance: Model, **kwargs: Any) -> None:
    """Bump the version of the module ``instance`` belongs to, in its city."""
    module = _module(instance)
    municipality_id = _municipality_id(instance)
    if module is not None and municipality_id is not None:
        cache_version_bump(municipality_id, module)
    if isinstance(instance, Municipality | MunicipalityHost):
        # Pages on any host list the hosted cities (the platform's landing page, the
        # municipalities API): every page also carries the platform's core version.
        cache_version_bump(PLATFORM, CORE)
        # The host → municipality cache holds the municipality itself: forget it now and
        # again on commit (a request in between may have cached the old row).
        _hosts_forget(instance)
        if transaction.get_connection().in_atomic_block:
            transaction.on_commit(lambda: _hosts_forget(instance), robust=True)


def _hosts_forget(instance: Municipality | MunicipalityHost) -> None:
    if isinstance(instance, MunicipalityHost):
        selectors.municipality_cache_clear(
            municipality=instance.municipality, former_hosts=[instance.host]
        )
    elif instance.pk is not None:
        selectors.municipality_cache_clear(municipality=instance)


def _relations_receiver(owner: type[Model]) -> Any:
    """The m2m receiver for a relation declared on ``owner``: the owner's rows changed,
    whichever side the change was made from (``user.groups.add()`` or
    ``group.user_set.add()``)."""

    def relations_changed(
        sender: type[Model],
        instance: Model,
        action: str,
        reverse: bool = False,
        pk_set: set[Any] | None = None,
        **kwargs: Any,
    ) -> None:
        if not action.startswith("post_"):
            return
        if not reverse:
            instance_changed(owner, instance)
        elif pk_set:
            for row in owner._base_manager.filter(pk__in=pk_set):
                instance_changed(owner, row)
        else:
            # A clear from the other side: the rows are gone; the other side's city.
            module = model_module(owner)
            if owner._meta.label in PEOPLE_MODELS:
                cache_version_bump(PLATFORM, PEOPLE)
            elif module is not None and getattr(instance, "municipality_id", None):
                cache_version_bump(instance.municipality_id, module)  # type: ignore[attr-defined]

    return relations_changed


def connect() -> None:
    """Connect the receivers to every model whose writes public pages show."""
    for model in apps.get_models():
        if model._meta.label in PEOPLE_MODELS:
            assert model_module(model) == PEOPLE
        elif not (issubclass(model, CityOwnedModel | Municipality | MunicipalityHost)):
            continue
        if not issubclass(model, Municipality | MunicipalityHost) and model_module(model) is None:
            continue
        uid = f"{DISPATCH_PREFIX}:{model._meta.label}"
        post_save.connect(instance_changed, sender=model, dispatch_uid=uid)
        post_delete.connect(instance_changed, sender=model, dispatch_uid=uid)
        for field in model._meta.local_many_to_many:
            through = field.remote_field.through
            m2m_changed.connect(
                _relations_receiver(model),
                sender=through,
                dispatch_uid=f"{uid}:{field.name}",
                weak=False,
            )
