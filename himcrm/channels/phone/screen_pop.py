"""Screen pop: "a call for you" pushed to the browser of the operator taking it.

One small interface, two transports:

* :class:`InProcessBroker` — the embedded default (one process, no Redis): a
  queue per open stream, in memory.
* :class:`RedisBroker` — when ``REDIS_URL`` is set: Redis pub/sub on one channel
  per operator, so a webhook handled by one gunicorn worker reaches the stream
  held open by another (or by another machine).

A pop is a hint, not a record: the call itself is in the database, so a pop
lost while a stream reconnects is recovered by :func:`recent_pops` when the
stream comes back. Pops are published only after the webhook's transaction
committed (the caller's job), so nobody is shown a call that was rolled back.
The payload carries the call id, the masked number and the citizen card (names
and open tickets, scoped by what the operator may see): never the full number,
e-mail or kimlik no.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from himcrm.channels.phone.calls import caller_phone
from himcrm.channels.phone.ivr import SPOKEN_STATUS as STATUS_NAMES
from himcrm.citizens.identity import mask_phone
from himcrm.citizens.lookup import lookup_by_phone
from himcrm.models import Call, CallStatus, User

log = logging.getLogger(__name__)

CHANNEL_PREFIX = "himcrm:screen-pop:"
#: A stream opened this soon after a call was answered still shows its pop.
CATCH_UP = timedelta(seconds=60)
OPEN_TICKETS_SHOWN = 5


@dataclass(frozen=True, slots=True)
class ScreenPop:
    operator_id: int
    payload: dict[str, Any]


class Subscription(Protocol):
    def get(self, timeout: float) -> dict[str, Any] | None:
        """The next pop, or None after ``timeout`` seconds without one."""

    def close(self) -> None: ...


class Broker(Protocol):
    def publish(self, operator_id: int, payload: dict[str, Any]) -> None: ...

    def subscribe(self, operator_id: int) -> Subscription: ...


class _QueueSubscription:
    def __init__(self, broker: InProcessBroker, operator_id: int) -> None:
        self.broker = broker
        self.operator_id = operator_id
        self.queue: queue.Queue[dict[str, Any]] = queue.Queue(maxsize=100)

    def get(self, timeout: float) -> dict[str, Any] | None:
        try:
            return self.queue.get(timeout=timeout)
        except queue.Empty:
            return None

    def close(self) -> None:
        self.broker._remove(self)


class InProcessBroker:
    """Pops within one process (the embedded default and the tests)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: dict[int, set[_QueueSubscription]] = {}

    def publish(self, operator_id: int, payload: dict[str, Any]) -> None:
        with self._lock:
            targets = list(self._subscribers.get(operator_id, ()))
        for subscription in targets:
            try:
                subscription.queue.put_nowait(payload)
            except queue.Full:  # a stalled browser: drop the pop, never block the webhook
                log.warning("Screen pop for call %s dropped: stream full", payload.get("call_id"))

    def subscribe(self, operator_id: int) -> Subscription:
        subscription = _QueueSubscription(self, operator_id)
        with self._lock:
            self._subscribers.setdefault(operator_id, set()).add(subscription)
        return subscription

    def _remove(self, subscription: _QueueSubscription) -> None:
        with self._lock:
            subscribers = self._subscribers.get(subscription.operator_id)
            if subscribers is not None:
                subscribers.discard(subscription)
                if not subscribers:
                    del self._subscribers[subscription.operator_id]


class _RedisSubscription:
    def __init__(self, client: Any, operator_id: int) -> None:
        self.pubsub = client.pubsub(ignore_subscribe_messages=True)
        self.pubsub.subscribe(f"{CHANNEL_PREFIX}{operator_id}")

    def get(self, timeout: float) -> dict[str, Any] | None:
        message = self.pubsub.get_message(timeout=timeout)
        if message is None or message.get("type") != "message":
            return None
        try:
            payload = json.loads(message["data"])
        except (TypeError, ValueError):
            return None
        return payload if isinstance(payload, dict) else None

    def close(self) -> None:
        self.pubsub.close()


class RedisBroker:
    """Pops across gunicorn workers and machines, through Redis pub/sub."""

    def __init__(self, url: str) -> None:
        import redis

        self.client = redis.Redis.from_url(url)

    def publish(self, operator_id: int, payload: dict[str, Any]) -> None:
        self.client.publish(f"{CHANNEL_PREFIX}{operator_id}", json.dumps(payload))

    def subscribe(self, operator_id: int) -> Subscription:
        return _RedisSubscription(self.client, operator_id)


_broker_lock = threading.Lock()


def broker_for(app: Flask) -> Broker:
    """The app's broker, made on first use: Redis with ``REDIS_URL``, in-process without."""
    existing = app.extensions.get("himcrm_screen_pop")
    if existing is not None:
        return existing
    with _broker_lock:
        existing = app.extensions.get("himcrm_screen_pop")
        if existing is None:
            url = app.config["HIMCRM_SETTINGS"].redis_url
            existing = RedisBroker(url) if url else InProcessBroker()
            app.extensions["himcrm_screen_pop"] = existing
    return existing


def build_pop(session: Session, call: Call, operator: User) -> ScreenPop:
    """The pop for the operator taking ``call``: masked number and citizen card."""
    phone = caller_phone(call.from_number)
    citizens: list[dict[str, Any]] = []
    if phone is not None:
        found = lookup_by_phone(session, operator, phone)
        for card in found.citizens:
            open_tickets = [t for t in card.tickets if t.is_open][:OPEN_TICKETS_SHOWN]
            citizens.append(
                {
                    "full_name": card.full_name,
                    "district": card.district_name or "",
                    "ticket_count": card.ticket_count,
                    "open_tickets": [
                        {
                            "number": t.number,
                            "status": t.status.value,
                            "status_label": str(STATUS_NAMES.get(t.status, t.status.value)),
                            "topic": t.topic_name or "",
                        }
                        for t in open_tickets
                    ],
                }
            )
    payload = {
        "type": "call",
        "call_id": call.id,
        "provider": call.provider,
        "number": mask_phone(phone) if phone else "",
        "known_number": phone is not None,
        "status": call.status.value,
        "citizens": citizens,
    }
    return ScreenPop(operator.id, payload)


def deliver(broker: Broker, pops: Iterable[ScreenPop]) -> None:
    """Publish pops; call only after the transaction that recorded the call committed."""
    for pop in pops:
        try:
            broker.publish(pop.operator_id, pop.payload)
        except Exception:  # a pop is a hint: a broker outage must not fail the webhook
            log.exception("Screen pop for call %s not delivered", pop.payload.get("call_id"))


def recent_pops(session: Session, operator: User, now: datetime) -> list[ScreenPop]:
    """Calls this operator answered a moment ago and is still on (for a reconnecting stream)."""
    calls = session.scalars(
        sa.select(Call)
        .where(
            Call.operator_id == operator.id,
            Call.status == CallStatus.ANSWERED,
            Call.answered_at >= now - CATCH_UP,
        )
        .order_by(Call.answered_at.desc())
        .limit(3)
    )
    return [build_pop(session, call, operator) for call in calls]


def sse_event(payload: dict[str, Any]) -> str:
    """One Server-Sent Events message carrying ``payload`` as JSON."""
    return f"event: call\nid: {payload.get('call_id', '')}\ndata: {json.dumps(payload)}\n\n"


__all__ = [
    "Broker",
    "InProcessBroker",
    "RedisBroker",
    "ScreenPop",
    "Subscription",
    "broker_for",
    "build_pop",
    "deliver",
    "recent_pops",
    "sse_event",
]
