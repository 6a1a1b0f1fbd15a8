"""Social media intake: Facebook page (Messenger, page comments) and X (mentions, DMs).

Webhook payloads are parsed into :class:`SocialMessage` values (the webhook
layer has verified the signature before). Each message is kept once in
``InboundMessage`` — unique (channel, platform id) — so a platform's retry or a
replayed event records nothing twice. Then:

- the same person (the same platform user id on the same channel) already has
  an open ticket that came from this channel: the message becomes a note on it
  (a conversation is one ticket, not one ticket per message);
- otherwise: a new ticket for triage through the one intake service (channel
  ``social_meta`` / ``social_x``, external id = the platform's message id, no
  topic, no citizen record — a display name is not an identity), and an
  acknowledgement with the number and tracking link goes back privately
  (Messenger message, private reply to a comment, X direct message) through the
  outbox. Our own page's or account's posts are ignored (no reply loops).

The answer to such a ticket goes back the same way: see :func:`reply_target`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from himcrm.db_setup import upsert_insert
from himcrm.errors import ValidationError
from himcrm.models import (
    OPEN_STATUSES,
    Channel,
    InboundMessage,
    NotificationChannel,
    Ticket,
)
from himcrm.notify.outbox import queue_message
from himcrm.tickets import lifecycle
from himcrm.tickets.intake import TicketInput, create_ticket

log = logging.getLogger(__name__)

MAX_TEXT = 5000
_inbound = InboundMessage.__table__

#: Intake channel → the outbox channel replies go out on.
REPLY_CHANNEL = {
    Channel.SOCIAL_META: NotificationChannel.SOCIAL_META,
    Channel.SOCIAL_X: NotificationChannel.SOCIAL_X,
}


@dataclass(frozen=True, slots=True)
class SocialMessage:
    channel: Channel
    external_id: str  # the platform's id of this message / comment / tweet
    sender_id: str  # the platform's id of the person
    text: str
    reply_to: str  # where a private answer goes: "psid:…", "comment:…", "user:…"
    sent_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class SocialOutcome:
    outcome: str  # "new_ticket", "note", "duplicate", "ignored"
    ticket: Ticket | None = None


def handle_social_message(
    session: Session, message: SocialMessage, *, now: datetime
) -> SocialOutcome:
    """Record one message once and turn it into a ticket or a note (module docstring)."""
    text = message.text.strip()
    inserted = session.execute(
        upsert_insert(session, _inbound)
        .values(
            channel=message.channel.value,
            external_id=message.external_id,
            sender=message.sender_id,
            body=text,
            received_at=now,
            outcome="",
        )
        .on_conflict_do_nothing(index_elements=[_inbound.c.channel, _inbound.c.external_id])
        .returning(_inbound.c.id)
    ).scalar_one_or_none()
    if inserted is None:
        return SocialOutcome("duplicate")
    record = session.get(InboundMessage, inserted)
    assert record is not None
    if not text:
        record.outcome = "ignored"  # a sticker, a like, an attachment without words
        return SocialOutcome("ignored")
    open_ticket = _open_conversation(session, message)
    if open_ticket is not None:
        lifecycle.add_note(
            open_ticket, lifecycle.Actor(label=message.channel.value), text[:MAX_TEXT], now=now
        )
        record.ticket_id, record.outcome = open_ticket.id, "note"
        return SocialOutcome("note", open_ticket)
    result = create_ticket(
        session,
        TicketInput(
            channel=message.channel.value,
            description=text[:MAX_TEXT],
            external_id=message.external_id,
        ),
        actor_label=message.channel.value,
        now=now,
    )
    ticket = result.ticket
    record.ticket_id, record.outcome = ticket.id, "new_ticket"
    queue_message(
        session,
        key=f"social:{message.channel.value}:{message.external_id}:ack",
        channel=REPLY_CHANNEL[message.channel],
        recipient=message.reply_to,
        template="ticket_created",
        context={"number": ticket.number, "token": ticket.tracking_token},
        now=now,
        ticket_id=ticket.id,
        send_now=True,
    )
    return SocialOutcome("new_ticket", ticket)


def _open_conversation(session: Session, message: SocialMessage) -> Ticket | None:
    """The person's latest open ticket that came in on this channel."""
    return session.scalar(
        sa.select(Ticket)
        .join(InboundMessage, InboundMessage.ticket_id == Ticket.id)
        .where(
            InboundMessage.channel == message.channel.value,
            InboundMessage.sender == message.sender_id,
            Ticket.status.in_(OPEN_STATUSES),
        )
        .order_by(Ticket.created_at.desc(), Ticket.id.desc())
        .limit(1)
    )


def reply_target(session: Session, ticket: Ticket) -> tuple[NotificationChannel, str] | None:
    """Where the answer to a social-media ticket goes: privately, to whoever wrote it."""
    channel = REPLY_CHANNEL.get(ticket.channel)
    if channel is None:
        return None
    first = session.scalar(
        sa.select(InboundMessage)
        .where(InboundMessage.ticket_id == ticket.id, InboundMessage.outcome == "new_ticket")
        .limit(1)
    )
    if first is None:
        return None
    if ticket.channel is Channel.SOCIAL_X:
        return channel, f"user:{first.sender}"
    return channel, f"psid:{first.sender}"


# --- payloads -------------------------------------------------------------------


def _bad(field: str) -> ValidationError:
    return ValidationError(_l("Geçersiz bildirim içeriği."), field=field)


def _str(value: Any, field: str, *, max_length: int = 128) -> str:
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise _bad(field)
    text = str(value).strip()
    if not text or len(text) > max_length:
        raise _bad(field)
    return text


def _ms(value: Any) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(value) / 1000, tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def parse_meta(payload: Any) -> list[SocialMessage]:
    """Messenger messages and new page comments/posts of a ``page`` webhook."""
    if not isinstance(payload, dict) or payload.get("object") != "page":
        raise _bad("object")
    entries = payload.get("entry")
    if not isinstance(entries, list):
        raise _bad("entry")
    found: list[SocialMessage] = []
    for entry in entries:
        if not isinstance(entry, dict):
            raise _bad("entry")
        page_id = str(entry.get("id") or "")
        for event in entry.get("messaging") or []:
            if not isinstance(event, dict) or not isinstance(event.get("message"), dict):
                continue  # deliveries, reads, postbacks: not a citizen's words
            msg = event["message"]
            if msg.get("is_echo"):
                continue  # our own reply, echoed back
            sender = _str((event.get("sender") or {}).get("id"), "sender.id")
            if sender == page_id:
                continue
            found.append(
                SocialMessage(
                    channel=Channel.SOCIAL_META,
                    external_id=_str(msg.get("mid"), "message.mid"),
                    sender_id=sender,
                    text=str(msg.get("text") or "")[:MAX_TEXT],
                    reply_to=f"psid:{sender}",
                    sent_at=_ms(event.get("timestamp")),
                )
            )
        for change in entry.get("changes") or []:
            if not isinstance(change, dict) or change.get("field") != "feed":
                continue
            value = change.get("value")
            if not isinstance(value, dict) or value.get("verb") != "add":
                continue
            if value.get("item") not in {"comment", "post", "status"}:
                continue
            author = _str((value.get("from") or {}).get("id"), "from.id")
            if author == page_id:
                continue
            item_id = value.get("comment_id") or value.get("post_id")
            external = _str(item_id, "comment_id")
            found.append(
                SocialMessage(
                    channel=Channel.SOCIAL_META,
                    external_id=external,
                    sender_id=author,
                    text=str(value.get("message") or "")[:MAX_TEXT],
                    reply_to=f"comment:{external}"
                    if value.get("item") == "comment"
                    else f"psid:{author}",
                )
            )
    return found


def parse_x(payload: Any) -> list[SocialMessage]:
    """Mentions (``tweet_create_events``) and DMs (``direct_message_events``) for our account."""
    if not isinstance(payload, dict):
        raise _bad("payload")
    account = str(payload.get("for_user_id") or "")
    if not account:
        raise _bad("for_user_id")
    found: list[SocialMessage] = []
    for tweet in payload.get("tweet_create_events") or []:
        if not isinstance(tweet, dict):
            raise _bad("tweet_create_events")
        author = _str((tweet.get("user") or {}).get("id_str"), "user.id_str")
        if author == account or tweet.get("retweeted_status"):
            continue  # our own tweets and retweets are not requests
        found.append(
            SocialMessage(
                channel=Channel.SOCIAL_X,
                external_id=_str(tweet.get("id_str"), "id_str"),
                sender_id=author,
                text=str(tweet.get("text") or "")[:MAX_TEXT],
                reply_to=f"user:{author}",
                sent_at=_ms(tweet.get("timestamp_ms")),
            )
        )
    for event in payload.get("direct_message_events") or []:
        if not isinstance(event, dict) or event.get("type") != "message_create":
            continue
        create = event.get("message_create")
        if not isinstance(create, dict):
            raise _bad("message_create")
        sender = _str(create.get("sender_id"), "sender_id")
        if sender == account:
            continue  # the DM we sent
        found.append(
            SocialMessage(
                channel=Channel.SOCIAL_X,
                external_id="dm:" + _str(event.get("id"), "id"),
                sender_id=sender,
                text=str((create.get("message_data") or {}).get("text") or "")[:MAX_TEXT],
                reply_to=f"user:{sender}",
                sent_at=_ms(event.get("created_timestamp")),
            )
        )
    return found
