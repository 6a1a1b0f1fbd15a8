"""Screen pop in a real browser: a signed call event arrives, the console shows the caller."""

from __future__ import annotations

import dataclasses
import json
import re
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect
from twilio.request_validator import RequestValidator

from himcrm.channels.phone import cti
from himcrm.citizens.service import CitizenInput
from himcrm.config import Settings
from himcrm.extensions import db
from himcrm.models import Citizen, Ticket, User, utcnow
from himcrm.tickets.intake import TicketInput, create_ticket
from tests.e2e.conftest import LiveServer, login
from tests.fakes.twilio import AUTH_TOKEN

SECRET = "pbx-secret-e2e"
CALLER = "+905337776655"


@pytest.fixture(scope="module")
def phone_live(live: LiveServer) -> Iterator[LiveServer]:
    """The live server with a CTI secret, a Twilio token and the operator's extension 101."""
    settings: Settings = live.app.config["HIMCRM_SETTINGS"]
    live.app.config["HIMCRM_SETTINGS"] = dataclasses.replace(
        settings, cti_secret=SECRET, twilio_auth_token=AUTH_TOKEN, public_base_url=live.url
    )
    with live.app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == "operator"))
        assert user is not None
        user.phone_extension = "101"
        create_ticket(
            db.session(),
            TicketInput(
                channel="web",
                description="Sokak lambası yanmıyor.",
                topic_code="FEN.YOL.01",
                district_code="BORNOVA",
                address="Kazımdirik Mah. 372. Sokak",
                citizen=CitizenInput(full_name="Zeynep Kaya", phone=CALLER),
            ),
            now=utcnow() - timedelta(days=2),
        )
        db.session.commit()
        db.session.remove()
    yield live
    live.app.config["HIMCRM_SETTINGS"] = settings


def send(request: urllib.request.Request) -> int:
    # The URL is the local live server's http:// address, built by the test.
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return int(response.status)


def open_ticket_number(live: LiveServer) -> str:
    with live.app.app_context():
        number = db.session.scalar(
            sa.select(Ticket.number).join(Citizen).where(Citizen.phone == CALLER)
        )
        db.session.remove()
    assert number is not None
    return number


def cti_event(live: LiveServer, body: dict[str, str]) -> int:
    raw = json.dumps(body).encode()
    stamp = str(int(time.time()))
    request = urllib.request.Request(  # noqa: S310 -- the local live server
        live.url + "/phone/cti/events",
        data=raw,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "X-HIMCRM-Timestamp": stamp,
            "X-HIMCRM-Signature": cti.sign(SECRET, stamp, raw),
        },
    )
    return send(request)


def twilio_event(live: LiveServer, path: str, form: dict[str, str]) -> int:
    data = urllib.parse.urlencode(form).encode()
    signature = RequestValidator(AUTH_TOKEN).compute_signature(live.url + path, form)
    request = urllib.request.Request(  # noqa: S310 -- the local live server
        live.url + path, data=data, method="POST", headers={"X-Twilio-Signature": signature}
    )
    return send(request)


def open_console(page: Page) -> None:
    login(page, "operator")
    expect(page).to_have_url(re.compile(r"/console/$"))
    expect(page.locator("#screen-pop")).to_have_attribute("data-connected", "1")


def test_a_cti_call_pops_the_caller_on_the_operators_console(
    page: Page, phone_live: LiveServer
) -> None:
    open_console(page)
    assert cti_event(phone_live, {"event": "newCall", "callId": "e2e-1", "caller": CALLER}) == 200
    expect(page.locator("#screen-pop .pop")).to_have_count(0)  # ringing: not yet anyone's
    assert cti_event(phone_live, {"event": "answer", "callId": "e2e-1", "extension": "101"}) == 200
    pop = page.locator("#screen-pop .pop")
    expect(pop).to_have_count(1)
    expect(pop).to_contain_text("Zeynep Kaya")
    expect(pop).to_contain_text("+90 533 *** ** 55")
    expect(pop).to_contain_text("Açık başvurular")
    expect(pop).to_contain_text(open_ticket_number(phone_live))
    # The empty console takes the caller's number and looks the citizen up.
    expect(page.locator("#f-phone")).to_have_value(CALLER)
    expect(page.locator("#citizen-card")).to_contain_text("Zeynep Kaya")
    # A replayed answer pops nothing twice.
    assert cti_event(phone_live, {"event": "answer", "callId": "e2e-1", "extension": "101"}) == 200
    page.wait_for_timeout(300)
    expect(pop).to_have_count(1)
    assert cti_event(phone_live, {"event": "hangup", "callId": "e2e-1"}) == 200


def test_a_twilio_call_pops_and_a_busy_form_is_left_alone(
    page: Page, phone_live: LiveServer
) -> None:
    open_console(page)
    page.fill("#f-phone", "0532 000 00 01")  # the operator is on another caller
    form = {"CallSid": "CA-e2e", "From": CALLER, "To": "+902324440035", "CallStatus": "ringing"}
    assert twilio_event(phone_live, "/phone/twilio/voice", form) == 200
    leg = {"CallSid": "CA-leg", "ParentCallSid": "CA-e2e", "To": "client:101"}
    leg["CallStatus"] = "in-progress"
    assert twilio_event(phone_live, "/phone/twilio/client-status", leg) == 204
    pop = page.locator("#screen-pop .pop")
    expect(pop).to_contain_text("Zeynep Kaya")
    expect(page.locator("#f-phone")).to_have_value("0532 000 00 01")
    link = pop.get_by_role("link")
    expect(link).to_have_attribute("target", "_blank")
    with page.context.expect_page() as opened:
        link.click()
    tab = opened.value
    tab.wait_for_load_state()
    expect(tab.locator("#f-phone")).to_have_value(CALLER)
    expect(tab.locator("#citizen-card")).to_contain_text("Zeynep Kaya")
