"""The whole way in one browser session: a call becomes a ticket, the department answers,
the manager approves, and the citizen's messages are in the outbox.

Screenshots of the main screens are taken along the way; with HIMCRM_SCREENSHOTS=<dir>
they are kept there (that is how docs/screenshots/ is made).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import sqlalchemy as sa
from playwright.sync_api import Page, expect

from himcrm.extensions import db
from himcrm.models import (
    Notification,
    NotificationChannel,
    NotificationStatus,
    Ticket,
    TicketStatus,
)
from tests.e2e.conftest import LiveServer, login

CALLER = "0532 418 77 90"
DESCRIPTION = "Mahallemizin ara sokağı hiç asfaltlanmadı, kışın çamurdan geçilmiyor."


class Shots:
    def __init__(self, page: Page, folder: Path) -> None:
        self.page, self.folder, self.taken = page, folder, []
        folder.mkdir(parents=True, exist_ok=True)

    def __call__(self, name: str) -> None:
        path = self.folder / f"{len(self.taken) + 1:02d}-{name}.png"
        self.page.screenshot(path=str(path), full_page=False)
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        self.taken.append(path)

    def keep(self) -> None:
        target = os.environ.get("HIMCRM_SCREENSHOTS")
        if target:
            Path(target).mkdir(parents=True, exist_ok=True)
            for path in self.taken:
                shutil.copy(path, Path(target) / path.name)


def logout(page: Page) -> None:
    page.click(".who button")
    page.wait_for_url(re.compile(r"/login"))


def test_call_to_approved_answer(page: Page, live: LiveServer, tmp_path: Path) -> None:
    shot = Shots(page, tmp_path / "shots")

    # 1. The operator takes the call and reads the number back.
    login(page, "operator")
    page.locator("#f-phone").fill(CALLER)
    page.keyboard.press("Enter")
    expect(page.locator("#citizen-card")).to_contain_text("yeni vatandaş")
    page.locator("#f-full_name").fill("Emine Arslan")
    page.locator("#f-topic_code").fill("FEN.YOL.02")
    page.keyboard.press("Escape")
    page.locator("#f-district").select_option("BUCA")
    page.locator("#f-neighbourhood").fill("Adatepe Mahallesi")
    page.locator("#f-address").fill("Adatepe Mah. 265/12 Sokak")
    page.locator("#f-description").fill(DESCRIPTION)
    shot("operator-new-call")
    page.locator("main button[type=submit].primary").click()
    number = page.locator("#readback-number .readback-number").inner_text().strip()
    assert re.fullmatch(r"\d{4}-\d{6}", number)
    shot("operator-read-back")
    logout(page)

    # 2. Department staff pick it up in their inbox and draft the answer.
    login(page, "fen.personel")
    expect(page.locator("tr", has_text=number)).to_be_visible()
    shot("department-inbox")
    page.click(f"text={number}")
    page.get_by_role("button", name="Üzerime al", exact=True).click()
    page.fill(
        "#f-reply_body", f"{number}: 265/12 Sokak asfalt programına alındı; Mart ayında yapılacak."
    )
    page.click("#inbox-panel button.primary >> text=Onaya gönder")
    expect(page.locator(".ticket-head .status")).to_have_text("Onay bekliyor")
    shot("ticket-page")
    logout(page)

    # 3. The manager approves; the answer goes to the citizen through the outbox.
    login(page, "fen.mudur")
    page.goto("/approvals/")
    row = page.locator("tr", has_text=number)
    expect(row).to_be_visible()
    shot("approval-queue")
    row.locator("text=İncele").click()
    page.get_by_role("button", name="Onayla ve gönder", exact=True).click()
    page.goto(f"/tickets/{number}")
    expect(page.locator(".ticket-head .status")).to_have_text("Yanıtlandı")
    expect(page.locator("ol.timeline")).to_contain_text("Yanıt onaylandı")
    logout(page)

    # 4. Search finds it for a supervisor, with the phone masked.
    login(page, "yonetici")
    page.goto(f"/search/?q={number}")
    expect(page.locator("main")).to_contain_text(number)
    expect(page.locator("main")).not_to_contain_text("418 77 90")
    shot("search")
    shot.keep()

    with live.app.app_context():
        ticket = db.session.scalar(sa.select(Ticket).where(Ticket.number == number))
        assert ticket is not None and ticket.status == TicketStatus.ANSWERED
        assert ticket.created_by is not None and ticket.created_by.username == "operator"
        messages = {
            m.idempotency_key: m
            for m in db.session.scalars(
                sa.select(Notification).where(Notification.ticket_id == ticket.id)
            )
        }
        db.session.remove()
    ack, answer = messages[f"ticket:{ticket.id}:ack"], messages[f"ticket:{ticket.id}:answer:1"]
    assert ack.channel == answer.channel == NotificationChannel.SMS
    assert ack.recipient == answer.recipient == "+905324187790"
    assert "Mart ayında yapılacak" in answer.context["body"]
    # Both were sent right after their commits (console gateway in the embedded default).
    assert ack.status == answer.status == NotificationStatus.SENT
