"""A per-process snapshot of the reference data, checked by one token per transaction.

Intake, routing and the SLA clock read the same few hundred rows on every
ticket: the topic tree, the routing rules, the departments with their
calendars and holidays, the districts. Loading them through the ORM cost more
than half of the create-ticket API's time (issue 9, bench/RESULTS.md "Intake").
So each process keeps one immutable :class:`Reference` per database and, once
per transaction, compares its token with ``reference_version.token``:

* every ORM flush that writes a reference row sets a new random token in the
  same transaction (:func:`_bump_on_change`), so a commit publishes the change
  to every process at once and a rollback publishes nothing;
* a snapshot is built inside the reading transaction, so it is exactly what
  that transaction sees; a snapshot of a transaction that later rolls back
  carries a token nobody else will ever read.

Rows handed out are attached to the caller's session with
``Session.merge(load=False)``: real ORM objects (relationships, lazy loads),
no SELECT. The cached rows are detached and only ever read.
"""

from __future__ import annotations

import itertools
import threading
import uuid
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, selectinload

from himcrm.models import (
    REFERENCE_ROW,
    BusinessCalendar,
    Department,
    District,
    HolidayOverride,
    ReferenceVersion,
    RoutingRule,
    TopicCode,
)
from himcrm.sla.calendar import WorkCalendar

#: The models whose rows the snapshot holds; writing any of them bumps the token.
REFERENCE_MODELS: tuple[type[Any], ...] = (
    BusinessCalendar,
    Department,
    District,
    HolidayOverride,
    RoutingRule,
    TopicCode,
)
DEFAULT_CALENDAR_CODE = "default"
_SESSION_KEY = "himcrm.reference"

Row = TypeVar("Row")


def calendar_from_row(row: BusinessCalendar) -> WorkCalendar:
    overrides = {o.day.isoformat(): o.hours for o in row.overrides}
    return WorkCalendar.from_json(
        row.weekly_hours,
        timezone=row.timezone,
        always_open=row.always_open,
        public_holidays=row.public_holidays,
        overrides_json=overrides,
    )


@dataclass(frozen=True)
class Reference:
    """The reference data one transaction sees (read-only; shared between threads)."""

    token: str | None
    topics_by_code: Mapping[str, TopicCode]
    topics_by_id: Mapping[int, TopicCode]
    leaf_ids: frozenset[int]
    #: active routing rules per topic id: (district id or None, department id)
    rules: Mapping[int, tuple[tuple[int | None, int], ...]]
    departments: Mapping[int, Department]
    districts_by_code: Mapping[str, District]
    #: the calendar each department works by (its own, its parent's, or the default)
    calendars: Mapping[int, WorkCalendar]
    default_calendar: WorkCalendar = field(default_factory=WorkCalendar)

    def topic_chain(self, topic_id: int) -> list[TopicCode]:
        """The topic and its ancestors, nearest first."""
        chain: list[TopicCode] = []
        node = self.topics_by_id.get(topic_id)
        while node is not None and len(chain) <= len(self.topics_by_id):
            chain.append(node)
            node = self.topics_by_id.get(node.parent_id) if node.parent_id else None
        return chain

    def calendar_for(self, department_id: int | None) -> WorkCalendar:
        if department_id is None:
            return self.default_calendar
        return self.calendars.get(department_id, self.default_calendar)


def current(session: Session) -> Reference:
    """The snapshot for ``session``'s transaction: one token SELECT, memoised per transaction."""
    memo: Reference | None = session.info.get(_SESSION_KEY)
    if memo is not None:
        return memo
    # An ORM statement: pending reference changes are flushed (and the token bumped) first.
    token = session.scalar(
        sa.select(ReferenceVersion.token).where(ReferenceVersion.id == REFERENCE_ROW)
    )
    key = _database_key(session)
    with _lock:
        cached = _snapshots.get(key)
    if cached is None or token is None or cached.token != token:
        cached = _build(session, token)
        if token is not None:
            with _lock:
                _snapshots.pop(key, None)
                _snapshots[key] = cached
                while len(_snapshots) > _MAX_DATABASES:  # tests make many databases
                    del _snapshots[next(iter(_snapshots))]
    session.info[_SESSION_KEY] = cached
    return cached


def attach(session: Session, row: Row) -> Row:
    """The session's own instance of a cached row, without a SELECT."""
    key = sa.inspect(row, raiseerr=True).key
    existing = session.identity_map.get(key) if key is not None else None
    if existing is not None:
        return cast(Row, existing)
    return session.merge(row, load=False)


def bump(session: Session) -> None:
    """A new token, in the session's transaction (for writes the ORM does not see)."""
    table = cast(sa.Table, ReferenceVersion.__table__)
    connection = session.connection()
    token = uuid.uuid4().hex
    updated = connection.execute(
        sa.update(table).where(table.c.id == REFERENCE_ROW).values(token=token)
    )
    if updated.rowcount == 0:
        connection.execute(sa.insert(table).values(id=REFERENCE_ROW, token=token))
    session.info.pop(_SESSION_KEY, None)


# --------------------------------------------------------------------------- internals

_lock = threading.Lock()
_snapshots: dict[str, Reference] = {}
#: A process serves one database; the bound only matters where tests make many.
_MAX_DATABASES = 8


def _database_key(session: Session) -> str:
    bind = session.get_bind()
    engine = bind.engine if isinstance(bind, Connection) else bind
    return f"{id(engine)}:{engine.url}"


def _build(session: Session, token: str | None) -> Reference:
    """Read every reference row in the caller's transaction, then detach them."""
    with Session(bind=session.connection(), autoflush=False) as reader:
        topics = reader.scalars(sa.select(TopicCode)).all()
        departments = reader.scalars(sa.select(Department)).all()
        districts = reader.scalars(sa.select(District)).all()
        rules = reader.execute(
            sa.select(
                RoutingRule.topic_code_id, RoutingRule.district_id, RoutingRule.department_id
            ).where(RoutingRule.is_active.is_(True))
        ).all()
        calendar_rows = reader.scalars(
            sa.select(BusinessCalendar).options(selectinload(BusinessCalendar.overrides))
        ).all()
        work_calendars = {row.id: calendar_from_row(row) for row in calendar_rows}
        default_id = next(
            (row.id for row in calendar_rows if row.code == DEFAULT_CALENDAR_CODE), None
        )
        reader.expunge_all()

    default = work_calendars[default_id] if default_id is not None else WorkCalendar()
    by_rule: dict[int, list[tuple[int | None, int]]] = defaultdict(list)
    for topic_id, district_id, department_id in rules:
        by_rule[topic_id].append((district_id, department_id))
    parents = {t.parent_id for t in topics if t.parent_id is not None}
    departments_by_id = {d.id: d for d in departments}
    return Reference(
        token=token,
        topics_by_code={t.code: t for t in topics},
        topics_by_id={t.id: t for t in topics},
        leaf_ids=frozenset(t.id for t in topics if t.id not in parents),
        rules={k: tuple(v) for k, v in by_rule.items()},
        departments=departments_by_id,
        districts_by_code={d.code: d for d in districts},
        calendars=_department_calendars(departments_by_id, work_calendars, default),
        default_calendar=default,
    )


def _department_calendars(
    departments: Mapping[int, Department],
    calendars: Mapping[int, WorkCalendar],
    default: WorkCalendar,
) -> dict[int, WorkCalendar]:
    """Each department's own calendar, else its nearest ancestor's, else the default."""
    resolved: dict[int, WorkCalendar] = {}
    for department_id in departments:
        seen: set[int] = set()
        current_id: int | None = department_id
        found = default
        while current_id is not None and current_id not in seen:
            seen.add(current_id)
            row = departments.get(current_id)
            if row is None:
                break
            if row.calendar_id is not None and row.calendar_id in calendars:
                found = calendars[row.calendar_id]
                break
            current_id = row.parent_id
        resolved[department_id] = found
    return resolved


@event.listens_for(Session, "before_flush")
def _bump_on_change(session: Session, _context: Any, _instances: Any) -> None:
    """A flush that writes reference rows also writes a new token (same transaction)."""
    added_or_deleted = itertools.chain(session.new, session.deleted)
    if any(isinstance(obj, REFERENCE_MODELS) for obj in added_or_deleted) or any(
        isinstance(obj, REFERENCE_MODELS) and session.is_modified(obj) for obj in session.dirty
    ):
        bump(session)


@event.listens_for(Session, "after_transaction_end")
def _forget_on_transaction_end(session: Session, transaction: Any) -> None:
    """The next transaction may see other processes' commits: check the token again."""
    if transaction.parent is None:
        session.info.pop(_SESSION_KEY, None)
