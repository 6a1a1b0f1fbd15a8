"""The version token of the reference data (topics, departments, calendars, ...).

Every process keeps a snapshot of the reference data (``himcrm.organisation.
reference_cache``) and checks this one row per transaction instead of reading
the topic tree, the routing rules and the calendars on every intake (issue 9).
The token is random, not a counter: a change made in a transaction that rolls
back can never be mistaken for a later, different change.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from himcrm.models.base import Base

#: The one row's primary key.
REFERENCE_ROW = 1


class ReferenceVersion(Base):
    """Changes in the same transaction as any write to the reference tables.

    ORM writes bump it by themselves (a ``before_flush`` hook); a migration or a
    bulk statement that changes reference rows must call
    ``himcrm.organisation.reference_cache.bump`` (or set a new token) itself.
    """

    __tablename__ = "reference_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(32))
