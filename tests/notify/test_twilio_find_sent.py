"""Recovering a send that died after Twilio accepted it, for a busy recipient (issue 9).

The kill -9 drill (bench/faults.py) sent a department manager 150 reminders; a
worker killed between Twilio's acceptance and the commit left a row that the
next worker retried. The lookup read only the newest 50 messages to that
number, missed the one accepted earlier, and sent it again.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from himcrm.config import Settings
from himcrm.models import utcnow
from himcrm.notify.gateways import TwilioSms
from tests.fakes.twilio import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, FakeTwilio

MANAGER = "+905557770001"


@pytest.fixture
def fake() -> Iterator[FakeTwilio]:
    server = FakeTwilio().start()
    yield server
    server.stop()


def test_a_message_accepted_before_many_later_ones_is_still_found(
    fake: FakeTwilio, tmp_path: Path
) -> None:
    settings = Settings(
        secret_key="k",
        database_url="sqlite://",
        instance_path=tmp_path,
        sms_gateway="twilio",
        twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=AUTH_TOKEN,
        twilio_from_number=FROM_NUMBER,
        twilio_api_base=fake.url,
    )
    sms = TwilioSms(settings)
    since = utcnow() - timedelta(minutes=1)
    first = sms.send(
        MANAGER, "Hatırlatma: 2026-000001 süresi doldu.", key="r1", status_callback=None
    )
    for n in range(2, 121):  # the reminders that went out to the same manager afterwards
        sms.send(
            MANAGER, f"Hatırlatma: 2026-{n:06d} süresi doldu.", key=f"r{n}", status_callback=None
        )

    assert sms.find_sent(MANAGER, "Hatırlatma: 2026-000001 süresi doldu.", since) == first
    assert sms.find_sent(MANAGER, "Hatırlatma: 2026-999999 süresi doldu.", since) is None
