"""Files attached to tickets: checked by content, stored under names we choose.

The type is read from the file's first bytes (magic numbers), never from the
name or the browser's Content-Type, and the file is stored under a key derived
from its SHA-256 plus a random part: a user-supplied name never reaches the
file system. The original name is kept only as text for the download header.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import unicodedata
from datetime import datetime
from pathlib import Path
from typing import IO

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from himcrm.errors import NotFound, ValidationError
from himcrm.models import Attachment, EventKind, Ticket, User
from himcrm.tickets import lifecycle
from himcrm.tickets.lifecycle import Actor
from himcrm.tickets.queries import visible_tickets

MAX_SIZE = 10 * 1024 * 1024
MAX_PER_TICKET = 10
_CHUNK = 64 * 1024
#: Accepted types and the signatures their files start with.
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "application/pdf": (b"%PDF-",),
}


def sniff_type(head: bytes) -> str | None:
    """The content type the bytes really are, if it is one we accept."""
    for content_type, signatures in SIGNATURES.items():
        if any(head.startswith(signature) for signature in signatures):
            return content_type
    return None


def clean_filename(name: str | None) -> str:
    """A display name: the last path part, no control characters, bounded length."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = unicodedata.normalize("NFC", base)
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip().strip(".")
    return base[:200] or "ek"


def upload_root(instance_path: str | Path) -> Path:
    return Path(instance_path) / "uploads"


def stored_path(root: Path, attachment: Attachment) -> Path:
    """Where the attachment's bytes are; refuses keys that would leave ``root``."""
    path = (root / attachment.storage_key).resolve()
    if root.resolve() not in path.parents:
        raise NotFound(_l("Ek bulunamadı."), field="attachment")
    return path


def count_for(session: Session, ticket: Ticket) -> int:
    return (
        session.scalar(
            sa.select(sa.func.count())
            .select_from(Attachment)
            .where(Attachment.ticket_id == ticket.id)
        )
        or 0
    )


def list_for(session: Session, ticket: Ticket) -> list[Attachment]:
    return list(
        session.scalars(
            sa.select(Attachment).where(Attachment.ticket_id == ticket.id).order_by(Attachment.id)
        )
    )


def save_attachment(
    session: Session,
    ticket: Ticket,
    actor: Actor,
    *,
    filename: str | None,
    stream: IO[bytes],
    root: Path,
    now: datetime,
    is_public: bool = False,
) -> Attachment:
    """Check and store an uploaded file, and record it on the ticket.

    Raises :class:`ValidationError` (field ``attachment``) for a ticket that has
    its maximum, an empty or too large file, or a type we do not accept. A file
    written before a later rollback stays on disk unreferenced, which is harmless
    (its name is random) and cheaper than a two-phase dance with the database.
    """
    if count_for(session, ticket) >= MAX_PER_TICKET:
        raise ValidationError(
            _l("Bir başvuruya en fazla %(n)s dosya eklenebilir.", n=MAX_PER_TICKET),
            field="attachment",
        )
    incoming = root / "incoming"
    incoming.mkdir(parents=True, exist_ok=True)
    temporary = incoming / secrets.token_hex(16)
    try:
        size, digest, head = _copy_bounded(stream, temporary)
        if size == 0:
            raise ValidationError(_l("Dosya boş."), field="attachment")
        content_type = sniff_type(head)
        if content_type is None:
            raise ValidationError(
                _l("Yalnızca JPEG, PNG veya PDF dosyaları eklenebilir."), field="attachment"
            )
        key = f"{digest[:2]}/{digest}-{secrets.token_hex(8)}"
        final = root / key
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(temporary, final)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
    name = clean_filename(filename)
    attachment = Attachment(
        ticket_id=ticket.id,
        filename=name,
        content_type=content_type,
        size=size,
        sha256=digest,
        storage_key=key,
        is_public=is_public,
        uploaded_by_id=actor.user.id if actor.user is not None else None,
        created_at=now,
    )
    session.add(attachment)
    session.flush()
    lifecycle.record_event(
        ticket,
        EventKind.NOTE,
        actor,
        now=now,
        reason=str(_l("Dosya eklendi: %(name)s", name=name)),
        data={"attachment_id": attachment.id},
    )
    session.flush()
    return attachment


def _copy_bounded(stream: IO[bytes], target: Path) -> tuple[int, str, bytes]:
    """Copy at most MAX_SIZE bytes; returns (size, sha256 hex, first bytes)."""
    digest = hashlib.sha256()
    size = 0
    head = b""
    with target.open("wb") as out:
        while chunk := stream.read(_CHUNK):
            size += len(chunk)
            if size > MAX_SIZE:
                raise ValidationError(
                    _l("Dosya en fazla %(n)s MB olabilir.", n=MAX_SIZE // (1024 * 1024)),
                    field="attachment",
                )
            if len(head) < 16:
                head = (head + chunk)[:16]
            digest.update(chunk)
            out.write(chunk)
    return size, digest.hexdigest(), head


def get_visible_attachment(session: Session, user: User, attachment_id: int) -> Attachment:
    """An attachment by id, only through a ticket the user may see (404 otherwise)."""
    stmt = (
        visible_tickets(session, user)
        .join(Attachment, Attachment.ticket_id == Ticket.id)
        .where(Attachment.id == attachment_id)
        .with_only_columns(Attachment)
    )
    attachment = session.scalar(stmt)
    if attachment is None:
        raise NotFound(_l("Ek bulunamadı."), field="attachment")
    return attachment
