"""The back office in a real browser: triage a web request, merge a duplicate; the
admin adds a holiday override and a routing rule and sees the rule win."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa
from playwright.sync_api import Page, expect

from himcrm.citizens.service import CitizenInput
from himcrm.extensions import db
from himcrm.models import HolidayOverride, RoutingRule, Ticket, TicketStatus, utcnow
from himcrm.tickets.intake import TicketInput, create_ticket
from tests.e2e.conftest import LiveServer, login


def web_request(live: LiveServer, description: str, *, age: timedelta = timedelta(0)) -> str:
    """A request from the public web form: no topic code, so it waits for triage."""
    with live.app.app_context():
        session = db.session()
        ticket = create_ticket(
            session,
            TicketInput(
                channel="web",
                description=description,
                district_code="KONAK",
                address="Kemeraltı, 848. Sokak No: 12",
                citizen=CitizenInput(full_name="Zeynep Arslan", phone="+905337770022"),
            ),
            now=utcnow() - age,
        ).ticket
        number = ticket.number
        session.commit()
        db.session.remove()
    return number


def stored(live: LiveServer, number: str) -> Ticket:
    with live.app.app_context():
        ticket = db.session.scalar(sa.select(Ticket).where(Ticket.number == number))
        assert ticket is not None
        db.session.expunge_all()
        db.session.remove()
    return ticket


def test_backoffice_triages_a_web_request(page: Page, live: LiveServer) -> None:
    number = web_request(
        live, "Sokağımızdaki çöp konteyneri üç gündür boşaltılmadı.", age=timedelta(hours=30)
    )
    login(page, "backoffice")
    expect(page).to_have_url(re.compile(r"/triage/$"))
    row = page.locator(f"#t-{number}")
    expect(row).to_contain_text("Web formu")
    expect(row).to_contain_text("çöp konteyneri")
    expect(row).to_contain_text("Konak")

    topic = row.locator("input[name=topic_code]")
    topic.fill("ATIK.COP.01")
    expect(row.locator("output")).to_contain_text("Konak Belediyesi")  # the department, first
    topic.press("Enter")

    expect(page).to_have_url(re.compile(r"/triage/$"))
    expect(page.locator(".flash-success")).to_contain_text("Konak Belediyesi")
    expect(page.locator(f"#t-{number}")).to_have_count(0)
    ticket = stored(live, number)
    assert ticket.status is TicketStatus.ROUTED
    assert ticket.resolution_due_at is not None


def test_backoffice_merges_a_duplicate(page: Page, live: LiveServer) -> None:
    original = web_request(live, "Otobüs durağının camı kırık.", age=timedelta(hours=3))
    duplicate = web_request(live, "Durakta kırık cam var, tehlikeli.")
    login(page, "backoffice")
    page.click(f"#t-{duplicate} a")
    expect(page).to_have_url(re.compile(rf"/triage/{duplicate}$"))

    page.fill("#f-merged_into", "2099-000001")  # a typo first
    page.get_by_role("button", name="Mükerrer: asıl başvuruyla birleştir").click()
    expect(page.locator("#e-merged_into")).to_contain_text("bulunamadı")
    expect(page.locator("#f-merged_into")).to_have_value("2099-000001")

    page.fill("#f-merged_into", original)
    page.get_by_role("button", name="Mükerrer: asıl başvuruyla birleştir").click()
    expect(page.locator(".flash-success")).to_contain_text(original)
    assert stored(live, duplicate).status is TicketStatus.MERGED

    page.goto(f"/tickets/{duplicate}")
    expect(page.locator(".ticket-head")).to_contain_text("Birleştirildi")
    expect(page.locator(f".ticket-head a[href='/tickets/{original}']")).to_be_visible()
    page.goto(f"/tickets/{original}")
    expect(page.locator(".merged-from")).to_contain_text(duplicate)


def test_admin_adds_a_holiday_override_and_a_routing_rule(page: Page, live: LiveServer) -> None:
    login(page, "admin")
    page.goto("/admin/calendars")
    page.select_option("#f-calendar", "default")
    page.fill("#f-day", "2026-12-31")
    page.fill("#f-name", "Yılbaşı arifesi")
    page.check("#f-mode-hours")
    page.fill("#f-hours", "08:30-12:00, 11:30-13:00")
    page.get_by_role("button", name="İstisna gün ekle").click()
    expect(page.locator("#e-hours")).to_contain_text("çakışıyor")
    expect(page.locator("#f-name")).to_have_value("Yılbaşı arifesi")
    page.fill("#f-hours", "08:30-12:00")
    page.get_by_role("button", name="İstisna gün ekle").click()
    expect(page.locator(".flash-success")).to_contain_text("31.12.2026")
    expect(page.locator("#calendar-default")).to_contain_text("08:30–12:00")
    with live.app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(HolidayOverride)) == 1
        db.session.remove()

    page.goto("/admin/routing")
    page.fill("#f-test_topic", "PARK.BAKIM.01")
    page.select_option("#f-test_district", "KARSIYAKA")
    page.get_by_role("button", name="Dene", exact=True).click()
    expect(page.locator(".trial .winner")).to_have_text("Park Bakım Şube Müdürlüğü")

    page.fill("#f-topic_code", "PARK.BAKIM")
    page.select_option("#f-district", "KARSIYAKA")
    page.select_option("#f-department", "ILCE.KARSIYAKA")
    page.fill("#f-note", "Mahalle parkları ilçe belediyesine devredildi.")
    page.get_by_role("button", name="Kuralı ekle").click()
    expect(page.locator(".flash-success")).to_contain_text("PARK.BAKIM")

    page.fill("#f-test_topic", "PARK.BAKIM.01")
    page.select_option("#f-test_district", "KARSIYAKA")
    page.get_by_role("button", name="Dene", exact=True).click()
    expect(page.locator(".trial .winner")).to_have_text("Karşıyaka Belediyesi")
    with live.app.app_context():
        rule = db.session.scalar(
            sa.select(RoutingRule).where(RoutingRule.note.startswith("Mahalle parkları"))
        )
        assert rule is not None and rule.department.code == "ILCE.KARSIYAKA"
        db.session.remove()
