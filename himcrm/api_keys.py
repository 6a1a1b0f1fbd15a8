"""Keys of registered client applications (Open311 and the REST API).

A key is ``<prefix>.<secret>``; the prefix finds the row, the SHA-256 of the
whole key is compared in constant time. The plain key is shown once, at creation.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session, joinedload

from himcrm.errors import ValidationError
from himcrm.models import SCOPE_API, ApiClient, User
from himcrm.models.api import SCOPES

#: ``last_used_at`` is written at most this often per client (not on every call).
LAST_USED_RESOLUTION = timedelta(minutes=5)
PREFIX_LENGTH = 8


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_client(
    session: Session,
    *,
    name: str,
    scopes: list[str],
    user: User | None = None,
    contact: str = "",
) -> tuple[ApiClient, str]:
    """Register a client; returns it and its plain key (not stored anywhere)."""
    name = name.strip()
    if not name:
        raise ValidationError(_l("Bu alan gerekli."), field="name")
    unknown = [s for s in scopes if s not in SCOPES]
    if not scopes or unknown:
        raise ValidationError(_l("Geçersiz yetki kapsamı."), field="scopes")
    if SCOPE_API in scopes and user is None:
        # The REST API acts as a staff user, so that user's scoping applies.
        raise ValidationError(_l("REST API anahtarı bir kullanıcıya bağlı olmalı."), field="user")
    prefix = secrets.token_hex(PREFIX_LENGTH // 2)
    key = f"{prefix}.{secrets.token_urlsafe(32)}"
    client = ApiClient(
        name=name,
        contact=contact.strip(),
        key_prefix=prefix,
        key_hash=_digest(key),
        scopes=sorted(set(scopes)),
        user=user,
    )
    session.add(client)
    session.flush()
    return client, key


def authenticate(session: Session, key: str | None, scope: str, now: datetime) -> ApiClient | None:
    """The active client owning ``key`` with ``scope``, or None. One indexed lookup."""
    if not key or "." not in key or len(key) > 128:
        return None
    prefix = key.split(".", 1)[0]
    client = session.scalar(
        sa.select(ApiClient)
        .where(ApiClient.key_prefix == prefix)
        .options(joinedload(ApiClient.user))  # the user the client acts as: one statement
    )
    if client is None or not hmac.compare_digest(client.key_hash, _digest(key)):
        return None
    if not client.active or scope not in client.scopes:
        return None
    if client.user is not None and not client.user.active:
        return None
    if client.last_used_at is None or now - client.last_used_at > LAST_USED_RESOLUTION:
        client.last_used_at = now
    return client


def revoke(client: ApiClient) -> None:
    client.active = False
