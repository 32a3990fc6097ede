"""Photos are accepted by their content and stored without any metadata."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from digiplace.core.photos import MAX_PHOTO_PIXELS, photo_clean

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def jpeg_with_gps(*, width: int = 40, height: int = 20, orientation: int = 1) -> bytes:
    image = Image.new("RGB", (width, height), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # camera make
    exif[ORIENTATION] = orientation
    exif[GPS_IFD] = {1: "N", 2: (47.0, 44.0, 55.0), 3: "E", 4: (26.0, 40.0, 10.0)}
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif, icc_profile=b"fake-icc-profile")
    return buffer.getvalue()


def image_bytes(format_name: str, mode: str = "RGB", size: tuple[int, int] = (30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size).save(buffer, format=format_name)
    return buffer.getvalue()


def upload(data: bytes, name: str = "photo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def test_jpeg_with_gps_comes_out_without_any_exif() -> None:
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)

    cleaned = photo_clean(upload(original))

    stored = Image.open(io.BytesIO(cleaned.file.read()))
    assert stored.format == "JPEG"
    assert dict(stored.getexif()) == {}
    assert "exif" not in stored.info
    assert "icc_profile" not in stored.info
    assert b"Exif" not in cleaned.file.open().read()
    assert (cleaned.width, cleaned.height) == (40, 20)
    assert cleaned.size == len(cleaned.file.open().read())
    assert str(cleaned.file.name).endswith(".jpg")


def test_exif_orientation_is_applied_before_the_tag_is_dropped() -> None:
    # Orientation 6: the camera was turned; the upright photo is 20 wide, 40 high.
    cleaned = photo_clean(upload(jpeg_with_gps(width=40, height=20, orientation=6)))

    assert (cleaned.width, cleaned.height) == (20, 40)


def test_png_and_webp_are_accepted_whatever_their_name() -> None:
    png = photo_clean(upload(image_bytes("PNG"), name="photo.gif"))
    webp = photo_clean(upload(image_bytes("WEBP"), name="photo.txt"))

    assert Image.open(png.file).format == "JPEG"
    assert Image.open(webp.file).format == "JPEG"


def test_transparent_png_stays_png_with_its_alpha() -> None:
    cleaned = photo_clean(upload(image_bytes("PNG", mode="RGBA"), name="sign.png"))

    stored = Image.open(cleaned.file)
    assert (stored.format, stored.mode) == ("PNG", "RGBA")
    assert str(cleaned.file.name).endswith(".png")


@pytest.mark.parametrize(
    "data",
    [b"just some text, not a photo", image_bytes("GIF", mode="P"), image_bytes("BMP")],
    ids=["text", "gif", "bmp"],
)
def test_other_files_are_refused_even_when_named_jpg(data: bytes) -> None:
    with pytest.raises(ValidationError) as refused:
        photo_clean(upload(data, name="photo.jpg"))

    assert refused.value.messages == [
        "This file is not a photo we accept: send a JPEG, PNG or WebP image."
    ]


def test_oversize_file_is_refused_before_decoding() -> None:
    with pytest.raises(ValidationError) as refused:
        photo_clean(upload(image_bytes("PNG") + b"\0" * 2048), max_bytes=1024)

    assert refused.value.code == "photo_too_large"
    assert "too large" in refused.value.messages[0]


def test_image_over_24_megapixels_is_refused() -> None:
    # A PNG of 8,000 × 5,001 black pixels compresses to little but decodes to 40 MP.
    with pytest.raises(ValidationError) as refused:
        photo_clean(upload(image_bytes("PNG", mode="1", size=(8000, 5001))))

    assert refused.value.messages == [
        "The photo has too many pixels (40 megapixels); the limit is 24 megapixels. "
        "Send a smaller copy of it."
    ]


def test_a_96_megapixel_jpeg_with_odd_sides_is_decoded_at_a_quarter_scale() -> None:
    # 9,799 × 9,797 is under the 120 MP limit for JPEGs. At half scale Pillow decodes
    # 4,900 × 4,899 (it rounds up): 24.005 MP, over the bound, so a quarter it is.
    buffer = io.BytesIO()
    Image.new("L", (9799, 9797), 128).save(buffer, format="JPEG", quality=50)
    assert 4899 * 4898 <= MAX_PHOTO_PIXELS < 4900 * 4899

    # Pillow's own process-wide guard still warns about it: it was not loosened.
    with pytest.warns(Image.DecompressionBombWarning):
        photo = photo_clean(upload(buffer.getvalue()))

    assert (photo.width, photo.height) == (2450, 2450)
    assert Image.open(photo.file).size == (2450, 2450)


def test_pillows_guard_for_every_image_of_the_process_is_left_at_its_default() -> None:
    untouched = subprocess.run(
        [sys.executable, "-c", "from PIL import Image; print(Image.MAX_IMAGE_PIXELS)"],
        capture_output=True,
        text=True,
        check=True,
    )

    assert int(untouched.stdout) == Image.MAX_IMAGE_PIXELS
