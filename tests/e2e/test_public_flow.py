"""A citizen on a phone: the web form, the confirmation, the tracking page, the status query."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Page, expect

from himcrm.extensions import db
from himcrm.models import Attachment, Channel, Ticket
from tests.channels.test_web_form import gps_jpeg
from tests.e2e.conftest import LiveServer

PHONE_VIEWPORT = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser: Browser, live: LiveServer) -> Iterator[Page]:
    context = browser.new_context(
        viewport=PHONE_VIEWPORT,
        locale="tr-TR",
        base_url=live.url,
        is_mobile=True,
        has_touch=True,
        geolocation={"latitude": 38.4192, "longitude": 27.1287},
        permissions=["geolocation"],
    )
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    context.close()


def test_form_to_tracking_page(phone: Page, live: LiveServer, tmp_path: Path) -> None:
    page = phone
    page.goto("/basvuru")
    if os.environ.get("HIMCRM_SCREENSHOTS"):
        page.screenshot(
            path=str(Path(os.environ["HIMCRM_SCREENSHOTS"]) / "public-form.png"), full_page=True
        )
    # Mobile first: nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_VIEWPORT["width"]

    # A first try without the consent box: the message is next to it, the text stays.
    page.locator("#f-topic").select_option("FEN.YOL.01")
    page.locator("#f-description").fill("Sokağımızın başındaki çukur her gün büyüyor.")
    page.locator("#f-district").select_option("KARSIYAKA")
    page.locator("#f-neighbourhood").fill("Bostanlı")
    page.locator("#use-location").click()
    expect(page.locator("#f-latitude")).to_have_value("38.419200")
    expect(page.locator("#f-longitude")).to_have_value("27.128700")
    photo = tmp_path / "cukur.jpg"
    photo.write_bytes(gps_jpeg())
    page.locator("#f-photos").set_input_files(str(photo))
    page.locator("#f-full_name").fill("Elif Şahin")
    page.locator("#f-phone").fill("0533 444 55 66")
    page.locator("#public-submit").click()
    expect(page.locator("#e-kvkk_consent")).to_be_visible()
    expect(page.locator("#f-description")).to_have_value(
        "Sokağımızın başındaki çukur her gün büyüyor."
    )
    expect(page.locator("#f-full_name")).to_have_value("Elif Şahin")

    page.locator("#f-kvkk_consent").check()
    page.locator("#f-photos").set_input_files(str(photo))
    page.locator("#public-submit").click()

    expect(page).to_have_url(re.compile(r"/basvuru/alindi$"))
    number = page.locator("#ticket-number").inner_text().strip()
    assert re.fullmatch(r"\d{4}-\d{6}", number)
    expect(page.locator("#receipt")).to_contain_text("SMS")
    shots = os.environ.get("HIMCRM_SCREENSHOTS")
    if shots:
        page.screenshot(path=str(Path(shots) / "public-confirmation.png"), full_page=True)

    with live.app.app_context():
        ticket = db.session.scalar(sa.select(Ticket).where(Ticket.number == number))
        assert ticket is not None and ticket.channel == Channel.WEB
        assert (ticket.latitude, ticket.longitude) == (38.4192, 27.1287)
        token = ticket.tracking_token
        photos = db.session.scalars(
            sa.select(Attachment).where(Attachment.ticket_id == ticket.id)
        ).all()
        assert len(photos) == 1
        db.session.remove()

    page.goto(f"/t/{token}")
    expect(page.locator("#ticket-number")).to_have_text(number)
    expect(page.locator("#ticket-status")).to_have_text("Birime yönlendirildi")
    expect(page.locator("#timeline")).to_contain_text("Başvuru alındı")
    html = page.content()
    # "0533 444", not "0533": a timestamp's microseconds may read 0533.
    personal_data = ("Elif", "Şahin", "0533 444", "444 55 66", "5334445566", "Sokağımızın")
    for personal in (*personal_data, "Bostanlı"):
        assert personal not in html, personal
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_VIEWPORT["width"]
    if shots:
        page.screenshot(path=str(Path(shots) / "public-tracking.png"), full_page=True)

    # The status query leads to the same page.
    page.goto("/sorgula")
    page.locator("#f-number").fill(number)
    page.locator("#f-phone_last4").fill("5566")
    page.locator("main button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/t/{re.escape(token)}$"))
    expect(page.locator("#ticket-number")).to_have_text(number)


def test_too_many_photos_are_stopped_in_the_browser(phone: Page, tmp_path: Path) -> None:
    page = phone
    page.goto("/basvuru")
    files = []
    for n in range(4):
        path = tmp_path / f"p{n}.jpg"
        path.write_bytes(gps_jpeg())
        files.append(str(path))
    page.locator("#f-photos").set_input_files(files)
    expect(page.locator("#e-photos")).to_be_visible()
    expect(page.locator("#e-photos")).to_contain_text("En fazla 3 fotoğraf")
    page.locator("#public-submit").click()
    expect(page).to_have_url(re.compile(r"/basvuru$"))  # not sent


def test_english_form(phone: Page) -> None:
    page = phone
    page.goto("/basvuru")
    page.locator(".pub-locale button").click()
    expect(page).to_have_url(re.compile(r"/basvuru$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#f-topic optgroup[label='Roads and asphalt']")).to_have_count(1)
