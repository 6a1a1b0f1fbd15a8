"""Attachments: content sniffing, size and count limits, storage names, scoped lookup."""

from __future__ import annotations

import hashlib
import io
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from himcrm.errors import NotFound, ValidationError
from himcrm.models import Attachment, EventKind, Role, Ticket
from himcrm.tickets import attachments
from himcrm.tickets.lifecycle import Actor
from tests import factories as f
from tests.conftest import user

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x01" * 64
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x02" * 64
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"


@pytest.fixture
def ticket(session: Session, now: datetime) -> Ticket:
    return f.ticket(session, topic_code="FEN.YOL.02", now=now)


@pytest.fixture
def actor(session: Session) -> Actor:
    return Actor(user(session, Role.DEPT_STAFF, "FEN.YOL"))


def _save(
    session: Session,
    ticket: Ticket,
    actor: Actor,
    root: Path,
    data: bytes,
    name: str,
    now: datetime,
) -> Attachment:
    return attachments.save_attachment(
        session, ticket, actor, filename=name, stream=io.BytesIO(data), root=root, now=now
    )


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.mark.parametrize(
    ("data", "expected"),
    [(PNG, "image/png"), (JPEG, "image/jpeg"), (PDF, "application/pdf")],
)
def test_accepted_types_are_recognised_by_their_bytes(
    session: Session,
    ticket: Ticket,
    actor: Actor,
    tmp_path: Path,
    now: datetime,
    data: bytes,
    expected: str,
) -> None:
    # The name claims another type: the bytes decide.
    saved = _save(session, ticket, actor, tmp_path, data, "belge.txt", now)
    assert saved.content_type == expected and saved.size == len(data)
    assert saved.sha256 == hashlib.sha256(data).hexdigest()
    assert attachments.stored_path(tmp_path, saved).read_bytes() == data
    assert ticket.events[-1].kind == EventKind.NOTE
    assert ticket.events[-1].data == {"attachment_id": saved.id}


def test_the_stored_path_is_ours_not_the_users(
    session: Session, ticket: Ticket, actor: Actor, tmp_path: Path, now: datetime
) -> None:
    root = tmp_path / "uploads"
    saved = _save(session, ticket, actor, root, PNG, "../../../etc/cron.d/evil.png", now)
    path = attachments.stored_path(root, saved)
    digest = hashlib.sha256(PNG).hexdigest()
    assert path.parent == (root / digest[:2]).resolve()
    assert path.name.startswith(digest) and "evil" not in saved.storage_key
    assert saved.filename == "evil.png"  # kept only as display text
    assert _files(root) == [path]  # nothing else left behind (no temporary file)
    again = _save(session, ticket, actor, root, PNG, "aynı.png", now)
    assert again.storage_key != saved.storage_key  # the same bytes twice: two files


def test_wrong_magic_bytes_are_refused_and_nothing_is_kept(
    session: Session, ticket: Ticket, actor: Actor, tmp_path: Path, now: datetime
) -> None:
    for data, name in [
        (b"<html><script>alert(1)</script></html>", "foto.jpg"),
        (b"MZ\x90\x00executable", "rapor.pdf"),
        (b"GIF89a......", "resim.png"),
    ]:
        with pytest.raises(ValidationError) as refused:
            _save(session, ticket, actor, tmp_path, data, name, now)
        assert refused.value.field == "attachment"
    with pytest.raises(ValidationError):
        _save(session, ticket, actor, tmp_path, b"", "bos.png", now)
    assert _files(tmp_path) == []
    assert attachments.count_for(session, ticket) == 0


def test_files_over_10_mb_are_refused(
    session: Session, ticket: Ticket, actor: Actor, tmp_path: Path, now: datetime
) -> None:
    too_big = PNG + b"\x00" * (attachments.MAX_SIZE - len(PNG) + 1)
    with pytest.raises(ValidationError) as refused:
        _save(session, ticket, actor, tmp_path, too_big, "büyük.png", now)
    assert refused.value.field == "attachment" and "10 MB" in str(refused.value.message)
    assert _files(tmp_path) == []
    exactly = PNG + b"\x00" * (attachments.MAX_SIZE - len(PNG))
    assert _save(session, ticket, actor, tmp_path, exactly, "sınırda.png", now).size == (
        attachments.MAX_SIZE
    )


def test_at_most_ten_per_ticket(
    session: Session, ticket: Ticket, actor: Actor, tmp_path: Path, now: datetime
) -> None:
    for n in range(attachments.MAX_PER_TICKET):
        _save(session, ticket, actor, tmp_path, PDF + bytes([n]), f"ek-{n}.pdf", now)
    with pytest.raises(ValidationError) as refused:
        _save(session, ticket, actor, tmp_path, PNG, "fazla.png", now)
    assert refused.value.field == "attachment"
    assert attachments.count_for(session, ticket) == attachments.MAX_PER_TICKET
    assert len(_files(tmp_path)) == attachments.MAX_PER_TICKET


def test_lookup_goes_through_the_visible_tickets(
    session: Session, ticket: Ticket, actor: Actor, tmp_path: Path, now: datetime
) -> None:
    saved = _save(session, ticket, actor, tmp_path, PNG, "foto.png", now)
    assert attachments.get_visible_attachment(session, actor.user, saved.id).id == saved.id  # type: ignore[arg-type]
    head = user(session, Role.DEPT_MANAGER, "FEN")
    assert attachments.get_visible_attachment(session, head, saved.id).id == saved.id
    park = user(session, Role.DEPT_STAFF, "PARK.BAKIM")
    with pytest.raises(NotFound):
        attachments.get_visible_attachment(session, park, saved.id)
    with pytest.raises(NotFound):
        attachments.get_visible_attachment(session, actor.user, saved.id + 1000)  # type: ignore[arg-type]


def test_a_key_outside_the_root_is_never_served(
    session: Session, ticket: Ticket, actor: Actor, tmp_path: Path, now: datetime
) -> None:
    saved = _save(session, ticket, actor, tmp_path, PNG, "foto.png", now)
    saved.storage_key = "../../etc/passwd"
    with pytest.raises(NotFound):
        attachments.stored_path(tmp_path, saved)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("C:\\Users\\ayşe\\Masaüstü\\çukur.jpg", "çukur.jpg"),
        ("a\x00b\nc.pdf", "abc.pdf"),
        ("...", "ek"),
        ("", "ek"),
        (None, "ek"),
    ],
)
def test_clean_filename(raw: str | None, clean: str) -> None:
    assert attachments.clean_filename(raw) == clean


def test_count_is_per_ticket(session: Session, now: datetime, tmp_path: Path, actor: Actor) -> None:
    first = f.ticket(session, topic_code="FEN.YOL.02", now=now)
    second = f.ticket(session, topic_code="FEN.YOL.02", now=now, phone="+905329876543")
    _save(session, first, actor, tmp_path, PNG, "a.png", now)
    assert attachments.count_for(session, first) == 1
    assert attachments.count_for(session, second) == 0
    total = session.scalar(sa.select(sa.func.count()).select_from(Attachment))
    assert total is not None and total >= 1
