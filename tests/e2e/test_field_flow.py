"""A field team on a phone with a mocked GPS: worklist nearest first, a finding, closing work."""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Page, expect

from himcrm.channels.field import public_photos
from himcrm.extensions import db
from himcrm.models import Attachment, Channel, Notification, Ticket, TicketStatus, utcnow
from himcrm.tickets.attachments import stored_path, upload_root
from tests import factories as f
from tests.channels.test_field import gps_jpeg
from tests.e2e.conftest import LiveServer, login

PHONE = {"width": 390, "height": 844}
HERE = {"latitude": 38.4192, "longitude": 27.1287}  # Konak


def _context(browser: Browser, live: LiveServer, *, located: bool) -> BrowserContext:
    options: dict[str, object] = {
        "viewport": PHONE,
        "locale": "tr-TR",
        "base_url": live.url,
        "is_mobile": True,
        "has_touch": True,
    }
    if located:
        options |= {"geolocation": HERE, "permissions": ["geolocation"]}
    context = browser.new_context(**options)  # type: ignore[arg-type]
    context.set_default_timeout(10_000)
    return context


@pytest.fixture
def phone(browser: Browser, live: LiveServer) -> Iterator[Page]:
    """A phone with GPS; fails the test if the page broke the Content Security Policy."""
    context = _context(browser, live, located=True)
    tab = context.new_page()
    violations: list[str] = []
    tab.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    yield tab
    context.close()
    assert violations == []


def _ticket(live: LiveServer, code: str, lat: float | None, lon: float | None) -> str:
    """A routed ticket (with a citizen's mobile) at a position; returns its number."""
    with live.app.app_context():
        ticket = f.ticket(db.session, topic_code=code, now=utcnow(), phone="+905321112233")
        ticket.latitude, ticket.longitude = lat, lon
        number = ticket.number
        db.session.commit()
        db.session.remove()
    return number


def _shot(page: Page, name: str) -> None:
    shots = os.environ.get("HIMCRM_SCREENSHOTS")
    if shots:
        page.screenshot(path=str(Path(shots) / name), full_page=True)


def test_worklist_asks_for_the_position_and_shows_the_nearest_first(
    phone: Page, live: LiveServer
) -> None:
    far = _ticket(live, "FEN.YOL.01", 38.4622, 27.2167)  # Bornova
    unplaced = _ticket(live, "FEN.YOL.02", None, None)
    near = _ticket(live, "FEN.YOL.03", 38.4200, 27.1300)
    park = _ticket(live, "PARK.BAKIM.01", 38.4192, 27.1287)  # another department
    page = phone
    login(page, "saha")

    page.goto("/field/")
    expect(page).to_have_url(re.compile(r"/field/\?lat=38\.419200&lon=27\.128700$"))
    expect(page.locator("#worklist")).to_have_attribute("data-sorted", "1")
    shown = page.locator(".field-item").evaluate_all("items => items.map(i => i.dataset.number)")
    mine = [number for number in shown if number in {far, unplaced, near}]
    assert mine == [near, far, unplaced]
    assert park not in shown
    expect(page.locator(f".field-item[data-number='{near}'] .field-distance")).to_have_text(
        "0.1 km"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    _shot(page, "field-worklist.png")


def test_refused_position_leaves_the_list_unsorted_with_a_message(
    browser: Browser, live: LiveServer
) -> None:
    number = _ticket(live, "FEN.YOL.01", 38.43, 27.14)
    context = _context(browser, live, located=False)
    page = context.new_page()
    try:
        login(page, "saha")
        page.goto("/field/")
        expect(page.locator("#position-status")).to_contain_text("Konumunuz alınamadı")
        expect(page.locator("#worklist")).to_have_attribute("data-sorted", "0")
        expect(page.locator(f".field-item[data-number='{number}']")).to_be_visible()
        expect(page.locator("#refresh-position")).to_be_visible()
    finally:
        context.close()


def test_record_a_finding_with_gps_and_a_photo(
    phone: Page, live: LiveServer, tmp_path: Path
) -> None:
    page = phone
    login(page, "saha")
    page.goto("/field/")
    page.locator("#new-finding").click()
    expect(page).to_have_url(re.compile(r"/field/new$"))
    expect(page.locator("#f-latitude")).to_have_value("38.419200")
    expect(page.locator("#f-longitude")).to_have_value("27.128700")

    page.locator("#f-topic").select_option("FEN.YOL.03")
    page.locator("#f-district").select_option("KONAK")
    page.locator("#f-neighbourhood").fill("Kemeraltı")
    photo = tmp_path / "cokme.jpg"
    photo.write_bytes(gps_jpeg())
    page.locator("#f-photos").set_input_files(str(photo))
    # First without a description: the message is next to it, the rest stays.
    page.locator("#finding-submit").click()
    expect(page.locator("#e-description")).to_be_visible()
    expect(page.locator("#f-neighbourhood")).to_have_value("Kemeraltı")
    expect(page.locator("#f-latitude")).to_have_value("38.419200")

    page.locator("#f-description").fill("Yolda çökme var, şerit kapatılmalı.")
    page.locator("#f-photos").set_input_files(str(photo))
    _shot(page, "field-finding.png")
    page.locator("#finding-submit").click()

    expect(page).to_have_url(re.compile(r"/field/t/\d{4}-\d{6}$"))
    number = page.url.rsplit("/", 1)[-1]
    expect(page.locator("#open-map")).to_have_attribute(
        "href", "geo:38.419200,27.128700?q=38.419200,27.128700"
    )
    with live.app.app_context():
        ticket = db.session.scalar(sa.select(Ticket).where(Ticket.number == number))
        assert ticket is not None and ticket.channel == Channel.FIELD
        assert (ticket.latitude, ticket.longitude) == (38.4192, 27.1287)
        assert ticket.status == TicketStatus.ROUTED
        count = db.session.scalar(
            sa.select(sa.func.count()).where(Attachment.ticket_id == ticket.id)
        )
        assert count == 1
        db.session.remove()


def test_close_a_ticket_with_an_after_photo(phone: Page, live: LiveServer, tmp_path: Path) -> None:
    number = _ticket(live, "FEN.YOL.01", 38.4200, 27.1300)  # answered without approval
    page = phone
    login(page, "saha")
    page.goto(f"/field/t/{number}")
    expect(page.locator("#ticket-status")).to_have_text("Birime yönlendirildi")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    before = tmp_path / "once.jpg"
    before.write_bytes(gps_jpeg((120, 20, 20)))
    page.locator("#f-before_photos").set_input_files(str(before))
    page.locator("#start-work").click()
    expect(page.locator("#ticket-status")).to_have_text("İşlemde")

    after = tmp_path / "sonra.jpg"
    after.write_bytes(gps_jpeg())
    page.locator("#f-note").fill("Çukur asfaltla kapatıldı.")
    page.locator("#f-after_photos").set_input_files(str(after))
    _shot(page, "field-close.png")
    page.locator("#close-work").click()

    expect(page.locator("#ticket-status")).to_have_text("Yanıtlandı")
    expect(page.locator("#reply-state")).to_be_visible()
    with live.app.app_context():
        ticket = db.session.scalar(sa.select(Ticket).where(Ticket.number == number))
        assert ticket is not None
        public = public_photos(db.session, ticket)
        assert [p.filename for p in public] == ["sonra.jpg"]
        path = stored_path(upload_root(live.app.instance_path), public[0])
        with Image.open(io.BytesIO(path.read_bytes())) as image:
            assert len(image.getexif()) == 0
        sms = db.session.scalar(
            sa.select(Notification).where(
                Notification.ticket_id == ticket.id, Notification.template == "ticket_answered"
            )
        )
        assert sms is not None and sms.context["token"] == ticket.tracking_token
        db.session.remove()
