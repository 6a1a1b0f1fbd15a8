"""An operator takes a call in a real browser: card, topic by keyboard, errors, read-back."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa
from playwright.sync_api import Page, expect

from himcrm.citizens.service import CitizenInput
from himcrm.extensions import db
from himcrm.models import Channel, Ticket, utcnow
from himcrm.tickets.intake import TicketInput, create_ticket
from tests.e2e.conftest import LiveServer, login

CALLER_PHONE = "+905339990011"
DESCRIPTION = "Parktaki çınar ağaçlarını gece izinsiz kesiyorlar, iki tanesi devrildi."


def earlier_ticket(live: LiveServer) -> str:
    """Last week's web request of the same caller, through the intake service."""
    with live.app.app_context():
        session = db.session()
        ticket = create_ticket(
            session,
            TicketInput(
                channel="web",
                description="Sokağımızdaki çukur büyüdü.",
                topic_code="FEN.YOL.01",
                district_code="KARSIYAKA",
                address="1715. Sokak No: 3",
                citizen=CitizenInput(full_name="Hatice Öztürk", phone=CALLER_PHONE),
            ),
            now=utcnow() - timedelta(days=7),
        ).ticket
        number = ticket.number
        session.commit()
        db.session.remove()
    return number


def stored(live: LiveServer, number: str) -> tuple[Channel, str | None, str | None, str]:
    with live.app.app_context():
        ticket = db.session.scalar(sa.select(Ticket).where(Ticket.number == number))
        assert ticket is not None
        found = (
            ticket.channel,
            ticket.created_by.username if ticket.created_by else None,
            ticket.topic_code.code if ticket.topic_code else None,
            ticket.description,
        )
        db.session.remove()
    return found


def test_operator_takes_a_call(page: Page, live: LiveServer) -> None:
    earlier = earlier_ticket(live)
    login(page, "operator")
    expect(page).to_have_url(re.compile(r"/console/$"))
    phone = page.locator("#f-phone")
    expect(phone).to_be_focused()

    # The caller's number: Enter looks them up (it does not submit) and moves on.
    page.keyboard.type("0533 999 00 11")
    page.keyboard.press("Enter")
    card = page.locator("#citizen-card")
    expect(card).to_contain_text("Hatice Öztürk")
    expect(card.locator(f'a[href="/tickets/{earlier}"]')).to_be_visible()
    expect(card).to_contain_text("Yolda çukur")
    expect(page.locator("#f-full_name")).to_have_value("Hatice Öztürk")
    expect(page.locator("#f-full_name")).to_be_focused()

    # The topic: Turkish words with dotless ı in capitals; Esc closes the list.
    topic = page.locator("#f-topic_code")
    topic.focus()
    page.keyboard.type("IŞIK")
    listbox = page.locator("#topic-list")
    expect(listbox.locator("[role=option]").first).to_be_visible()
    page.keyboard.press("Escape")
    expect(listbox).to_be_hidden()
    topic.fill("")
    page.keyboard.type("İZİNSİZ AĞAÇ")
    expect(listbox.locator("[role=option]").first).to_contain_text("PARK.AGAC.04")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    expect(listbox.locator('[aria-selected="true"]')).to_contain_text("PARK.AGAC.04")
    page.keyboard.press("Enter")  # picks the topic; does not submit
    expect(topic).to_have_value("PARK.AGAC.04")
    expect(listbox).to_be_hidden()
    expect(page.locator("#topic-chosen")).to_contain_text("İzinsiz ağaç kesimi")
    expect(page).to_have_url(re.compile(r"/console/$"))

    # Address and text, but no district: the topic needs one.
    page.locator("#f-address").fill("Atatürk Parkı, 1720. Sokak girişi")
    page.locator("#f-description").focus()
    page.keyboard.type(DESCRIPTION)
    page.keyboard.press("Control+Enter")
    error = page.locator("#e-district")
    expect(error).to_contain_text("ilçe")
    expect(page.locator("#f-district")).to_be_focused()
    expect(page.locator("#f-description")).to_have_value(DESCRIPTION)
    expect(page.locator("#f-address")).to_have_value("Atatürk Parkı, 1720. Sokak girişi")
    expect(page.locator("#f-full_name")).to_have_value("Hatice Öztürk")
    expect(topic).to_have_value("PARK.AGAC.04")
    expect(page.locator("#topic-chosen")).to_contain_text("İzinsiz ağaç kesimi")
    expect(card).to_contain_text("Hatice Öztürk")  # the card is looked up again

    page.locator("#f-district").select_option("KARSIYAKA")
    page.locator("main button[type=submit].primary").click()

    # The number is read back, with where it went and by when.
    readback = page.locator("#readback-number")
    expect(readback).to_contain_text("Başvuru numaranız:")
    number = readback.locator(".readback-number").inner_text().strip()
    assert re.fullmatch(r"\d{4}-\d{6}", number) and number != earlier
    expect(page.locator("#readback-department")).to_contain_text("Park")
    expect(page.locator("#readback-due")).to_contain_text(re.compile(r"\d{2}\.\d{2}\.\d{4}"))
    assert stored(live, number) == (Channel.PHONE, "operator", "PARK.AGAC.04", DESCRIPTION)

    # "Yeni çağrı" is focused: Enter starts the next call on an empty form.
    expect(page.get_by_role("button", name="Yeni çağrı")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/console/\??$"))
    expect(page.locator("#f-description")).to_have_value("")
    expect(page.locator("#f-phone")).to_have_value("")


def test_reload_keeps_the_half_filled_form(page: Page, live: LiveServer) -> None:
    login(page, "operator")
    page.locator("#f-phone").fill("0232 444 55 66")  # nobody on record
    page.locator("#f-description").fill("Çöp konteyneri üç gündür boşaltılmadı.")
    page.locator("#f-address").fill("Mavişehir, 2041. Sokak")
    page.reload()
    expect(page.locator("#f-description")).to_have_value("Çöp konteyneri üç gündür boşaltılmadı.")
    expect(page.locator("#f-address")).to_have_value("Mavişehir, 2041. Sokak")
    expect(page.locator("#f-phone")).to_have_value("0232 444 55 66")
    expect(page.locator("#citizen-card")).to_contain_text("yeni vatandaş")

    # "Formu temizle" drops the draft: a reload then shows an empty form.
    page.get_by_role("button", name="Formu temizle").click()
    expect(page.locator("#f-phone")).to_be_focused()
    page.reload()
    expect(page.locator("#f-description")).to_have_value("")


def test_screen_pop_and_unknown_and_invalid_numbers(page: Page, live: LiveServer) -> None:
    login(page, "operator")
    page.goto("/console/?phone=0232+411+22+33")
    expect(page.locator("#citizen-card")).to_contain_text("yeni vatandaş")
    page.locator("#f-phone").fill("0532 12")
    page.locator("#f-phone").press("Enter")
    expect(page.locator("#phone-msg")).to_contain_text("telefon numarası")
    expect(page.locator("#f-phone")).to_have_attribute("aria-invalid", "true")
