"""Photos from citizens and field teams: checked, re-encoded without metadata, stored.

A phone photo carries EXIF: the GPS position of where it was taken (often the
sender's home), the device, the time. Every photo that comes from outside is
therefore decoded and re-encoded with Pillow into a fresh image that has no
metadata at all (EXIF, XMP, ICC profile, comments, PNG text chunks). The EXIF
orientation is applied to the pixels first, so a photo stays upright once its
orientation tag is gone. Decoding also proves the file is a real image, not just
bytes that start with the right magic number.

Checking (:func:`clean_photos`) is separate from storing (:func:`store_photos`)
so a form can check every photo before it writes anything, then store them in
the same transaction as the ticket they belong to.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO

from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy.orm import Session

from himcrm.errors import ValidationError
from himcrm.models import Attachment, Ticket
from himcrm.tickets.attachments import (
    MAX_PER_TICKET,
    MAX_SIZE,
    clean_filename,
    save_attachment,
    sniff_type,
)
from himcrm.tickets.lifecycle import Actor

#: Photos per submission; the request body limit (MAX_CONTENT_LENGTH, 12 MB) bounds their sum.
MAX_PHOTOS = min(3, MAX_PER_TICKET)
#: Only photos: PDFs (accepted from staff) are not taken from the public.
PHOTO_TYPES = ("image/jpeg", "image/png")
#: Refuse decoding anything larger (a small file can decode to gigabytes: a "pixel bomb").
MAX_PIXELS = 40_000_000
#: Longest side after re-encoding: plenty for evidence, and keeps files well under MAX_SIZE.
MAX_SIDE = 2560
JPEG_QUALITY = 85

_FORMAT = {"image/jpeg": "JPEG", "image/png": "PNG"}
_EXTENSION = {"image/jpeg": ".jpg", "image/png": ".png"}


@dataclass(frozen=True, slots=True)
class Upload:
    """A file as it arrived: the name the sender gave it and its bytes."""

    filename: str | None
    stream: IO[bytes]


@dataclass(frozen=True, slots=True)
class CleanPhoto:
    """A photo re-encoded without metadata, ready to store."""

    filename: str
    content_type: str
    data: bytes


def clean_photo(upload: Upload, *, field: str = "photos") -> CleanPhoto:
    """Check one photo and re-encode it without metadata.

    Raises :class:`ValidationError` naming ``field`` for an empty or too large
    file, a type other than JPEG/PNG (read from the bytes), or an image that
    does not decode.
    """
    raw = upload.stream.read(MAX_SIZE + 1)
    if not raw:
        raise ValidationError(_l("Fotoğraf dosyası boş."), field=field)
    if len(raw) > MAX_SIZE:
        raise ValidationError(
            _l("Bir fotoğraf en fazla %(n)s MB olabilir.", n=MAX_SIZE // (1024 * 1024)),
            field=field,
        )
    content_type = sniff_type(raw[:16])
    if content_type not in PHOTO_TYPES:
        raise ValidationError(_l("Yalnızca JPEG veya PNG fotoğraf eklenebilir."), field=field)
    assert content_type is not None
    data = _reencode(raw, content_type, field)
    return CleanPhoto(_display_name(upload.filename, content_type), content_type, data)


def clean_photos(uploads: Sequence[Upload], *, field: str = "photos") -> list[CleanPhoto]:
    """Every photo of one submission, checked and cleaned; empty file inputs are skipped."""
    if len(uploads) > MAX_PHOTOS:
        raise ValidationError(_l("En fazla %(n)s fotoğraf eklenebilir.", n=MAX_PHOTOS), field=field)
    return [clean_photo(upload, field=field) for upload in uploads]


def store_photos(
    session: Session,
    ticket: Ticket,
    actor: Actor,
    photos: Sequence[CleanPhoto],
    *,
    root: Path,
    now: datetime,
    is_public: bool = False,
) -> list[Attachment]:
    """Store cleaned photos as the ticket's attachments (staff-only unless ``is_public``)."""
    return [
        save_attachment(
            session,
            ticket,
            actor,
            filename=photo.filename,
            stream=io.BytesIO(photo.data),
            root=root,
            now=now,
            is_public=is_public,
        )
        for photo in photos
    ]


def _reencode(raw: bytes, content_type: str, field: str) -> bytes:
    unreadable = ValidationError(_l("Fotoğraf açılamadı; dosya bozuk olabilir."), field=field)
    try:
        with warnings.catch_warnings():
            # Pillow warns, then errors, on huge images; we refuse them ourselves below.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(raw)) as image:
                if image.format != _FORMAT[content_type]:
                    raise unreadable
                width, height = image.size
                if width * height > MAX_PIXELS:
                    raise ValidationError(_l("Fotoğrafın çözünürlüğü çok yüksek."), field=field)
                image.load()
                upright = ImageOps.exif_transpose(image)
                pixels = _strip(upright, content_type)
    except ValidationError:
        raise
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        OSError,
        SyntaxError,
        ValueError,
        EOFError,
    ):
        raise unreadable from None
    pixels.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    if content_type == "image/jpeg":
        pixels.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    else:
        pixels.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _strip(image: Image.Image, content_type: str) -> Image.Image:
    """A new image holding only the pixels: no ``info`` (EXIF, XMP, ICC, comments, text)."""
    has_alpha = image.mode in {"RGBA", "LA", "PA"} or (
        image.mode == "P" and "transparency" in image.info
    )
    mode = "RGBA" if has_alpha and content_type == "image/png" else "RGB"
    converted = image.convert(mode)
    return Image.frombytes(mode, converted.size, converted.tobytes())


def _display_name(filename: str | None, content_type: str) -> str:
    """The sender's file name (for staff), with the extension the content really has."""
    stem = clean_filename(filename).rsplit(".", 1)[0] or "foto"
    return f"{stem[:180]}{_EXTENSION[content_type]}"
