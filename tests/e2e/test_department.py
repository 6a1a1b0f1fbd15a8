"""The department's day in a real browser: take, draft, return, revise, approve; hold and resume."""

from __future__ import annotations

import sqlalchemy as sa
from playwright.sync_api import Page, expect

from himcrm.citizens.service import CitizenInput
from himcrm.extensions import db
from himcrm.models import Notification, Reply, ReplyTemplate, Ticket, TopicCode, User, utcnow
from himcrm.tickets.intake import TicketInput, create_ticket
from tests.e2e.conftest import LiveServer, login

TEMPLATE_BODY = "{number} numaralı başvurunuz incelendi; yol onarımı programa alındı."


def new_ticket(live: LiveServer, phone: str, code: str = "FEN.YOL.02") -> tuple[str, int]:
    """A ticket through the intake service, in the live app's database."""
    with live.app.app_context():
        session = db.session()
        fen_staff = session.scalar(sa.select(User).where(User.username == "fen.personel"))
        group = session.scalar(sa.select(TopicCode).where(TopicCode.code == "FEN.YOL"))
        assert fen_staff is not None and group is not None
        if (
            session.scalar(sa.select(ReplyTemplate).where(ReplyTemplate.name == "Yol onarımı"))
            is None
        ):
            session.add(ReplyTemplate(name="Yol onarımı", body=TEMPLATE_BODY, topic_code=group))
        result = create_ticket(
            session,
            TicketInput(
                channel="phone",
                description="Sokağımızda asfalt yok, yağmurda çamur oluyor.",
                topic_code=code,
                district_code="KONAK",
                address="1203/4 Sokak No: 5",
                citizen=CitizenInput(full_name="Ayşe Kaya", phone=phone),
            ),
            now=utcnow(),
        )
        ticket = result.ticket
        assert ticket.department_id == fen_staff.department_id  # routed to fen.personel's unit
        number, ticket_id = ticket.number, ticket.id
        session.commit()
        db.session.remove()
    return number, ticket_id


def logout(page: Page) -> None:
    page.click(".who button")
    page.wait_for_url("**/login")


def test_take_draft_return_revise_approve(page: Page, live: LiveServer) -> None:
    number, ticket_id = new_ticket(live, "+905321234567")

    login(page, "fen.personel")
    expect(page.locator("h1")).to_contain_text("Birim gelen kutusu")
    page.click(f"text={number}")
    expect(page.locator(".ticket-head h1")).to_contain_text(number)
    page.get_by_role("button", name="Üzerime al", exact=True).click()
    expect(page.locator(".flash-success")).to_contain_text("atandı")

    page.select_option("#f-reply_template", label="Yol onarımı")
    page.get_by_role("button", name="Şablondan taslak oluştur", exact=True).click()
    body = page.locator("#f-reply_body")
    expect(body).to_have_value(TEMPLATE_BODY.replace("{number}", number))
    body.fill(f"{number}: Yolunuz 20 Kasım'da asfaltlanacak.")
    page.get_by_role("button", name="Taslağı kaydet", exact=True).click()
    expect(page.locator(".flash-success")).to_contain_text("sürüm 2")
    page.click("#inbox-panel button.primary >> text=Onaya gönder")
    expect(page.locator(".flash-success")).to_contain_text("onayına gönderildi")
    expect(page.locator(".ticket-head .status")).to_have_text("Onay bekliyor")
    logout(page)

    login(page, "fen.mudur")
    expect(page.locator("h1")).to_contain_text("Onay kuyruğu")
    row = page.locator("tr", has_text=number)
    expect(row).to_contain_text("v2")
    row.locator("text=İncele").click()
    expect(page.locator(".reply-body").first).to_contain_text("20 Kasım'da asfaltlanacak")
    page.get_by_role(
        "button", name="İade et", exact=True
    ).click()  # no reason: the browser's required check stops it
    expect(page).to_have_url(f"/approvals/{_reply_id(live, ticket_id, 2)}")
    page.fill("#f-reason", "Hangi sokak olduğunu da yazın.")
    page.get_by_role("button", name="İade et", exact=True).click()
    expect(page.locator(".flash-success")).to_contain_text("iade edildi")
    expect(page.locator("tr", has_text=number)).to_have_count(0)
    logout(page)

    login(page, "fen.personel")
    page.goto(f"/tickets/{number}")
    expect(page.locator(".reply-versions")).to_contain_text("Hangi sokak olduğunu da yazın.")
    page.fill("#f-reply_body", f"{number}: 1203/4 Sokak 20 Kasım'da asfaltlanacak.")
    page.click("#inbox-panel button.primary >> text=Onaya gönder")  # saves v3 and submits
    expect(page.locator(".flash-success")).to_contain_text("onayına gönderildi")
    logout(page)

    login(page, "fen.mudur")
    page.locator("tr", has_text=number).locator("text=İncele").click()
    expect(page.locator("h2", has_text="sürüm 3")).to_be_visible()
    page.get_by_role("button", name="Onayla ve gönder", exact=True).click()
    expect(page.locator(".flash-success")).to_contain_text("onaylandı ve gönderildi")

    page.goto(f"/tickets/{number}")
    expect(page.locator(".ticket-head .status")).to_have_text("Yanıtlandı")
    timeline = page.locator("ol.timeline")
    for step in (
        "Başvuru alındı",
        "Birime yönlendirildi",
        "Personele atandı",
        "Yanıt taslağı kaydedildi (sürüm 1)",
        "Yanıt taslağı kaydedildi (sürüm 2)",
        "İşlemde → Onay bekliyor",
        "Yanıt taslağı iade edildi",
        "Hangi sokak olduğunu da yazın.",
        "Yanıt taslağı kaydedildi (sürüm 3)",
        "Yanıt onaylandı",
    ):
        expect(timeline).to_contain_text(step)
    expect(page.locator(".reply-versions tbody tr")).to_have_count(3)

    with live.app.app_context():
        keys = set(
            db.session.scalars(
                sa.select(Notification.idempotency_key).where(Notification.ticket_id == ticket_id)
            )
        )
        answer = db.session.scalar(
            sa.select(Notification).where(
                Notification.idempotency_key == f"ticket:{ticket_id}:answer:3"
            )
        )
        assert answer is not None and answer.recipient == "+905321234567"
        assert "1203/4 Sokak" in answer.context["body"]
        db.session.remove()
    # The acknowledgement, the approved (third) version, and tomorrow's survey.
    assert keys == {
        f"ticket:{ticket_id}:ack",
        f"ticket:{ticket_id}:answer:3",
        f"ticket:{ticket_id}:survey",
    }


def _reply_id(live: LiveServer, ticket_id: int, version: int) -> int:
    with live.app.app_context():
        found = db.session.scalar(
            sa.select(Reply.id).where(Reply.ticket_id == ticket_id, Reply.version == version)
        )
        db.session.remove()
    assert found is not None
    return found


def test_hold_pauses_the_sla_and_resume_restarts_it(page: Page, live: LiveServer) -> None:
    number, ticket_id = new_ticket(live, "+905329876543")
    login(page, "fen.personel")
    page.goto(f"/tickets/{number}")
    page.get_by_role("button", name="İşleme başla", exact=True).click()
    expect(page.locator(".ticket-head .status")).to_have_text("İşlemde")

    page.get_by_role(
        "button", name="Beklemeye al", exact=True
    ).click()  # required reason: nothing is sent
    expect(page.locator(".ticket-head .status")).to_have_text("İşlemde")
    page.fill("#f-hold_reason", "Vatandaştan kapı numarası bekleniyor.")
    page.get_by_role("button", name="Beklemeye al", exact=True).click()
    expect(page.locator(".flash-success")).to_contain_text("SLA süresi durdu")
    expect(page.locator(".ticket-head .status")).to_have_text("Beklemede")
    expect(page.locator(".sla .badge.paused").first).to_contain_text("durduruldu")
    expect(page.locator("#f-hold_reason")).to_have_count(0)

    page.get_by_role("button", name="Beklemeden çıkar", exact=True).click()
    expect(page.locator(".ticket-head .status")).to_have_text("İşlemde")
    expect(page.locator(".sla .badge.paused")).to_have_count(0)
    expect(page.locator("ol.timeline")).to_contain_text("Vatandaştan kapı numarası bekleniyor.")
    expect(page.locator("ol.timeline")).to_contain_text("Beklemeden çıktı")
    # The saved copy of the hold form was forgotten: the field comes back empty.
    page.goto(f"/tickets/{number}")
    expect(page.locator("#f-hold_reason")).to_have_value("")
    with live.app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        assert ticket is not None and ticket.sla_paused_at is None
        db.session.remove()
