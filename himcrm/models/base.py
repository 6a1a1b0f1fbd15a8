"""Declarative base, naming convention and the UTC datetime type."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, registry

# Stable constraint names so Alembic can drop and alter them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# Indexes that exist only in the database (created by migrations with raw SQL,
# PostgreSQL only): Alembic's model comparison must ignore them.
DB_ONLY_INDEXES = frozenset(
    {"ix_tickets_description_fts", "ix_citizens_full_name_fts", "ix_tickets_search_vector"}
)
#: PostgreSQL-only columns, written by the database itself: ``tickets.search_vector``
#: is ``to_tsvector('turkish', description)`` STORED (migration 5e0c1f2a9b7d).
DB_ONLY_COLUMNS = frozenset({("tickets", "search_vector")})


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Alembic ``include_object`` hook: skip the database-only indexes and columns."""
    if type_ == "index" and name in DB_ONLY_INDEXES:
        return False
    if type_ == "column":
        table = getattr(getattr(obj, "table", None), "name", None)
        return (table, name) not in DB_ONLY_COLUMNS
    return True


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(sa.TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend.

    PostgreSQL stores ``timestamptz``; SQLite has no timezone type, so values are
    stored as naive UTC and made aware again on the way out. Naive input is a
    programming error (we would not know its zone), so it is rejected.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    # One registry carrying both the naming convention and the UTC type map
    # (Flask-SQLAlchemy rejects a per-base type_annotation_map next to a registry).
    registry = registry(
        metadata=sa.MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


def enum_column(enum_cls: Any, length: int = 32) -> sa.Enum:
    """Store a StrEnum as its value in a VARCHAR; validated in Python.

    No CHECK constraint and no native PostgreSQL enum: adding a state later is then
    a code change, not a locking ALTER TYPE on a table of ten million rows.
    """
    return sa.Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        validate_strings=True,
        length=length,
        values_callable=lambda e: [m.value for m in e],
    )
