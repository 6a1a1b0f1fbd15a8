"""Social media intake: payload shapes, once per message, a conversation is one ticket,
and the answer goes back privately where the request was made."""

from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from himcrm.channels.social import (
    SocialMessage,
    handle_social_message,
    parse_meta,
    parse_x,
    reply_target,
)
from himcrm.errors import ValidationError
from himcrm.models import (
    Channel,
    EventKind,
    InboundMessage,
    Notification,
    NotificationChannel,
    ReplyChannel,
    Role,
    Ticket,
    TicketStatus,
)
from himcrm.tickets import replies
from himcrm.tickets.lifecycle import Actor
from himcrm.tickets.triage import triage_ticket
from tests.conftest import user

PAGE = "104857600000001"

# The shapes of Meta's "page" webhook (Messenger Platform docs: messages, message_echoes,
# message_deliveries; Graph API "feed" field for page comments).
MESSENGER = {
    "object": "page",
    "entry": [
        {
            "id": PAGE,
            "time": 1763370000000,
            "messaging": [
                {
                    "sender": {"id": "6543210987654321"},
                    "recipient": {"id": PAGE},
                    "timestamp": 1763370000000,
                    "message": {
                        "mid": "m_AbC123",
                        "text": "Sokağımızdaki çöpler 3 gündür alınmadı",
                    },
                },
                {
                    "sender": {"id": PAGE},
                    "recipient": {"id": "6543210987654321"},
                    "timestamp": 1763370001000,
                    "message": {"mid": "m_echo", "is_echo": True, "text": "Başvurunuz alındı"},
                },
                {
                    "sender": {"id": "6543210987654321"},
                    "recipient": {"id": PAGE},
                    "delivery": {"mids": ["m_echo"], "watermark": 1763370001000},
                },
            ],
        }
    ],
}
FEED_COMMENT = {
    "object": "page",
    "entry": [
        {
            "id": PAGE,
            "time": 1763370100,
            "changes": [
                {
                    "field": "feed",
                    "value": {
                        "from": {"id": "7777", "name": "Mehmet Yılmaz"},
                        "item": "comment",
                        "comment_id": "1234_5678",
                        "post_id": "1234",
                        "verb": "add",
                        "message": "Bornova'da park lambaları yanmıyor",
                        "created_time": 1763370100,
                    },
                },
                {
                    "field": "feed",
                    "value": {"item": "reaction", "verb": "add", "from": {"id": "8"}},
                },
            ],
        }
    ],
}
# X Account Activity API shapes: tweet_create_events (a mention) and direct_message_events.
X_ACCOUNT = "3001"
X_EVENTS = {
    "for_user_id": X_ACCOUNT,
    "tweet_create_events": [
        {
            "id_str": "1858000000000000001",
            "text": "@izmirbld Karşıyaka sahilde ağaç devrildi",
            "timestamp_ms": "1763370200000",
            "user": {"id_str": "4242", "screen_name": "vatandas"},
        },
        {
            "id_str": "1858000000000000002",
            "text": "Duyuru: su kesintisi",
            "user": {"id_str": X_ACCOUNT, "screen_name": "izmirbld"},
        },
    ],
    "direct_message_events": [
        {
            "type": "message_create",
            "id": "1858000000000000100",
            "created_timestamp": "1763370300000",
            "message_create": {
                "target": {"recipient_id": X_ACCOUNT},
                "sender_id": "4242",
                "message_data": {"text": "Ağaç hâlâ yolda duruyor"},
            },
        }
    ],
}


def test_meta_payloads_yield_messages_and_comments_only() -> None:
    [message] = parse_meta(MESSENGER)
    assert message.channel is Channel.SOCIAL_META
    assert (message.external_id, message.sender_id) == ("m_AbC123", "6543210987654321")
    assert message.reply_to == "psid:6543210987654321"
    assert message.sent_at is not None and message.sent_at.year == 2025
    [comment] = parse_meta(FEED_COMMENT)
    assert comment.external_id == "1234_5678" and comment.reply_to == "comment:1234_5678"


def test_x_payloads_skip_our_own_tweets() -> None:
    mention, dm = parse_x(X_EVENTS)
    assert (mention.external_id, mention.sender_id) == ("1858000000000000001", "4242")
    assert dm.external_id == "dm:1858000000000000100" and dm.reply_to == "user:4242"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"object": "user"}, "object"),
        ({"object": "page", "entry": "x"}, "entry"),
        ({"object": "page", "entry": [{"messaging": [{"message": {"mid": "m"}}]}]}, "sender.id"),
        ([], "object"),
    ],
)
def test_malformed_meta_payloads_name_the_field(payload: object, field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        parse_meta(payload)
    assert refused.value.field == field


def test_malformed_x_payload_names_the_field() -> None:
    with pytest.raises(ValidationError) as refused:
        parse_x({"tweet_create_events": []})
    assert refused.value.field == "for_user_id"
    with pytest.raises(ValidationError) as refused:
        parse_x({"for_user_id": "1", "tweet_create_events": [{"user": {"id_str": "9"}}]})
    assert refused.value.field == "id_str"


def _count(session: Session, model: type) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def test_first_message_is_a_ticket_for_triage_with_a_private_acknowledgement(
    session: Session, now: datetime
) -> None:
    [message] = parse_meta(MESSENGER)
    result = handle_social_message(session, message, now=now)
    assert result.outcome == "new_ticket" and result.ticket is not None
    ticket = result.ticket
    assert ticket.channel is Channel.SOCIAL_META and ticket.external_id == "m_AbC123"
    assert ticket.status is TicketStatus.NEW and ticket.citizen_id is None
    [ack] = session.scalars(sa.select(Notification).where(Notification.ticket_id == ticket.id))
    assert ack.channel is NotificationChannel.SOCIAL_META
    assert ack.recipient == "psid:6543210987654321" and ack.template == "ticket_created"
    assert ack.context["token"] == ticket.tracking_token


def test_replayed_event_records_nothing_twice(session: Session, now: datetime) -> None:
    [message] = parse_meta(MESSENGER)
    handle_social_message(session, message, now=now)
    tickets, inbound, outbox = (_count(session, m) for m in (Ticket, InboundMessage, Notification))
    assert handle_social_message(session, message, now=now).outcome == "duplicate"
    assert (_count(session, Ticket), _count(session, InboundMessage)) == (tickets, inbound)
    assert _count(session, Notification) == outbox


def test_the_same_person_writing_again_adds_a_note_to_the_open_ticket(
    session: Session, now: datetime
) -> None:
    mention, dm = parse_x(X_EVENTS)
    first = handle_social_message(session, mention, now=now)
    second = handle_social_message(session, dm, now=now)
    assert second.outcome == "note" and second.ticket is first.ticket
    assert first.ticket is not None
    notes = [e for e in first.ticket.events if e.kind is EventKind.NOTE]
    assert [n.reason for n in notes] == ["Ağaç hâlâ yolda duruyor"]
    assert notes[0].actor_label == "social_x"


def test_an_empty_message_is_kept_but_makes_no_ticket(session: Session, now: datetime) -> None:
    sticker = SocialMessage(Channel.SOCIAL_META, "m_sticker", "55", "  ", "psid:55")
    tickets = _count(session, Ticket)
    assert handle_social_message(session, sticker, now=now).outcome == "ignored"
    assert _count(session, Ticket) == tickets
    record = session.scalar(
        sa.select(InboundMessage).where(InboundMessage.external_id == "m_sticker")
    )
    assert record is not None and record.outcome == "ignored"


def test_the_answer_goes_back_as_a_direct_message(session: Session, now: datetime) -> None:
    mention, _dm = parse_x(X_EVENTS)
    ticket = handle_social_message(session, mention, now=now).ticket
    assert ticket is not None
    assert reply_target(session, ticket) == (NotificationChannel.SOCIAL_X, "user:4242")
    back_office = Actor(user(session, Role.BACK_OFFICE))
    triage_ticket(session, ticket, "FEN.YOL.01", back_office, district_code="KARSIYAKA", now=now)
    staff = Actor(
        user(session, Role.DEPT_STAFF, ticket.department.code if ticket.department else None)
    )
    reply = replies.submit(session, ticket, staff, now=now, body="Ağaç kaldırıldı, teşekkürler.")
    assert ticket.status is TicketStatus.ANSWERED
    assert reply.channel is ReplyChannel.SOCIAL
    answer = session.scalar(
        sa.select(Notification).where(
            Notification.ticket_id == ticket.id, Notification.template == "ticket_answered"
        )
    )
    assert answer is not None
    assert (answer.channel, answer.recipient) == (NotificationChannel.SOCIAL_X, "user:4242")
