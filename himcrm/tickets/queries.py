"""Which tickets a user may see: the one scoping rule for every list and page.

Department staff, managers and field teams see the tickets of their department
and its sub-units; operators, back office, supervisors and admins see all.
Every list, detail, search, export and attachment query starts from
:func:`visible_tickets`.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from himcrm.errors import NotFound
from himcrm.models import Ticket, User
from himcrm.organisation import reference_cache


def department_subtree(session: Session, department_id: int) -> set[int]:
    """The department and every unit below it (from the reference snapshot: no query)."""
    children: dict[int | None, list[int]] = {}
    for row in reference_cache.current(session).departments.values():
        children.setdefault(row.parent_id, []).append(row.id)
    found, stack = set(), [department_id]
    while stack:
        current = stack.pop()
        if current in found:
            continue
        found.add(current)
        stack.extend(children.get(current, []))
    return found


def visible_department_ids(session: Session, user: User) -> set[int] | None:
    """None means every department; an empty set means none."""
    if not user.role.is_department_scoped:
        return None
    if user.department_id is None:
        return set()
    return department_subtree(session, user.department_id)


def visible_tickets(session: Session, user: User) -> sa.Select[tuple[Ticket]]:
    stmt = sa.select(Ticket)
    departments = visible_department_ids(session, user)
    if departments is not None:
        stmt = stmt.where(Ticket.department_id.in_(departments))
    return stmt


def get_visible_ticket(session: Session, user: User, number: str) -> Ticket:
    """The ticket by number if the user may see it; otherwise not found.

    Someone else's ticket answers exactly like a missing one (404), so a URL
    cannot be used to learn which numbers exist in other departments.
    """
    ticket = session.scalar(visible_tickets(session, user).where(Ticket.number == number))
    if ticket is None:
        raise NotFound(_l("Başvuru bulunamadı."), field="number")
    return ticket
