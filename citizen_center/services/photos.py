"""Citizens' photos of a problem: checked, shrunk and stripped of EXIF/GPS before they are kept.

A phone photo carries where it was taken (GPS), the phone's model and the time in its EXIF block;
a citizen who photographs the pothole in front of their house would publish their address. So a
photo is decoded and re-encoded from its pixels alone (after turning it the way EXIF says it is
held), never stored as uploaded.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import select
from sqlalchemy.orm import Session

from citizen_center.errors import NotFoundError, ValidationError
from citizen_center.models import RequestPhoto, ServiceRequest

# What a browser or a phone sends; anything else (a PDF renamed .jpg, an SVG) is refused.
ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "GIF", "MPO"})
STORED_CONTENT_TYPE = "image/jpeg"
JPEG_QUALITY = 85
# A small file can still decode into gigapixels (a "decompression bomb"): refuse past this.
MAX_PIXELS = 60_000_000
MEGABYTE = 1024 * 1024


@dataclass(frozen=True)
class PreparedPhoto:
    """A photo ready to keep: JPEG bytes without metadata, at most the configured side."""

    content: bytes
    width: int
    height: int
    content_type: str = STORED_CONTENT_TYPE


def prepare_photo(
    data: bytes, *, max_side: int, max_mb: float, label: str = "A foto"
) -> PreparedPhoto:
    """Check, turn upright, shrink and re-encode ``data``; ValidationError in pt-BR otherwise."""
    if len(data) > max_mb * MEGABYTE:
        raise ValidationError(f"{label} tem mais de {max_mb:g} MB. Envie uma foto menor.")
    if not data:
        raise ValidationError(f"{label} está vazia.")
    image = _decode(data, label)
    upright = ImageOps.exif_transpose(image)
    upright.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    clean = _pixels_only(upright)
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return PreparedPhoto(out.getvalue(), clean.width, clean.height)


def _decode(data: bytes, label: str) -> Image.Image:
    not_an_image = ValidationError(f"{label} não é uma imagem (use JPEG, PNG ou WebP).")
    try:
        with warnings.catch_warnings():
            # Pillow only warns between MAX_IMAGE_PIXELS and twice that: refuse those as well.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise not_an_image from None
    if image.format not in ACCEPTED_FORMATS:
        raise not_an_image
    if image.width * image.height > MAX_PIXELS:
        raise ValidationError(f"{label} é grande demais ({image.width}×{image.height} pixels).")
    try:
        image.load()
    except (OSError, SyntaxError, ValueError) as exc:  # truncated or corrupt files
        raise ValidationError(f"{label} está corrompida ou incompleta.") from exc
    return image


def _pixels_only(image: Image.Image) -> Image.Image:
    """A new RGB image with the same pixels and no metadata at all (EXIF, XMP, ICC, comments)."""
    if image.mode in ("RGBA", "LA", "P"):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    clean = Image.new("RGB", image.size)
    clean.paste(image.convert("RGB"))
    return clean


def attach_photos(
    session: Session, request: ServiceRequest, photos: list[PreparedPhoto]
) -> list[RequestPhoto]:
    rows = [
        RequestPhoto(
            request_id=request.id,
            seq=seq,
            content_type=photo.content_type,
            width=photo.width,
            height=photo.height,
            content=photo.content,
        )
        for seq, photo in enumerate(photos, start=1)
    ]
    session.add_all(rows)
    session.flush()
    return rows


def photo_numbers(session: Session, request_id: int) -> list[int]:
    return list(
        session.scalars(
            select(RequestPhoto.seq)
            .where(RequestPhoto.request_id == request_id)
            .order_by(RequestPhoto.seq)
        )
    )


def photo_of(session: Session, request_id: int, seq: int) -> RequestPhoto:
    photo = session.scalar(
        select(RequestPhoto).where(RequestPhoto.request_id == request_id, RequestPhoto.seq == seq)
    )
    if photo is None:
        raise NotFoundError(f"Foto {seq} não encontrada.")
    return photo
