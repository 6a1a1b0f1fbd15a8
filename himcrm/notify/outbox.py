"""Writing messages to the outbox, once per idempotency key."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import has_app_context
from sqlalchemy.orm import Session

from himcrm.db_setup import insert_on_conflict
from himcrm.jobs_runtime import enqueue_after_commit
from himcrm.models import Notification, NotificationChannel, NotificationStatus

_INSERT_ONCE = insert_on_conflict(
    Notification.__table__,
    (
        "idempotency_key",
        "channel",
        "recipient",
        "template",
        "context",
        "status",
        "ticket_id",
        "citizen_id",
        "user_id",
        "send_after",
        "attempts",
        "created_at",
        "updated_at",
    ),
    conflict="idempotency_key",
    returning="id",
)


def queue_message(
    session: Session,
    *,
    key: str,
    channel: NotificationChannel,
    recipient: str,
    template: str,
    context: dict[str, Any],
    now: datetime,
    ticket_id: int | None = None,
    citizen_id: int | None = None,
    user_id: int | None = None,
    send_after: datetime | None = None,
    send_now: bool = False,
) -> int | None:
    """Add a message to the outbox unless one with ``key`` exists.

    Returns the new row's id, or None when the key was already there: a second
    sweep, a duplicate job or a retried request writes nothing (DESIGN.md §5).
    The row commits or rolls back with the caller's transaction. ``send_now``
    (a citizen waiting for the message) also enqueues the send job once the
    transaction has committed; without it the minute sweep sends the row.
    """
    row_id = session.execute(
        _INSERT_ONCE,
        {
            "idempotency_key": key,
            "channel": channel,
            "recipient": recipient,
            "template": template,
            "context": context,
            "status": NotificationStatus.PENDING,
            "ticket_id": ticket_id,
            "citizen_id": citizen_id,
            "user_id": user_id,
            "send_after": send_after or now,
            "attempts": 0,
            "created_at": now,
            "updated_at": now,
        },
    ).scalar_one_or_none()
    if row_id is not None and send_now and has_app_context():
        enqueue_after_commit(
            session, "himcrm.jobs.send_notification", row_id, queue="notifications"
        )
    return row_id
