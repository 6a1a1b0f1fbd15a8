"""Job functions used by the job-runtime tests (importable by a worker process)."""

from __future__ import annotations

from himcrm.extensions import db
from himcrm.models import Ticket
from himcrm.tickets import lifecycle
from himcrm.tickets.lifecycle import Actor


def add_note(ticket_id: int, text: str) -> str:
    """Reload the ticket by id (jobs take ids, not objects), note, commit."""
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None:
        raise LookupError(ticket_id)
    lifecycle.add_note(ticket, Actor(label="worker"), text)
    db.session.commit()
    return ticket.number
