"""Every interface text ships in Romanian: the catalogue is complete, current and compiled."""

import shutil
import subprocess
import sys
from pathlib import Path

import polib  # type: ignore[import-untyped]

ROOT = Path(__file__).resolve().parents[3]
CATALOGUE = ROOT / "locale" / "ro" / "LC_MESSAGES" / "django.po"
COMPILED = CATALOGUE.with_suffix(".mo")


def _msgids(path: Path) -> set[str]:
    return {entry.msgid for entry in polib.pofile(str(path)) if not entry.obsolete}


def test_romanian_catalogue_is_complete() -> None:
    catalogue = polib.pofile(str(CATALOGUE))

    untranslated = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert untranslated == []
    assert fuzzy == []


def test_romanian_catalogue_is_compiled_from_the_current_source() -> None:
    compiled = {
        (entry.msgctxt, entry.msgid): entry.msgstr
        for entry in polib.mofile(str(COMPILED))
        if entry.msgid and not entry.msgid_plural
    }
    source = {
        (entry.msgctxt, entry.msgid): entry.msgstr
        for entry in polib.pofile(str(CATALOGUE)).translated_entries()
        if not entry.msgid_plural
    }

    assert compiled == source, "run: python manage.py compilemessages"


def test_every_interface_text_is_in_the_catalogue(tmp_path: Path) -> None:
    # makemessages over a copy of the sources: no string may be missing from the catalogue.
    for folder in ("digiplace", "config"):
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("vendor"))
    shutil.copy(ROOT / "manage.py", tmp_path / "manage.py")
    (tmp_path / "locale").mkdir()
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "ro", "--no-obsolete", "-v", "0"],
        cwd=tmp_path,
        check=True,
        timeout=120,
    )

    missing = _msgids(tmp_path / "locale/ro/LC_MESSAGES/django.po") - _msgids(CATALOGUE)
    assert sorted(missing) == [], "run: python manage.py makemessages -l ro, then translate"
