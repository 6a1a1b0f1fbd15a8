"""Two-factor codes for the login helpers: what an authenticator app would show."""

from __future__ import annotations

import time

import pyotp

from himcrm.auth_totp import STEP_SECONDS, _decrypt
from himcrm.models import User


def secret_of(user: User, app_secret: str) -> str:
    """The user's TOTP secret, as their authenticator app holds it."""
    secret = _decrypt(user.totp_secret, app_secret)
    assert secret is not None, f"{user.username} has no readable two-factor secret"
    return secret


def fresh_code(secret: str, last_step: int | None = None) -> str:
    """A code the server will accept now: for a step after ``last_step`` (no replay).

    Uses the current step or, within the allowed drift, the next one; waits for the
    next step when both were used already, and keeps clear of a step boundary.
    """
    totp = pyotp.TOTP(secret)
    while True:
        now = time.time()
        left = STEP_SECONDS - now % STEP_SECONDS
        if left < 1.5:
            time.sleep(left + 0.05)
            continue
        current = int(now // STEP_SECONDS)
        for step in (current, current + 1):
            if last_step is None or step > last_step:
                return totp.generate_otp(step)
        time.sleep(left + 0.05)
