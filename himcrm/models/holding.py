"""Department holding segments: the stretches a department held an open ticket.

A rollup of the ticket history for the reports' ``held_hours`` (issue 5): without
it, the hours of one month need a window over every earlier event of every
ticket open in it. Written at the one place history is written
(``himcrm.tickets.lifecycle.record_event``), backfilled from the history by the
migration that created it.

Also here: the indexes on ``ticket_events`` that the monthly report reads through
(the events' own model is the ticket aggregate's; the report's access paths are
kept with the report's table).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from himcrm.models.base import Base
from himcrm.models.ticket import Ticket, TicketEvent


class TicketHoldSegment(Base):
    """From ``since`` until ``until`` (NULL: still held) ``department_id`` held the ticket open.

    One row per uninterrupted stretch: opened by the status-changing event after
    which the ticket is open in a department, closed by the first later one after
    which it is not open or is in another department. Status changes within the
    open states (routed → in progress → on hold ...) do not cut a stretch.
    """

    __tablename__ = "ticket_hold_segments"
    __table_args__ = (
        # Reports: the stretches that end after a period starts, or still run.
        sa.Index("ix_ticket_hold_segments_until", "until", "since", "department_id"),
        # Writes: the ticket's running stretch.
        sa.Index("ix_ticket_hold_segments_ticket_id", "ticket_id"),
    )

    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True
    )
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id"))
    department_id: Mapped[int] = mapped_column(sa.ForeignKey("departments.id"))
    since: Mapped[datetime]
    until: Mapped[datetime | None]

    #: Lets a new ticket's first segment go in with the ticket's own INSERT (one flush).
    ticket: Mapped[Ticket] = relationship()

    def __repr__(self) -> str:
        return f"<TicketHoldSegment {self.ticket_id} {self.department_id} {self.since}>"


_ANSWERED_SQL = "to_status = 'answered'"
# Reopen and transfer events (a few percent of all). Reports filter on these
# values as literals, so the planner can prove the partial index applies.
MOVES = ("reopened", "transferred")
_MOVES_SQL = "kind IN ({})".format(", ".join(f"'{kind}'" for kind in MOVES))
_events = TicketEvent.__table__
# Reports: the reopen and transfer events of a period.
sa.Index(
    "ix_ticket_events_moves_created_at",
    _events.c.created_at,
    postgresql_where=sa.text(_MOVES_SQL),
    sqlite_where=sa.text(_MOVES_SQL),
)
# Reports: the tickets answered in a period, read from the index alone.
sa.Index(
    "ix_ticket_events_answered_created_at",
    _events.c.created_at,
    _events.c.ticket_id,
    postgresql_where=sa.text(_ANSWERED_SQL),
    sqlite_where=sa.text(_ANSWERED_SQL),
)
# Reports: the satisfaction survey answers given in a period (counted when given,
# not when the ticket was answered: a low score reopens the ticket).
SURVEY_SQL = "kind = 'survey'"
sa.Index(
    "ix_ticket_events_survey_created_at",
    _events.c.created_at,
    _events.c.ticket_id,
    postgresql_where=sa.text(SURVEY_SQL),
    sqlite_where=sa.text(SURVEY_SQL),
)
