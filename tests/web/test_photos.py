"""Photos are shrunk, turned upright and stripped of EXIF/GPS; non-images and big files refused."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from citizen_center.errors import ValidationError
from citizen_center.services.photos import prepare_photo

GPS_IFD = 0x8825
ORIENTATION = 0x0112
MAKE = 0x010F


def phone_photo(width: int = 3000, height: int = 2000, orientation: int = 6) -> bytes:
    """A JPEG as a phone writes it: GPS position, camera make, held sideways (orientation 6)."""
    image = Image.new("RGB", (width, height), (200, 30, 30))
    image.paste((30, 30, 200), (0, 0, width // 2, height))  # left half blue: shows the turn
    exif = Image.Exif()
    exif[MAKE] = "PhoneMaker"
    exif[ORIENTATION] = orientation
    exif.get_ifd(GPS_IFD).update({1: "S", 2: (30.0, 2.0, 4.5), 3: "W", 4: (51.0, 13.0, 3.7)})
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes(), comment=b"taken at home")
    return out.getvalue()


def test_a_phone_photo_loses_gps_and_every_exif_tag_and_is_shrunk_upright() -> None:
    original = phone_photo()
    with Image.open(io.BytesIO(original)) as before:
        assert before.getexif().get_ifd(GPS_IFD)  # the test photo does carry a position
    prepared = prepare_photo(original, max_side=800, max_mb=10)
    with Image.open(io.BytesIO(prepared.content)) as after:
        assert after.format == "JPEG"
        assert dict(after.getexif()) == {}
        assert not after.getexif().get_ifd(GPS_IFD)
        assert "exif" not in after.info and "comment" not in after.info
        # Orientation 6 means "turn 90° clockwise to view": 3000×2000 becomes portrait, ≤ 800.
        assert (after.width, after.height) == (prepared.width, prepared.height) == (533, 800)
        top_left, bottom_left = after.getpixel((5, 5)), after.getpixel((5, 795))
    assert isinstance(top_left, tuple) and isinstance(bottom_left, tuple)
    assert top_left[2] > 150 and bottom_left[0] > 150  # blue half on top after the turn
    assert b"PhoneMaker" not in prepared.content and b"taken at home" not in prepared.content


def test_a_small_png_with_transparency_is_kept_at_its_size_as_jpeg() -> None:
    out = io.BytesIO()
    Image.new("RGBA", (300, 200), (0, 0, 0, 0)).save(out, format="PNG")
    prepared = prepare_photo(out.getvalue(), max_side=800, max_mb=10)
    assert (prepared.width, prepared.height, prepared.content_type) == (300, 200, "image/jpeg")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"%PDF-1.7 not a photo", "não é uma imagem"),
        (b"", "vazia"),
        (phone_photo()[:2000], "corrompida"),
    ],
)
def test_what_is_not_a_whole_image_is_refused_clearly(data: bytes, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        prepare_photo(data, max_side=800, max_mb=10)


def test_a_file_over_the_limit_is_refused_before_decoding() -> None:
    with pytest.raises(ValidationError, match=r"mais de 0\.01 MB"):
        prepare_photo(phone_photo(), max_side=800, max_mb=0.01)


def test_a_decompression_bomb_is_refused() -> None:
    out = io.BytesIO()
    Image.new("1", (9000, 9000)).save(out, format="PNG")  # tiny file, 81 megapixels
    assert len(out.getvalue()) < 200_000
    with pytest.raises(ValidationError, match="grande demais"):
        prepare_photo(out.getvalue(), max_side=800, max_mb=10)
