"""Uploaded photos (reports, proposals): accepted by content, never by name, and re-encoded
without metadata.

Re-encoding from the pixels alone drops EXIF (GPS position, camera serial), XMP, IPTC,
ICC profiles and text chunks, whatever the file carried.
"""

from __future__ import annotations

import io
import math
import uuid
from dataclasses import dataclass
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_PHOTO_BYTES = 8 * 1024 * 1024
# The most pixels ever decoded into memory (24 MP: 72 MB as RGB, twice that while the
# pixels are copied without their metadata). A small file can declare a huge image (a
# 39 KB PNG of 6300 × 6300), so the size in its header is checked before any decoding.
MAX_PHOTO_PIXELS = 24_000_000
# A JPEG decodes at 1/2, 1/4 or 1/8 of its size directly, so larger camera photos are
# accepted up to this and decoded at the first scale that fits MAX_PHOTO_PIXELS.
MAX_JPEG_PIXELS = 120_000_000
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
JPEG_QUALITY = 85
# Pillow's own process-wide guard (Image.MAX_IMAGE_PIXELS) is left at its default: it
# protects every image the process opens (WeasyPrint's too). The bounds above are checked
# here, from the header, before anything is decoded.


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


def _too_many_pixels(pixels: int, limit: int) -> ValidationError:
    return ValidationError(
        _(
            "The photo has too many pixels (%(megapixels)d megapixels); the limit is "
            "%(limit)d megapixels. Send a smaller copy of it."
        )
        % {"megapixels": pixels // 1_000_000, "limit": limit // 1_000_000},
        code="photo_too_many_pixels",
    )


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
        # Lazy: reads the header only; nothing is decoded before load().
        image = Image.open(upload, formats=list(ACCEPTED_FORMATS))
    except Image.DecompressionBombError as error:
        # Pillow refused it from its header, above its own default bound (far above ours).
        raise ValidationError(
            _(
                "The photo has too many pixels; the limit is %(limit)d megapixels. "
                "Send a smaller copy of it."
            )
            % {"limit": MAX_JPEG_PIXELS // 1_000_000},
            code="photo_too_many_pixels",
        ) from error
    except (UnidentifiedImageError, OSError, ValueError) as error:
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
    pixels_declared = width * height
    if image.format == "JPEG" and MAX_PHOTO_PIXELS < pixels_declared <= MAX_JPEG_PIXELS:
        # A JPEG decoded at 1/scale is ceil(size / scale) pixels wide and high (draft()
        # rounds up); it picks the largest scale not above size // (the size asked for).
        scale = next(
            scale
            for scale in (2, 4, 8)
            if math.ceil(width / scale) * math.ceil(height / scale) <= MAX_PHOTO_PIXELS
        )
        image.draft(image.mode, (width // scale, height // scale))
    if image.size[0] * image.size[1] > MAX_PHOTO_PIXELS:
        limit = MAX_JPEG_PIXELS if image.format == "JPEG" else MAX_PHOTO_PIXELS
        raise _too_many_pixels(pixels_declared, limit)
    try:
        image.load()
        ImageOps.exif_transpose(image, in_place=True)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as error:
        raise ValidationError(
            _("This photo is damaged or incomplete; please send it again."),
            code="photo_damaged",
        ) from error

    keep_alpha = _has_transparency(image)
    target_mode = "RGBA" if keep_alpha else "RGB"
    pixels = image if image.mode == target_mode else image.convert(target_mode)
    del image
    # A new image with the pixels pasted in carries no info dictionary, hence no metadata
    # at all; pasting copies the pixels once, with no intermediate buffer.
    bare = Image.new(target_mode, pixels.size)
    bare.paste(pixels)
    del pixels
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
