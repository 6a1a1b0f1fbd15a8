"""Staff accounts and their roles."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from himcrm.models.base import Base, TimestampMixin, enum_column
from himcrm.models.org import Department


class Role(StrEnum):
    OPERATOR = "operator"
    BACK_OFFICE = "back_office"
    DEPT_STAFF = "dept_staff"
    DEPT_MANAGER = "dept_manager"
    FIELD_TEAM = "field_team"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"

    @property
    def is_department_scoped(self) -> bool:
        """Roles that see only their own department's tickets."""
        return self in {Role.DEPT_STAFF, Role.DEPT_MANAGER, Role.FIELD_TEAM}


class User(UserMixin, TimestampMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    #: The operator's telephone extension on the PBX (CTI ``answer`` events name it)
    #: and the identity of their Twilio Voice client: whose screen a call pops on.
    phone_extension: Mapped[str | None] = mapped_column(sa.String(32), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(256))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("departments.id"), index=True)
    is_department_head: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    # Two-factor login (TOTP, himcrm.auth_totp). The secret is stored encrypted
    # (a Fernet token); it is set but not yet enabled while enrolment is pending.
    totp_secret: Mapped[str | None] = mapped_column(sa.String(255))
    totp_enabled_at: Mapped[datetime | None]
    #: The last accepted time step: a code is accepted once, never replayed.
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)

    department: Mapped[Department | None] = relationship()

    @property
    def is_active(self) -> bool:  # Flask-Login reads this
        return self.active

    @property
    def totp_enabled(self) -> bool:
        return self.totp_enabled_at is not None

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"


class RecoveryCode(Base):
    """A single-use two-factor recovery code, stored as a salted hash."""

    __tablename__ = "user_recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(128))
    used_at: Mapped[datetime | None]
