"""Topic codes (konu kodu) and the routing rules that override them by district."""

from __future__ import annotations

from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from himcrm.models.base import Base, TimestampMixin, enum_column
from himcrm.models.org import Department, District
from himcrm.sla.due import SlaUnit


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class TopicCode(TimestampMixin, Base):
    """A node of the topic tree; tickets are filed under leaves only.

    A leaf names the responsible department, its SLA and whether replies need a
    manager's approval. Group nodes only organise the tree (and routing rules may
    target a group to cover every leaf below it).
    """

    __tablename__ = "topic_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name_tr: Mapped[str] = mapped_column(sa.String(200))
    name_en: Mapped[str] = mapped_column(sa.String(200), default="")
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("topic_codes.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("departments.id"))
    first_response_minutes: Mapped[int | None]
    resolution_minutes: Mapped[int | None]
    sla_unit: Mapped[SlaUnit] = mapped_column(enum_column(SlaUnit), default=SlaUnit.BUSINESS)
    priority: Mapped[Priority] = mapped_column(enum_column(Priority), default=Priority.NORMAL)
    needs_approval: Mapped[bool] = mapped_column(default=True)
    requires_location: Mapped[bool] = mapped_column(default=False)
    is_public: Mapped[bool] = mapped_column(default=True)
    is_active: Mapped[bool] = mapped_column(default=True)
    keywords: Mapped[str] = mapped_column(sa.Text, default="")

    parent: Mapped[TopicCode | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[TopicCode]] = relationship(back_populates="parent")
    department: Mapped[Department | None] = relationship()

    @property
    def depth(self) -> int:
        """1 for a top-level group; derived from the dotted code."""
        return self.code.count(".") + 1

    @property
    def is_leaf(self) -> bool:
        return not self.children

    def ancestors_and_self(self) -> list[TopicCode]:
        node: TopicCode | None = self
        chain: list[TopicCode] = []
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain

    def __repr__(self) -> str:
        return f"<TopicCode {self.code}>"


class RoutingRule(TimestampMixin, Base):
    """Route a topic (or a whole group) in one district to another department.

    See :func:`himcrm.tickets.routing.resolve_department` for how rules compete.
    """

    __tablename__ = "routing_rules"
    __table_args__ = (sa.UniqueConstraint("topic_code_id", "district_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_code_id: Mapped[int] = mapped_column(sa.ForeignKey("topic_codes.id", ondelete="CASCADE"))
    district_id: Mapped[int | None] = mapped_column(sa.ForeignKey("districts.id"))
    department_id: Mapped[int] = mapped_column(sa.ForeignKey("departments.id"))
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    is_active: Mapped[bool] = mapped_column(default=True)

    topic_code: Mapped[TopicCode] = relationship()
    district: Mapped[District | None] = relationship()
    department: Mapped[Department] = relationship()
