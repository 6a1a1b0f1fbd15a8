"""Staff accounts: creation with the password policy."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from himcrm.citizens.identity import normalise_phone
from himcrm.errors import DomainError, ValidationError, parse_choice
from himcrm.models import Department, Role, User
from himcrm.password_policy import MIN_LENGTH, check_password_policy

MIN_PASSWORD_LENGTH = MIN_LENGTH  # kept for callers that show the rule


@dataclass(frozen=True, slots=True)
class UserInput:
    username: str
    full_name: str
    role: str
    password: str
    department_code: str | None = None
    email: str | None = None
    phone: str | None = None
    is_department_head: bool = False


def create_user(session: Session, data: UserInput) -> User:
    username = data.username.strip().lower()
    if not username or len(username) > 64 or not all(c.isalnum() or c in "._-" for c in username):
        raise ValidationError(_l("Kullanıcı adı geçersiz."), field="username")
    if session.scalar(sa.select(User.id).where(User.username == username)) is not None:
        raise ValidationError(_l("Bu kullanıcı adı zaten var."), field="username")
    role = parse_choice(Role, data.role, field="role", message=_l("Bilinmeyen rol."))
    if not data.full_name.strip():
        raise ValidationError(_l("Ad soyad gerekli."), field="full_name")
    check_password_policy(data.password, username=data.username)
    department = None
    if data.department_code:
        department = session.scalar(
            sa.select(Department).where(Department.code == data.department_code)
        )
        if department is None:
            raise ValidationError(_l("Bilinmeyen birim."), field="department")
    if role.is_department_scoped and department is None:
        raise ValidationError(_l("Bu rol için birim seçilmeli."), field="department")
    user = User(
        username=username,
        full_name=data.full_name.strip(),
        role=role,
        department=department,
        email=(data.email or "").strip() or None,
        phone=normalise_phone(data.phone) if data.phone else None,
        is_department_head=data.is_department_head,
    )
    user.set_password(data.password)
    session.add(user)
    session.flush()
    return user


MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)


class LoginFailed(DomainError):
    status_code = 401
    code = "login_failed"


def authenticate(session: Session, username: str, password: str, *, now: datetime) -> User:
    """Check a login; lock the account for a while after repeated failures.

    The message does not say whether the user exists. A locked account stays
    locked even for the right password until the lock expires.
    """
    user = session.scalar(sa.select(User).where(User.username == username.strip().lower()))
    if user is None:
        # Same work as a real check, so timing does not reveal unknown names.
        check_password_hash(_DUMMY_HASH, password)
        raise LoginFailed(_l("Kullanıcı adı veya parola hatalı."), field="password")
    if user.locked_until is not None and user.locked_until > now:
        raise LoginFailed(
            _l(
                "Çok sayıda hatalı deneme: hesap geçici olarak kilitlendi. "
                "Biraz sonra yeniden deneyin."
            ),
            field="username",
        )
    if not user.check_password(password) or not user.active:
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.locked_until = now + LOCKOUT
            user.failed_logins = 0
        raise LoginFailed(_l("Kullanıcı adı veya parola hatalı."), field="password")
    if user.totp_enabled:
        # The login completes with the second factor (himcrm.auth_totp.complete_login):
        # until then the failure count stands, so wrong codes still lead to a lockout.
        return user
    record_login(user, now)
    return user


def record_login(user: User, now: datetime) -> None:
    """A completed login: clear the failure count and any lock."""
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now


_DUMMY_HASH = generate_password_hash("not-a-real-password")


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True, slots=True)
class UserUpdate:
    """What an admin may change on an account (the username stays)."""

    full_name: str
    role: str
    department_code: str | None = None
    email: str | None = None
    phone: str | None = None
    is_department_head: bool = False
    active: bool = True


def update_user(
    session: Session, user: User, data: UserUpdate, *, actor: User | None = None
) -> User:
    """Change an account; an admin cannot take away their own admin access."""
    role = parse_choice(Role, data.role, field="role", message=_l("Bilinmeyen rol."))
    full_name = " ".join(data.full_name.split())
    if not full_name:
        raise ValidationError(_l("Ad soyad gerekli."), field="full_name")
    if len(full_name) > 200:
        raise ValidationError(_l("Ad soyad çok uzun."), field="full_name")
    department = None
    if data.department_code:
        department = session.scalar(
            sa.select(Department).where(Department.code == data.department_code.strip())
        )
        if department is None:
            raise ValidationError(_l("Bilinmeyen birim."), field="department")
    if role.is_department_scoped and department is None:
        raise ValidationError(_l("Bu rol için birim seçilmeli."), field="department")
    if data.is_department_head and department is None:
        raise ValidationError(_l("Birim amiri için birim seçilmeli."), field="department")
    email = (data.email or "").strip() or None
    if email is not None and (len(email) > 254 or not _EMAIL.match(email)):
        raise ValidationError(_l("Geçerli bir e-posta adresi değil."), field="email")
    phone_raw = (data.phone or "").strip()
    phone = normalise_phone(phone_raw) if phone_raw else None
    if actor is not None and actor.id == user.id:
        if role is not Role.ADMIN and user.role is Role.ADMIN:
            raise ValidationError(_l("Kendi yönetici yetkinizi kaldıramazsınız."), field="role")
        if not data.active:
            raise ValidationError(_l("Kendi hesabınızı pasifleştiremezsiniz."), field="active")
    user.full_name = full_name
    user.role = role
    user.department = department
    user.department_id = department.id if department is not None else None
    user.email = email
    user.phone = phone
    user.is_department_head = data.is_department_head
    user.active = data.active
    session.flush()
    return user


def set_password(session: Session, user: User, password: str) -> None:
    """Give an account a new password (policy checked) and lift any lockout."""
    check_password_policy(password, username=user.username)
    user.set_password(password)
    user.failed_logins = 0
    user.locked_until = None
    session.flush()


def deactivate_user(session: Session, user: User, *, actor: User | None = None) -> None:
    """Stop an account from logging in; its history stays attributed to it."""
    if actor is not None and actor.id == user.id:
        raise ValidationError(_l("Kendi hesabınızı pasifleştiremezsiniz."), field="active")
    user.active = False
    session.flush()


def reactivate_user(session: Session, user: User) -> None:
    user.active = True
    user.failed_logins = 0
    user.locked_until = None
    session.flush()
