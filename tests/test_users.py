"""Admin account services: editing users, password resets, deactivation."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy.orm import Session

from himcrm.errors import ValidationError
from himcrm.models import Role, User
from himcrm.users import UserUpdate, deactivate_user, reactivate_user, set_password, update_user
from tests import factories as f
from tests.conftest import DEMO_PASSWORD, user


def refused(field: str, call, *args, **kw) -> ValidationError:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as excinfo:
        call(*args, **kw)
    assert excinfo.value.field == field, excinfo.value.message
    return excinfo.value


def test_update_user_checks_the_department_for_scoped_roles(session: Session) -> None:
    target = f.staff(session, Role.OPERATOR, None)
    refused("department", update_user, session, target, UserUpdate("Ali Veli", "dept_staff"))
    assert target.role is Role.OPERATOR
    refused("role", update_user, session, target, UserUpdate("Ali Veli", "kral"))
    refused("email", update_user, session, target, UserUpdate("Ali Veli", "operator", email="a@"))
    refused("phone", update_user, session, target, UserUpdate("Ali Veli", "operator", phone="12"))
    update_user(
        session,
        target,
        UserUpdate(
            "Ali  Veli",
            "dept_manager",
            department_code="PARK",
            phone="0532 111 22 33",
            is_department_head=True,
        ),
    )
    assert (target.full_name, target.role, target.department.code) == (  # type: ignore[union-attr]
        "Ali Veli",
        Role.DEPT_MANAGER,
        "PARK",
    )
    assert target.phone == "+905321112233" and target.is_department_head


def test_an_admin_cannot_demote_or_deactivate_themselves(session: Session) -> None:
    admin = user(session, Role.ADMIN)
    refused(
        "role", update_user, session, admin, UserUpdate(admin.full_name, "operator"), actor=admin
    )
    refused(
        "active",
        update_user,
        session,
        admin,
        UserUpdate(admin.full_name, "admin", active=False),
        actor=admin,
    )
    refused("active", deactivate_user, session, admin, actor=admin)
    assert admin.role is Role.ADMIN and admin.active


def test_password_reset_follows_the_policy_and_lifts_a_lockout(
    session: Session, now: datetime
) -> None:
    target = user(session, Role.DEPT_STAFF, "FEN.YOL")
    target.failed_logins, target.locked_until = 3, now
    refused("password", set_password, session, target, "kısa")
    assert target.check_password(DEMO_PASSWORD)
    set_password(session, target, "Yepyeni-Parola-2026")
    assert target.check_password("Yepyeni-Parola-2026") and target.locked_until is None
    deactivate_user(session, target)
    assert not target.active
    reactivate_user(session, target)
    assert target.active and session.get(User, target.id) is target
