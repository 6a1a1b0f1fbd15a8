"""Two-factor login service: enrolment, codes, drift, replay, recovery codes, lockout, reset."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import unquote

import pyotp
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from himcrm.auth_totp import (
    RECOVERY_CODE_COUNT,
    begin_enrolment,
    complete_login,
    confirm_enrolment,
    remaining_recovery_codes,
    reset_totp,
    totp_required,
    verify_code,
)
from himcrm.errors import PermissionDenied, ValidationError
from himcrm.models import Role, User
from himcrm.models.user import RecoveryCode
from himcrm.users import MAX_FAILED_LOGINS, LoginFailed, authenticate
from tests import factories as f
from tests.conftest import DEMO_PASSWORD

KEY = "test-secret"


def code_at(secret: str, when: datetime) -> str:
    return pyotp.TOTP(secret).at(when)


def wrong_code(secret: str, now: datetime) -> str:
    valid = {code_at(secret, now + timedelta(seconds=s)) for s in (-30, 0, 30)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in valid)


def enrolled(
    session: Session, now: datetime, role: Role = Role.SUPERVISOR
) -> tuple[User, str, list[str]]:
    """A user with two-factor login on (confirmed a minute before ``now``)."""
    user = f.staff(session, role, None)
    secret = begin_enrolment(session, user, app_secret=KEY).secret
    earlier = now - timedelta(minutes=1)
    codes = confirm_enrolment(session, user, code_at(secret, earlier), app_secret=KEY, now=earlier)
    return user, secret, codes


def test_only_admins_and_supervisors_must_use_it() -> None:
    required = {role for role in Role if totp_required(User(role=role))}
    assert required == {Role.ADMIN, Role.SUPERVISOR}


def test_enrolment_gives_an_app_compatible_key_stored_encrypted(session: Session) -> None:
    user = f.staff(session, Role.OPERATOR, None, name="totp.personel")
    enrolment = begin_enrolment(session, user, app_secret=KEY)
    assert len(enrolment.secret) == 32 and pyotp.TOTP(enrolment.secret).now().isdigit()
    uri = unquote(enrolment.uri)
    assert uri.startswith("otpauth://totp/HİM-CRM:totp.personel?")
    assert "issuer=HİM-CRM" in uri and f"secret={enrolment.secret}" in uri
    assert enrolment.qr_data_uri().startswith("data:image/svg+xml")
    stored = session.scalar(sa.select(User.totp_secret).where(User.id == user.id))
    assert stored and enrolment.secret not in stored
    assert not user.totp_enabled
    # A reload shows the key already scanned; another SECRET_KEY cannot read it.
    assert begin_enrolment(session, user, app_secret=KEY).secret == enrolment.secret
    assert begin_enrolment(session, user, app_secret="other-key").secret != enrolment.secret


def test_confirmation_needs_a_valid_code_and_returns_single_use_codes(
    session: Session, now: datetime
) -> None:
    user = f.staff(session, Role.ADMIN, None)
    with pytest.raises(ValidationError) as missing:
        confirm_enrolment(session, user, "123456", app_secret=KEY, now=now)
    assert missing.value.field == "code"
    secret = begin_enrolment(session, user, app_secret=KEY).secret
    wrong = wrong_code(secret, now)
    with pytest.raises(ValidationError) as refused:
        confirm_enrolment(session, user, wrong, app_secret=KEY, now=now)
    assert refused.value.field == "code" and not user.totp_enabled
    codes = confirm_enrolment(session, user, code_at(secret, now), app_secret=KEY, now=now)
    assert user.totp_enabled and user.totp_enabled_at == now
    assert len(set(codes)) == RECOVERY_CODE_COUNT
    hashes = session.scalars(
        sa.select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)
    ).all()
    assert len(hashes) == RECOVERY_CODE_COUNT
    assert not any(code.replace("-", "") in h for code in codes for h in hashes)
    # The code that confirmed enrolment cannot log in again (replay).
    assert not verify_code(session, user, code_at(secret, now), app_secret=KEY, now=now)
    with pytest.raises(ValidationError):
        begin_enrolment(session, user, app_secret=KEY)


def test_codes_within_one_step_of_drift_pass_and_never_twice(
    session: Session, now: datetime
) -> None:
    user, secret, _ = enrolled(session, now)
    for offset in (-60, 60):  # two steps off: refused
        assert not verify_code(
            session, user, code_at(secret, now + timedelta(seconds=offset)), app_secret=KEY, now=now
        )
    behind = code_at(secret, now - timedelta(seconds=30))
    assert verify_code(session, user, behind, app_secret=KEY, now=now)
    assert not verify_code(session, user, behind, app_secret=KEY, now=now)  # replay
    current = code_at(secret, now)
    assert verify_code(session, user, f" {current[:3]} {current[3:]} ", app_secret=KEY, now=now)
    assert not verify_code(session, user, current, app_secret=KEY, now=now)
    ahead = code_at(secret, now + timedelta(seconds=30))
    assert verify_code(session, user, ahead, app_secret=KEY, now=now)
    # Once a later step was used, an earlier one (still inside the drift) is refused.
    later = now + timedelta(seconds=30)
    assert not verify_code(session, user, code_at(secret, later), app_secret=KEY, now=later)
    stored = session.scalar(sa.select(User.totp_last_step).where(User.id == user.id))
    assert stored == pyotp.TOTP(secret).timecode(now) + 1


def test_a_database_copy_without_the_key_gives_no_codes(session: Session, now: datetime) -> None:
    user, secret, _ = enrolled(session, now)
    assert not verify_code(session, user, code_at(secret, now), app_secret="other", now=now)
    assert verify_code(session, user, code_at(secret, now), app_secret=KEY, now=now)


def test_recovery_codes_work_once_each(session: Session, now: datetime) -> None:
    user, _, codes = enrolled(session, now)
    first, second = codes[0], codes[1]
    assert verify_code(session, user, first, app_secret=KEY, now=now)
    assert not verify_code(session, user, first, app_secret=KEY, now=now)
    assert verify_code(session, user, second.replace("-", "").lower(), app_secret=KEY, now=now)
    assert remaining_recovery_codes(session, user) == RECOVERY_CODE_COUNT - 2
    assert not verify_code(session, user, "ABCDE-FGHJK", app_secret=KEY, now=now)
    assert not verify_code(session, user, "not a code at all", app_secret=KEY, now=now)


def test_wrong_codes_count_toward_the_lockout(session: Session, now: datetime) -> None:
    user, secret, _ = enrolled(session, now, Role.ADMIN)
    user.failed_logins = 2
    # The right password alone does not complete the login: the count stands.
    assert authenticate(session, user.username, DEMO_PASSWORD, now=now) is user
    assert user.failed_logins == 2 and user.last_login_at is None
    fields = []
    for _ in range(MAX_FAILED_LOGINS - 2):
        with pytest.raises(LoginFailed) as wrong:
            complete_login(session, user, wrong_code(secret, now), app_secret=KEY, now=now)
        fields.append(wrong.value.field)
    assert fields == ["code"] * (MAX_FAILED_LOGINS - 3) + ["username"]  # the last one locks
    assert user.locked_until == now + timedelta(minutes=15)
    with pytest.raises(LoginFailed) as locked:
        complete_login(session, user, code_at(secret, now), app_secret=KEY, now=now)
    assert locked.value.field == "username"
    later = now + timedelta(minutes=16)
    assert complete_login(session, user, code_at(secret, later), app_secret=KEY, now=later) is user
    assert user.failed_logins == 0 and user.locked_until is None and user.last_login_at == later


def test_an_admin_resets_another_users_two_factor(session: Session, now: datetime) -> None:
    user, secret, _ = enrolled(session, now)
    admin = f.staff(session, Role.ADMIN, None)
    with pytest.raises(PermissionDenied):
        reset_totp(session, admin, actor=admin)
    reset_totp(session, user, actor=admin)
    assert not user.totp_enabled and user.totp_secret is None and user.totp_last_step is None
    assert remaining_recovery_codes(session, user) == 0
    assert not verify_code(session, user, code_at(secret, now), app_secret=KEY, now=now)
    assert begin_enrolment(session, user, app_secret=KEY).secret != secret


def test_the_command_line_resets_anyone_when_every_admin_is_locked_out(fresh_app) -> None:  # type: ignore[no-untyped-def]
    from himcrm.extensions import db

    with fresh_app.app_context():
        session = db.session()
        admin = session.scalar(sa.select(User).where(User.username == "admin"))
        assert admin is not None
        secret = begin_enrolment(session, admin, app_secret=KEY).secret
        now = datetime.now().astimezone()
        confirm_enrolment(session, admin, code_at(secret, now), app_secret=KEY, now=now)
        session.commit()
        assert admin.totp_enabled
    result = fresh_app.test_cli_runner().invoke(args=["reset-2fa", "admin"])
    assert result.exit_code == 0, result.output
    with fresh_app.app_context():
        admin = db.session.scalar(sa.select(User).where(User.username == "admin"))
        assert admin is not None and not admin.totp_enabled and admin.totp_secret is None
    missing = fresh_app.test_cli_runner().invoke(args=["reset-2fa", "nobody"])
    assert missing.exit_code != 0 and "(username)" in missing.output
