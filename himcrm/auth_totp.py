"""Two-factor login with time-based one-time passwords (TOTP, RFC 6238).

OWASP ASVS 4.0.3 V2.8: 30-second steps, 6 digits, HMAC-SHA-1 (what every
authenticator app supports), a drift of one step either way, and a code is
accepted once: the last accepted time step is stored and nothing at or before it
is accepted again. Recovery codes (V2.6) are random, single use and stored as
salted hashes; they are shown once, when enrolment is confirmed.

The shared secret is stored encrypted (Fernet, with a key derived from the
application's ``SECRET_KEY``): a copy of the database alone does not give the
codes away. Changing ``SECRET_KEY`` therefore makes enrolled secrets unreadable;
those users log in with a recovery code or an admin resets their two-factor login.

Admins and supervisors must use it; every other role may enrol voluntarily.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime

import pyotp
import segno
import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from himcrm.errors import PermissionDenied, ValidationError
from himcrm.models import Role, User
from himcrm.models.user import RecoveryCode
from himcrm.users import LOCKOUT, MAX_FAILED_LOGINS, LoginFailed, record_login

log = logging.getLogger(__name__)

ISSUER = "HİM-CRM"
STEP_SECONDS = 30
DIGITS = 6
DRIFT_STEPS = 1
RECOVERY_CODE_COUNT = 10
#: Recovery code alphabet: no 0/O, 1/I/L to misread; 10 characters = 50 bits,
#: stored with a 64-bit random salt (ASVS V2.6.2).
RECOVERY_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
RECOVERY_LENGTH = 10
REQUIRED_ROLES = frozenset({Role.ADMIN, Role.SUPERVISOR})


def totp_required(user: User) -> bool:
    """Whether the user's role must log in with a second factor."""
    return user.role in REQUIRED_ROLES


@dataclass(frozen=True, slots=True)
class Enrolment:
    """What the enrolment page shows: the key to type in and the QR code to scan."""

    secret: str
    uri: str

    @property
    def grouped_secret(self) -> str:
        """The key in groups of four, easier to type into an app."""
        return " ".join(self.secret[i : i + 4] for i in range(0, len(self.secret), 4))

    def qr_data_uri(self) -> str:
        """The provisioning URI as an SVG ``data:`` URI (the CSP allows ``img-src data:``)."""
        return segno.make(self.uri, error="m").svg_data_uri(scale=5, border=2)


def _cipher(app_secret: str) -> Fernet:
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"himcrm totp secret v1"
    ).derive(app_secret.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def _encrypt(secret: str, app_secret: str) -> str:
    return _cipher(app_secret).encrypt(secret.encode()).decode()


def _decrypt(token: str | None, app_secret: str) -> str | None:
    if not token:
        return None
    try:
        return _cipher(app_secret).decrypt(token.encode()).decode()
    except InvalidToken:
        return None


def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)


def begin_enrolment(session: Session, user: User, *, app_secret: str) -> Enrolment:
    """Give the user a secret to add to an authenticator app (not yet enabled).

    A pending secret is kept, so reloading the page shows the key already scanned.
    """
    if user.totp_enabled:
        raise ValidationError(_l("İki adımlı doğrulama zaten açık."), field="code")
    secret = _decrypt(user.totp_secret, app_secret)
    if secret is None:
        secret = pyotp.random_base32(length=32)  # 160 bits, as RFC 4226 recommends
        user.totp_secret = _encrypt(secret, app_secret)
        session.flush()
    uri = _totp(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)
    return Enrolment(secret=secret, uri=uri)


def confirm_enrolment(
    session: Session, user: User, code: str, *, app_secret: str, now: datetime
) -> list[str]:
    """Turn two-factor login on with a first valid code; return the recovery codes.

    The recovery codes exist in clear only in the return value: show them once.
    """
    if user.totp_enabled:
        raise ValidationError(_l("İki adımlı doğrulama zaten açık."), field="code")
    secret = _decrypt(user.totp_secret, app_secret)
    if secret is None:
        raise ValidationError(_l("Önce kurulum sayfasını açın."), field="code")
    step = _matching_step(secret, code, now)
    if step is None:
        raise ValidationError(
            _l("Kod doğru değil. Uygulamadaki güncel 6 haneli kodu girin."), field="code"
        )
    user.totp_enabled_at = now
    user.totp_last_step = step
    codes = _replace_recovery_codes(session, user)
    session.flush()
    log.info("two-factor login enabled for user id=%s", user.id)
    return codes


def verify_code(session: Session, user: User, code: str, *, app_secret: str, now: datetime) -> bool:
    """Check a TOTP code or a recovery code; either is used up when accepted."""
    if not user.totp_enabled:
        return False
    cleaned = "".join(code.split()).replace("-", "").upper()
    if len(cleaned) == DIGITS and cleaned.isdigit():
        secret = _decrypt(user.totp_secret, app_secret)
        if secret is None:
            log.warning("two-factor secret of user id=%s cannot be decrypted", user.id)
            return False
        step = _matching_step(secret, cleaned, now)
        return step is not None and _claim_step(session, user, step)
    if len(cleaned) == RECOVERY_LENGTH:
        return _use_recovery_code(session, user, cleaned, now)
    return False


def complete_login(
    session: Session, user: User, code: str, *, app_secret: str, now: datetime
) -> User:
    """The login's second step: a wrong code counts toward the password lockout."""
    if not user.active:
        raise LoginFailed(_l("Kullanıcı adı veya parola hatalı."), field="password")
    if user.locked_until is not None and user.locked_until > now:
        raise _locked()
    if not code.strip():
        raise LoginFailed(_l("Doğrulama kodu gerekli."), field="code")
    if not verify_code(session, user, code, app_secret=app_secret, now=now):
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.locked_until = now + LOCKOUT
            user.failed_logins = 0
            log.warning("account user id=%s locked after failed two-factor codes", user.id)
            session.flush()
            raise _locked()
        session.flush()
        raise LoginFailed(_l("Doğrulama kodu hatalı veya kullanılmış."), field="code")
    record_login(user, now)
    session.flush()
    return user


def _locked() -> LoginFailed:
    return LoginFailed(
        _l(
            "Çok sayıda hatalı deneme: hesap geçici olarak kilitlendi. Biraz sonra yeniden deneyin."
        ),
        field="username",
    )


def reset_totp(session: Session, user: User, *, actor: User | None) -> None:
    """An admin turns another user's two-factor login off (lost phone).

    A user whose role requires it enrols again at the next request. ``actor``
    None: the server's command line (``flask reset-2fa``), the way back when every
    admin lost both phone and recovery codes.
    """
    if actor is not None and actor.id == user.id:
        raise PermissionDenied(
            _l("Kendi iki adımlı doğrulamanızı sıfırlayamazsınız."), field="user"
        )
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    session.flush()
    log.info(
        "two-factor login reset for user id=%s by %s",
        user.id,
        f"admin user id={actor.id}" if actor is not None else "the command line",
    )


def remaining_recovery_codes(session: Session, user: User) -> int:
    return (
        session.scalar(
            sa.select(sa.func.count())
            .select_from(RecoveryCode)
            .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
        )
        or 0
    )


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step (within the drift) whose code is ``code``, if any."""
    cleaned = "".join(code.split())
    if len(cleaned) != DIGITS or not cleaned.isdigit():
        return None
    totp = _totp(secret)
    current = totp.timecode(now)
    found = None
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), cleaned):
            found = step
    return found


def _claim_step(session: Session, user: User, step: int) -> bool:
    """Record ``step`` as used unless it (or a later one) already was: no replay.

    One conditional UPDATE, so two requests with the same code cannot both pass.
    """
    result = session.execute(
        sa.update(User)
        .where(
            User.id == user.id,
            sa.or_(User.totp_last_step.is_(None), User.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session="fetch")
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def _hash_recovery_code(code: str, salt: str) -> str:
    digest = hashlib.sha256(f"{salt}${code}".encode()).hexdigest()
    return f"{salt}${digest}"


def _replace_recovery_codes(session: Session, user: User) -> list[str]:
    session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [
        "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
        for _ in range(RECOVERY_CODE_COUNT)
    ]
    for code in codes:
        session.add(
            RecoveryCode(user_id=user.id, code_hash=_hash_recovery_code(code, secrets.token_hex(8)))
        )
    return [f"{code[:5]}-{code[5:]}" for code in codes]


def _use_recovery_code(session: Session, user: User, code: str, now: datetime) -> bool:
    unused = session.scalars(
        sa.select(RecoveryCode).where(
            RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
        )
    ).all()
    match = None
    for row in unused:
        salt = row.code_hash.partition("$")[0]
        if hmac.compare_digest(_hash_recovery_code(code, salt), row.code_hash):
            match = row
    if match is None:
        return False
    result = session.execute(
        sa.update(RecoveryCode)
        .where(RecoveryCode.id == match.id, RecoveryCode.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session="fetch")
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    log.info("recovery code used by user id=%s", user.id)
    return True
