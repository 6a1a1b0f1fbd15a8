"""The access audit: every view or export of personal data, with who, when, what, why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from himcrm.errors import ValidationError
from himcrm.models import AccessAudit, User, utcnow

#: A reason typed for a sensitive view must say something.
MIN_REASON = 5
MAX_REASON = 500


class AuditAction(StrEnum):
    VIEW_CITIZEN = "view_citizen"  # a citizen card (console lookup, citizen page)
    VIEW_TICKET = "view_ticket"  # a ticket page with the citizen's contact details
    REVEAL = "reveal"  # a full kimlik no / phone shown on request, with a reason
    EXPORT_REPORT = "export_report"  # report exports (they name employees, not citizens)
    EXPORT_OPEN_DATA = "export_open_data"
    DSR_EXPORT = "dsr_export"  # everything held on a citizen, for the citizen
    ANONYMISE = "anonymise"


def check_reason(reason: str) -> str:
    text = " ".join((reason or "").split())
    if len(text) < MIN_REASON:
        raise ValidationError(
            _l("Gerekçe yazın (en az %(n)s karakter).", n=MIN_REASON), field="reason"
        )
    if len(text) > MAX_REASON:
        raise ValidationError(
            _l("Gerekçe en fazla %(n)s karakter olabilir.", n=MAX_REASON), field="reason"
        )
    return text


def record_access(
    session: Session,
    *,
    user: User | None,
    action: AuditAction,
    subject_type: str,
    subject_id: str | int = "",
    reason: str = "",
    ip: str = "",
    detail: dict[str, Any] | None = None,
    actor_label: str = "",
    now: datetime | None = None,
) -> AccessAudit:
    """Write one audit row in the caller's transaction (flushed, committed by the caller)."""
    entry = AccessAudit(
        at=now or utcnow(),
        user_id=user.id if user is not None else None,
        actor_label=actor_label[:64],
        action=action.value,
        subject_type=subject_type,
        subject_id=str(subject_id)[:64],
        reason=reason,
        ip=(ip or "")[:45],
        detail=detail or {},
    )
    session.add(entry)
    session.flush()
    return entry


@dataclass(frozen=True, slots=True)
class AuditQuery:
    user_id: int | None = None
    action: str | None = None
    subject_type: str | None = None
    subject_id: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    before_id: int | None = None  # keyset paging: rows older than this id
    limit: int = 100


def search_audit(session: Session, query: AuditQuery) -> list[AccessAudit]:
    """Newest first, filtered; keyset paging by id (index-backed filters)."""
    stmt = sa.select(AccessAudit)
    if query.user_id is not None:
        stmt = stmt.where(AccessAudit.user_id == query.user_id)
    if query.action:
        stmt = stmt.where(AccessAudit.action == query.action)
    if query.subject_type:
        stmt = stmt.where(AccessAudit.subject_type == query.subject_type)
    if query.subject_id:
        stmt = stmt.where(AccessAudit.subject_id == query.subject_id)
    if query.start is not None:
        stmt = stmt.where(AccessAudit.at >= query.start)
    if query.end is not None:
        stmt = stmt.where(AccessAudit.at < query.end)
    if query.before_id is not None:
        stmt = stmt.where(AccessAudit.id < query.before_id)
    stmt = stmt.order_by(AccessAudit.id.desc()).limit(max(1, min(query.limit, 500)))
    return list(session.scalars(stmt))
