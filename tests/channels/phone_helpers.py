"""Shared by the phone channel's service tests."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from himcrm.channels.phone import calls
from himcrm.models import Call, Role, User
from tests import factories as f

CALLER = "+905321112233"  # the factories' citizen phone
RECORDING = "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1"


def operator(session: Session, extension: str = "101") -> User:
    user = f.staff(session, Role.OPERATOR, None)
    user.phone_extension = extension
    session.flush()
    return user


def ring(session: Session, now: datetime, call_id: str = "CA1", number: str = CALLER) -> Call:
    return calls.open_call(
        session, provider="twilio", external_id=call_id, from_number=number, at=now
    ).call
