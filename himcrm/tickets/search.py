"""Staff search: by ticket number, by phone, by citizen name and over the description.

One box takes whatever the caller or colleague said. What the query looks like
decides how it is read:

* ``2026-000123``, ``2026-123`` → that ticket number; ``123`` → number 123 of
  any year that has tickets;
* a phone number (10+ digits, any spacing) → tickets of citizens on that number;
* anything else → citizen names and the ticket description.

Every query starts from :func:`visible_tickets`, so department staff find only
their department's tickets.

Free text on PostgreSQL uses full-text search: the description with the
``turkish`` configuration (stemming: "çukurlar" finds "çukur"), the name with
``simple`` and prefix matching, each through its GIN index (the description's
vector is stored, migration 5e0c1f2a9b7d), in a transaction tuned for them
(:func:`_tune_text_search`). On SQLite (the small default deployment)
every word must occur as a substring of the description or the name. SQLite's
``lower()`` folds ASCII only, so a Python function registered on the connection
compares Turkish-lower-cased, ASCII-folded text ("IŞIK" = "ışık" = "isik");
there is no stemming there, so "çukurlar" does not find "çukur".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from himcrm.citizens.identity import normalise_phone
from himcrm.db_setup import without_jit
from himcrm.errors import ValidationError
from himcrm.models import (
    OPEN_STATUSES,
    Citizen,
    Department,
    District,
    Ticket,
    TicketNumberCounter,
    TicketStatus,
    TopicCode,
    User,
)
from himcrm.text import search_key, tr_lower
from himcrm.tickets.queries import visible_tickets

PER_PAGE = 50
MAX_QUERY = 200
MAX_PAGE = 200  # deep pages of a free-text search are not how people find a ticket

_NUMBER = re.compile(r"^(\d{4})\s*[-/]\s*(\d{1,9})$")
_SHORT_NUMBER = re.compile(r"^\d{1,7}$")
_PHONE_CHARS = re.compile(r"^\+?[\d\s().-]+$")
_SQLITE_FOLD = "himcrm_search_key"


@dataclass(frozen=True, slots=True)
class TicketHit:
    number: str
    status: TicketStatus
    topic_code: str | None
    topic_name: str | None
    department: str | None
    district: str | None
    citizen_name: str | None
    citizen_phone: str | None
    created_at: datetime
    resolution_due_at: datetime | None
    sla_paused: bool

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


@dataclass(frozen=True, slots=True)
class SearchResult:
    query: str
    kind: str  # "empty" | "number" | "phone" | "text"
    hits: list[TicketHit]
    page: int
    per_page: int
    has_next: bool

    @property
    def has_prev(self) -> bool:
        return self.page > 1


def search_tickets(
    session: Session, user: User, query: str, *, dialect: str, page: int = 1
) -> SearchResult:
    """The tickets ``user`` may see that match ``query``, one page at a time.

    ``dialect`` is the database's SQLAlchemy dialect name ("postgresql" or
    "sqlite"). Raises :class:`ValidationError` (field ``q``) for a query that is
    too long or a phone number that cannot be read.
    """
    text = " ".join((query or "").split())
    if len(text) > MAX_QUERY:
        raise ValidationError(
            _l("Arama metni en fazla %(n)s karakter olabilir.", n=MAX_QUERY), field="q"
        )
    page = min(max(page, 1), MAX_PAGE)
    if not text:
        return SearchResult(text, "empty", [], page, PER_PAGE, False)

    visible = visible_tickets(session, user)  # the user's scope, read once
    base = _base(visible)
    order: list[Any]
    if numbers := _ticket_numbers(session, text):
        kind = "number"
        stmt = base.where(Ticket.number.in_(numbers))
        order = [Ticket.created_at.desc()]
    elif (phone := _phone(text)) is not None:
        kind = "phone"
        stmt = base.where(Citizen.phone == phone)
        order = [Ticket.created_at.desc()]
    else:
        kind = "text"
        if dialect == "postgresql":
            _tune_text_search(session)
            stmt, order = _postgres_text(visible, base, text)
        else:
            stmt, order = _sqlite_text(session, base, text)

    offset = (page - 1) * PER_PAGE
    rows = session.execute(
        stmt.order_by(*order, Ticket.id.desc()).limit(PER_PAGE + 1).offset(offset)
    ).all()
    hits = [_hit(row) for row in rows[:PER_PAGE]]
    return SearchResult(text, kind, hits, page, PER_PAGE, len(rows) > PER_PAGE)


def _base(visible: sa.Select[Any]) -> sa.Select[Any]:
    """The visible tickets, narrowed to the columns a result row shows."""
    return (
        visible.with_only_columns(
            Ticket.number,
            Ticket.status,
            TopicCode.code,
            TopicCode.name_tr,
            Department.name,
            District.name,
            Citizen.full_name,
            Citizen.phone,
            Ticket.created_at,
            Ticket.resolution_due_at,
            Ticket.sla_paused_at,
            maintain_column_froms=False,
        )
        .select_from(Ticket)
        .outerjoin(TopicCode, TopicCode.id == Ticket.topic_code_id)
        .outerjoin(Department, Department.id == Ticket.department_id)
        .outerjoin(District, District.id == Ticket.district_id)
        .outerjoin(Citizen, Citizen.id == Ticket.citizen_id)
    )


def _hit(row: sa.Row[Any]) -> TicketHit:
    number, status, code, topic, department, district, name, phone, created, due, paused = row
    return TicketHit(
        number=number,
        status=TicketStatus(status),
        topic_code=code,
        topic_name=topic,
        department=department,
        district=district,
        citizen_name=name or None,
        citizen_phone=phone,
        created_at=created,
        resolution_due_at=due,
        sla_paused=paused is not None,
    )


def _ticket_numbers(session: Session, text: str) -> list[str]:
    """The ticket numbers a query names: ``2026-123`` → ``2026-000123``."""
    if match := _NUMBER.match(text):
        return [f"{match.group(1)}-{int(match.group(2)):06d}"]
    if _SHORT_NUMBER.match(text) and int(text) > 0:
        years = session.scalars(sa.select(TicketNumberCounter.year)).all()
        return [f"{year}-{int(text):06d}" for year in sorted(years, reverse=True)]
    return []


def _phone(text: str) -> str | None:
    """E.164 for a query that looks like a phone number, else None."""
    digits = sum(ch.isdigit() for ch in text)
    if digits < 10 or not _PHONE_CHARS.match(text):
        return None
    return normalise_phone(text, field="q")


def _pg_lowered_variants(text: str) -> list[str]:
    """The query lower-cased the Turkish way, plus the forms PostgreSQL's lower() makes.

    The database lower-cases with a non-Turkish locale, so a stored "Işık" is
    indexed as "işık" and "IŞIK" as "işik", while the Turkish lower case of what
    the user typed is "ışık". Searching all three forms finds each spelling.
    """
    lowered = tr_lower(text)
    capitalised = re.sub(r"(?<!\w)ı", "i", lowered)
    all_caps = lowered.replace("ı", "i")
    return list(dict.fromkeys((lowered, capitalised, all_caps)))


#: Full text ranks the newest matches only: a common word ("çukur", "lütfen")
#: matches a tenth of all tickets, and ranking them all took seconds (bench/RESULTS.md).
#: 2,000 at 1M tickets; at 10M a two-word query matching 0.3% of tickets walked
#: 600k rows to find 2,000 (0.35 s), so 500: ten pages, then more words narrow it.
TEXT_CANDIDATES = 500
#: People matched by name whose tickets are shown, the most recently registered first.
NAME_CANDIDATES = 500
#: Enough memory for a name's bitmap to stay exact at 10M tickets (5M citizens):
#: with the default 4 MB it went lossy and rechecked half a million names.
TEXT_SEARCH_WORK_MEM = "16MB"
#: The newest tickets are in memory: walking a department's tickets backwards for a
#: common word (20k rows) is cheaper than a bitmap of its million matches, which
#: the default 4.0 (a disk seek per row) hid from the planner (0.6 s at 10M).
TEXT_SEARCH_RANDOM_PAGE_COST = 1.1
#: The stored ``to_tsvector('turkish', description)`` (PostgreSQL only, see the
#: migration 5e0c1f2a9b7d): matched and ranked without recomputing it per row.
SEARCH_VECTOR: sa.ColumnElement[Any] = sa.literal_column("tickets.search_vector")


def _postgres_text(
    visible: sa.Select[Any], base: sa.Select[Any], text: str
) -> tuple[sa.Select[Any], list[Any]]:
    """Full-text matches of the description and of citizen names, each through its index.

    The two are separate branches of a UNION ALL rather than one OR across the
    join: an OR spanning two tables can use neither GIN index. The description
    branch takes the newest :data:`TEXT_CANDIDATES` matches the user may see and
    ranks only those; the display columns are joined for the page alone.
    """
    variants = _pg_lowered_variants(text)
    any_variant: Any = sa.func.plainto_tsquery("turkish", variants[0])
    for q in variants[1:]:
        any_variant = any_variant.op("||")(sa.func.plainto_tsquery("turkish", q))
    newest = (
        visible.with_only_columns(Ticket.id.label("ticket_id"), maintain_column_froms=False)
        .select_from(Ticket)
        .where(SEARCH_VECTOR.op("@@")(any_variant))
        .order_by(Ticket.id.desc())
        .limit(TEXT_CANDIDATES)
        .subquery("newest")
    )
    branches = [
        sa.select(
            newest.c.ticket_id,
            sa.func.ts_rank(SEARCH_VECTOR, any_variant).label("rank"),
        ).join(Ticket, Ticket.id == newest.c.ticket_id)
    ]
    if prefix_query := _name_prefix_query(text):
        name_match = sa.func.to_tsvector("simple", Citizen.full_name).op("@@")(
            sa.func.to_tsquery("simple", prefix_query)
        )
        # A common name ("Ayşe Yıl") is tens of thousands of people in a city of
        # millions: the most recently registered of them, and their newest tickets.
        people = (
            sa.select(Citizen.id)
            .where(name_match)
            # "+ 0": not in the primary key's order, so the planner cannot walk the
            # key backwards filtering every name (a prefix nobody has: all 5M
            # citizens, 2.8 s); the name index finds the few, then they are sorted.
            .order_by((Citizen.id + 0).desc())
            .limit(NAME_CANDIDATES)
            .subquery("people")
        )
        named = (
            visible.with_only_columns(Ticket.id.label("ticket_id"), maintain_column_froms=False)
            .select_from(Ticket)
            .where(Ticket.citizen_id.in_(sa.select(people.c.id)))
            .order_by(Ticket.id.desc())
            .limit(TEXT_CANDIDATES)
            .subquery("named")
        )
        # A name found is what the searcher meant: it outranks any description.
        branches.append(sa.select(named.c.ticket_id, sa.literal(1.0, sa.Float).label("rank")))
    union = sa.union_all(*branches).subquery("matches")
    matches = (
        sa.select(union.c.ticket_id, sa.func.sum(union.c.rank).label("rank"))
        .group_by(union.c.ticket_id)
        .subquery("ranked")
    )
    stmt = base.join(matches, matches.c.ticket_id == Ticket.id)
    return stmt, [matches.c.rank.desc(), Ticket.created_at.desc()]


def _tune_text_search(session: Session) -> None:
    """For the transaction: no JIT (0.5 s on a 67 ms search at 10M) and work_mem for bitmaps."""
    without_jit(session)
    session.execute(sa.text(f"SET LOCAL work_mem = '{TEXT_SEARCH_WORK_MEM}'"))
    session.execute(sa.text(f"SET LOCAL random_page_cost = {TEXT_SEARCH_RANDOM_PAGE_COST}"))


def _name_prefix_query(text: str) -> str:
    """``"Işıl Ka"`` → ``(ışıl:* | işıl:* | işil:*) & (ka:*)``: every word, as a prefix."""
    terms = []
    for word in text.split():
        forms = ["".join(ch for ch in form if ch.isalnum()) for form in _pg_lowered_variants(word)]
        forms = [form for form in dict.fromkeys(forms) if form]
        if forms:
            terms.append("(" + " | ".join(f"{form}:*" for form in forms) + ")")
    return " & ".join(terms)


def _sqlite_text(
    session: Session, base: sa.Select[Any], text: str
) -> tuple[sa.Select[Any], list[Any]]:
    _register_sqlite_fold(session)
    words = [_like_escape(search_key(word)) for word in text.split()]

    def all_words(column: Any) -> sa.ColumnElement[bool]:
        folded = sa.func.coalesce(getattr(sa.func, _SQLITE_FOLD)(column), "")
        return sa.and_(*(folded.like(f"%{word}%", escape="\\") for word in words))

    name_match = all_words(Citizen.full_name)
    rank = sa.case((name_match, 1), else_=0)
    return (
        base.where(sa.or_(all_words(Ticket.description), name_match)),
        [rank.desc(), Ticket.created_at.desc()],
    )


def _like_escape(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _register_sqlite_fold(session: Session) -> None:
    """Make the Turkish search key available to SQL on this SQLite connection."""
    raw = session.connection().connection.dbapi_connection
    create = getattr(raw, "create_function", None)
    if create is None:  # not sqlite3
        return
    create(
        _SQLITE_FOLD,
        1,
        lambda value: None if value is None else search_key(value),
        deterministic=True,
    )
