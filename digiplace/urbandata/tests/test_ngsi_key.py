"""``manage.py ngsi_key``: prints only a new key, which the API then accepts; bad input is
explained on standard error with a non-zero exit, and issues nothing."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from digiplace.core.models import Municipality
from digiplace.urbandata.models import DeviceKey
from digiplace.urbandata.services.keys import KEY_PREFIX, device_key_authenticate
from digiplace.urbandata.tests.factories import EntityFactory

pytestmark = pytest.mark.django_db


def _run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("ngsi_key", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_it_prints_only_a_working_key(botosani: Municipality) -> None:
    out, err = _run("botosani", "--name", "Demo client")
    secret = out.strip()
    assert out == secret + "\n"
    assert secret.startswith(KEY_PREFIX)
    assert err == ""
    key = DeviceKey.objects.get()
    assert (key.name, key.entity, key.municipality) == ("Demo client", None, botosani)
    assert device_key_authenticate(municipality=botosani, secret=secret) == key


def test_a_key_bound_to_an_entity(botosani: Municipality) -> None:
    entity = EntityFactory.create(municipality=botosani, entity_id="urn:ngsi-ld:WasteContainer:b-1")
    out, _err = _run("botosani", "--entity", "urn:ngsi-ld:WasteContainer:b-1")
    key = device_key_authenticate(municipality=botosani, secret=out.strip())
    assert key.entity == entity


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("nowhere",), "No municipality 'nowhere'"),
        (("botosani", "--entity", "urn:ngsi-ld:WasteContainer:none"), "has no entity"),
        (("botosani", "--name", " "), "Name the device or the application."),
    ],
)
def test_bad_input_is_an_error_and_issues_nothing(
    botosani: Municipality, timisoara: Municipality, args: tuple[str, ...], message: str
) -> None:
    # Another city's entity is not this city's either.
    EntityFactory.create(municipality=timisoara, entity_id="urn:ngsi-ld:WasteContainer:none")
    with pytest.raises(CommandError, match=message):
        _run(*args)
    assert DeviceKey.objects.count() == 0


def test_from_the_shell_errors_go_to_stderr_with_a_non_zero_exit(botosani: Municipality) -> None:
    # call_command raises; run as a program, BaseCommand prints to stderr and exits 1.
    from django.core.management import ManagementUtility

    err = io.StringIO()
    utility = ManagementUtility(["manage.py", "ngsi_key", "nowhere"])
    with pytest.raises(SystemExit) as exit_info, pytest.MonkeyPatch.context() as patch:
        patch.setattr("sys.stderr", err)
        patch.setattr("sys.stdout", io.StringIO())
        utility.execute()
    assert exit_info.value.code == 1
    assert "No municipality 'nowhere'" in err.getvalue()
