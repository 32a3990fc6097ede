"""Photos of reports: accepted by content, never by name, and re-encoded without metadata.

Re-encoding from the pixels alone drops EXIF (GPS position, camera serial), XMP, IPTC,
ICC profiles and text chunks, whatever the file carried.
"""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_PHOTO_BYTES = 8 * 1024 * 1024
MAX_PHOTO_PIXELS = 40_000_000
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
JPEG_QUALITY = 85


@dataclass(frozen=True)
class CleanPhoto:
    """A photo ready to store: the re-encoded file, its byte size and its dimensions."""

    file: ContentFile[bytes]
    size: int
    width: int
    height: int


def _has_transparency(image: Image.Image) -> bool:
    if image.mode in ("RGBA", "LA", "PA"):
        return True
    return image.mode == "P" and "transparency" in image.info


def photo_clean(upload: IO[bytes] | Any, *, max_bytes: int = MAX_PHOTO_BYTES) -> CleanPhoto:
    """Check that ``upload`` is a JPEG, PNG or WebP image of acceptable size, turn it upright
    by its EXIF orientation, and re-encode it without any metadata (JPEG, or PNG when it has
    transparency). Raises ValidationError with a message for the person."""
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, 2)
        size = upload.tell()
    if size > max_bytes:
        raise ValidationError(
            _("The photo is too large (%(size)s); the limit is %(limit)s.")
            % {"size": filesizeformat(size), "limit": filesizeformat(max_bytes)},
            code="photo_too_large",
        )
    upload.seek(0)
    try:
        image = Image.open(upload, formats=list(ACCEPTED_FORMATS))
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as error:
        raise ValidationError(
            _("This file is not a photo we accept: send a JPEG, PNG or WebP image."),
            code="photo_format",
        ) from error
    if image.format not in ACCEPTED_FORMATS:
        raise ValidationError(
            _("This file is not a photo we accept: send a JPEG, PNG or WebP image."),
            code="photo_format",
        )
    width, height = image.size
    if width * height > MAX_PHOTO_PIXELS:
        raise ValidationError(
            _("The photo has too many pixels (%(megapixels)d megapixels); the limit is 40.")
            % {"megapixels": width * height // 1_000_000},
            code="photo_too_many_pixels",
        )
    try:
        image.load()
        upright = ImageOps.exif_transpose(image)
    except (OSError, ValueError, SyntaxError) as error:
        raise ValidationError(
            _("This photo is damaged or incomplete; please send it again."),
            code="photo_damaged",
        ) from error

    keep_alpha = _has_transparency(upright)
    target_mode = "RGBA" if keep_alpha else "RGB"
    pixels = upright.convert(target_mode)
    # A new image from the raw pixels carries no info dictionary, hence no metadata at all.
    bare = Image.frombytes(target_mode, pixels.size, pixels.tobytes())
    buffer = io.BytesIO()
    if keep_alpha:
        bare.save(buffer, format="PNG", optimize=True)
        extension = "png"
    else:
        bare.save(buffer, format="JPEG", quality=JPEG_QUALITY, optimize=True)
        extension = "jpg"
    data = buffer.getvalue()
    return CleanPhoto(
        file=ContentFile(data, name=f"{uuid.uuid4().hex}.{extension}"),
        size=len(data),
        width=bare.width,
        height=bare.height,
    )
