"""Decoding a photo is bounded in memory: a tiny file that declares a huge image is refused
from its header, and a large camera JPEG is decoded at a reduced scale. Peak memory is
measured for real, in a fresh process (its high-water mark is not the test runner's)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

from django.conf import settings
from PIL import Image

from digiplace.core.photos import MAX_PHOTO_PIXELS

MEASURE = textwrap.dedent(
    """
    import json, resource, sys
    import django
    django.setup()
    from django.core.exceptions import ValidationError
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import translation
    from digiplace.core.photos import photo_clean

    translation.activate("en")
    data = open(sys.argv[1], "rb").read()
    upload = SimpleUploadedFile("photo", data)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        photo = photo_clean(upload)
        result = {"size": [photo.width, photo.height]}
    except ValidationError as error:
        result = {"errors": error.messages}
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result["peak_growth_mb"] = (after - before) / 1024
    print(json.dumps(result))
    """
)


def _clean_in_a_fresh_process(path: Path) -> dict[str, Any]:
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    completed = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path)],
        capture_output=True,
        text=True,
        check=True,
        cwd=settings.BASE_DIR,
        env=environment,
        timeout=120,
    )
    result: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


def test_a_tiny_png_declaring_6300_by_6300_pixels_is_refused_without_decoding(
    tmp_path: Path,
) -> None:
    buffer = io.BytesIO()
    Image.new("L", (6300, 6300)).save(buffer, format="PNG", optimize=True)
    path = tmp_path / "bomb.png"
    path.write_bytes(buffer.getvalue())
    assert path.stat().st_size < 60_000
    assert MAX_PHOTO_PIXELS < 6300 * 6300

    result = _clean_in_a_fresh_process(path)

    assert result["errors"] == [
        "The photo has too many pixels (39 megapixels); the limit is 24 megapixels. "
        "Send a smaller copy of it."
    ]
    # Decoding it would take 40 MB as greyscale and 119 MB more as RGB.
    assert result["peak_growth_mb"] < 10


def test_a_48_megapixel_jpeg_is_decoded_at_half_scale_with_bounded_memory(
    tmp_path: Path,
) -> None:
    path = tmp_path / "camera.jpg"
    Image.new("L", (8000, 6000), 128).save(path, format="JPEG", quality=80)

    result = _clean_in_a_fresh_process(path)

    assert result["size"] == [4000, 3000]
    # At full scale: 48 MB greyscale, then 144 MB as RGB and 144 MB for the bare copy.
    # At half scale: 12 MB, 36 MB and 36 MB.
    assert result["peak_growth_mb"] < 120
