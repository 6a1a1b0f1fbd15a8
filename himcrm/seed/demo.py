"""Demo tickets for the one-command demo: every channel and life-cycle state."""

from __future__ import annotations

import random
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from himcrm.citizens.service import CitizenInput
from himcrm.models import Role, Ticket, TopicCode, User, utcnow
from himcrm.seed import data
from himcrm.tickets import lifecycle
from himcrm.tickets.intake import TicketInput, create_ticket
from himcrm.tickets.lifecycle import Actor

FIRST_NAMES = (
    "Ayşe",
    "Mehmet",
    "Fatma",
    "Mustafa",
    "Zeynep",
    "Ahmet",
    "Elif",
    "Hüseyin",
    "Emine",
    "İbrahim",
)
LAST_NAMES = (
    "Yılmaz",
    "Kaya",
    "Demir",
    "Çelik",
    "Şahin",
    "Yıldız",
    "Öztürk",
    "Aydın",
    "Özdemir",
    "Arslan",
)
CHANNELS = (
    ("phone",) * 10
    + ("web",) * 3
    + ("social_x", "social_meta", "field", "email", "district_municipality")
)
DEMO_COUNT = 40


def seed_demo_tickets(session: Session, *, count: int = DEMO_COUNT, seed: int = 2026) -> int:
    """Create demo tickets (idempotent by external id ``demo-N``); returns how many were new."""
    leaves = [t for t in data.TOPICS if t.department and t.resolution_hours]
    districts = [d.code for d in data.DISTRICTS]
    operator = session.scalar(sa.select(User).where(User.role == Role.OPERATOR).limit(1))
    manager = session.scalar(sa.select(User).where(User.role == Role.DEPT_MANAGER).limit(1))
    now = utcnow()
    created = 0
    for n in range(1, count + 1):
        # One generator per ticket: a rerun draws the same values for ticket n
        # whether or not the earlier tickets already existed.
        rng = random.Random(f"{seed}-{n}")  # noqa: S311 -- reproducible demo data, not secrets
        topic = rng.choice(leaves)
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        channel = rng.choice(CHANNELS)
        when = now - timedelta(hours=(count - n) * 17 + rng.randint(1, 10))  # oldest first
        result = create_ticket(
            session,
            TicketInput(
                channel=channel,
                external_id=f"demo-{n}",
                description=f"{topic.name_tr}: vatandaş bildirimi (demo #{n}).",
                topic_code=None
                if channel in {"web", "social_x", "social_meta"} and n % 2
                else topic.code,
                district_code=rng.choice(districts),
                neighbourhood="Merkez Mahallesi",
                address=f"{rng.randint(1, 3000)}. Sokak No: {rng.randint(1, 120)}",
                citizen=CitizenInput(
                    full_name=f"{first} {last}",
                    phone=f"+90555{rng.randint(1_000_000, 9_999_999)}",
                    kvkk_consent=True,
                ),
            ),
            actor=operator if channel == "phone" else None,
            now=when,
        )
        if not result.created:
            continue
        created += 1
        _advance(session, result.ticket, rng, manager)
    session.flush()
    return created


def _advance(session: Session, ticket: Ticket, rng: random.Random, manager: User | None) -> None:
    """Move some demo tickets along so every inbox and state has something in it."""
    if ticket.department_id is None:
        return
    staff = session.scalar(
        sa.select(User)
        .where(User.department_id == ticket.department_id, User.role == Role.DEPT_STAFF)
        .limit(1)
    )
    actor = Actor(user=staff) if staff else Actor.system()
    step = rng.random()
    if step < 0.25:
        return
    lifecycle.start(ticket, actor)
    if step < 0.45:
        return
    if step < 0.55:
        lifecycle.hold(ticket, actor, reason="Vatandaştan ek bilgi bekleniyor.")
        return
    topic: TopicCode | None = ticket.topic_code
    if topic is not None and topic.needs_approval:
        lifecycle.submit_for_approval(ticket, actor)
        if step < 0.8 or manager is None:
            return
        lifecycle.approve(ticket, Actor(user=manager))
    else:
        lifecycle.answer(ticket, actor)
    if step > 0.9:
        lifecycle.close(ticket, Actor.system())
