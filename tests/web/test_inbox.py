"""The department inbox and the ticket actions: scoping, filters, errors, attachments."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from himcrm.models import (
    Attachment,
    EventKind,
    Reply,
    ReplyStatus,
    ReplyTemplate,
    Ticket,
    TicketStatus,
    TopicCode,
    utcnow,
)
from himcrm.tickets import attachments, inbox_queries
from tests import factories as f
from tests.web.inbox_helpers import (
    as_user,
    by_username,
    department,
    event_count,
    fen_ticket,
    reload,
    send,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def numbers_in(html: str) -> list[str]:
    return re.findall(r'href="/tickets/([0-9]{4}-[0-9]+)"', html)


# --------------------------------------------------------------------------- the list


def test_inbox_lists_the_departments_open_tickets_soonest_due_first(
    app: Flask, web_db: Session
) -> None:
    slow = fen_ticket(web_db, "FEN.YOL.02")  # 135 working hours
    urgent = fen_ticket(web_db, "FEN.YOL.03", phone="+905321112234")  # 18 working hours
    park = f.ticket(web_db, topic_code="PARK.BAKIM.01", now=utcnow(), phone="+905321112235")
    answered = fen_ticket(web_db, "FEN.YOL.01", phone="+905321112236")
    answered.status = TicketStatus.ANSWERED
    web_db.commit()

    page = as_user(app, "fen.personel").get("/inbox/")
    assert page.status_code == 200
    shown = numbers_in(page.get_data(as_text=True))
    assert shown.index(urgent.number) < shown.index(slow.number)
    assert park.number not in shown and answered.number not in shown

    shown = numbers_in(as_user(app, "park.personel").get("/inbox/").get_data(as_text=True))
    assert park.number in shown and slow.number not in shown


def test_filters(app: Flask, web_db: Session) -> None:
    now = utcnow()
    mine, free, late, soon = (fen_ticket(web_db, phone=f"+90532111220{n}") for n in range(4))
    other_topic = fen_ticket(web_db, "FEN.YOL.03", phone="+905321112299")
    me = by_username(web_db, "fen.personel")
    mine.assignee_id = me.id
    late.resolution_due_at = now - timedelta(hours=1)
    soon.sla_started_at, soon.resolution_due_at = now - timedelta(hours=9), now + timedelta(hours=1)
    free.sla_started_at, free.resolution_due_at = now - timedelta(hours=1), now + timedelta(hours=9)
    web_db.commit()
    client = as_user(app, "fen.personel")

    def shown(query: str) -> set[str]:
        response = client.get(f"/inbox/?{query}")
        assert response.status_code == 200
        return set(numbers_in(response.get_data(as_text=True)))

    assert shown("assignee=me") == {mine.number}
    assert mine.number not in shown("assignee=none") and free.number in shown("assignee=none")
    assert shown("overdue=1") == {late.number}
    assert shown("due_soon=1") == {soon.number}
    assert shown("topic=fen.yol.03") == {other_topic.number}  # Turkish upper-casing
    assert shown("status=in_progress") == set()
    assert other_topic.number in shown("status=routed")
    konak = f.district_of(web_db, "KONAK")
    assert other_topic.number in shown(f"district={konak.id}")
    assert shown(f"district={f.district_of(web_db, 'BORNOVA').id}") == set()
    # The form keeps what was chosen.
    html = client.get("/inbox/?overdue=1&topic=FEN.YOL&assignee=none").get_data(as_text=True)
    assert 'name="overdue" value="1" checked' in html and 'value="FEN.YOL"' in html
    assert re.search(r'<option value="none"\s+selected', html)
    # The row markers.
    html = client.get("/inbox/").get_data(as_text=True)
    assert "gecikti" in html and "süresi yaklaşıyor" in html


def test_supervisors_pick_a_department(app: Flask, web_db: Session) -> None:
    ticket = fen_ticket(web_db)
    client = as_user(app, "yonetici")
    html = client.get("/inbox/").get_data(as_text=True)
    assert "bir birim seçin" in html and numbers_in(html) == []
    fen = department(web_db, "FEN")  # the directorate: its branches are included
    assert ticket.number in numbers_in(client.get(f"/inbox/?department={fen.id}").get_data(True))
    park = department(web_db, "PARK")
    assert numbers_in(client.get(f"/inbox/?department={park.id}").get_data(True)) == []


def test_a_department_user_cannot_widen_the_scope_by_url(app: Flask, web_db: Session) -> None:
    ticket = fen_ticket(web_db)
    client = as_user(app, "park.personel")
    for dept in ("FEN", "FEN.YOL"):
        html = client.get(f"/inbox/?department={department(web_db, dept).id}").get_data(True)
        assert ticket.number not in html


def test_roles_outside_the_departments_get_403(app: Flask, web_db: Session) -> None:
    client = as_user(app, "operator")
    assert client.get("/inbox/").status_code == 403
    ticket = fen_ticket(web_db)
    assert send(client, f"/inbox/{ticket.number}/start").status_code == 403


def test_pages_of_the_inbox_and_no_n_plus_one(app: Flask, web_db: Session) -> None:
    for n in range(5):
        fen_ticket(web_db, phone=f"+90532333000{n}")
    user = by_username(web_db, "fen.personel")
    filters = inbox_queries.InboxFilter()
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    bind = web_db.connection()
    sa.event.listen(bind, "before_cursor_execute", count)
    try:
        first = inbox_queries.inbox_page(web_db, user, filters, now=utcnow(), page=1, per_page=2)
        statements.clear()
        last = inbox_queries.inbox_page(web_db, user, filters, now=utcnow(), page=3, per_page=2)
        for ticket in first.tickets + last.tickets:  # what the rows show: no more queries
            _ = (ticket.topic_code, ticket.district, ticket.assignee, ticket.department)
    finally:
        sa.event.remove(bind, "before_cursor_execute", count)
    assert (first.total, first.pages, len(first.tickets)) == (5, 3, 2)
    assert (last.page, len(last.tickets)) == (3, 1)
    assert len(statements) <= 3  # subtree, count, page (joined loads)
    beyond = inbox_queries.inbox_page(web_db, user, filters, now=utcnow(), page=99, per_page=2)
    assert beyond.page == 3


def test_the_inbox_query_uses_the_partial_index(app: Flask, web_db: Session) -> None:
    user = by_username(web_db, "fen.personel")
    stmt = inbox_queries.inbox_query(web_db, user, inbox_queries.InboxFilter(), now=utcnow())
    stmt = stmt.order_by(Ticket.resolution_due_at.asc().nulls_last()).limit(50)
    dialect = web_db.get_bind().dialect
    sql = str(stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    if dialect.name == "postgresql":
        _department_history(web_db, fen_ticket(web_db, "FEN.YOL.01"))
        web_db.execute(sa.text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(r[0] for r in web_db.execute(sa.text(f"EXPLAIN {sql}")))
    else:
        plan = "\n".join(str(r[-1]) for r in web_db.execute(sa.text(f"EXPLAIN QUERY PLAN {sql}")))
    assert "ix_tickets_open_department_due" in plan, plan


def _department_history(db: Session, model: Ticket, closed: int = 3000) -> None:
    """A department whose concluded tickets outnumber its open ones, as in production.

    On near-empty tables every index of the department costs the planner the same
    and it picks one at random (since ``ix_tickets_department_id_id`` exists); with
    a history it must show it reads the open tickets' partial index.
    """
    table = Ticket.__table__
    copied = [c.name for c in table.columns if c.name not in {"id", "number", "tracking_token"}]
    values = ", ".join("'closed'" if name == "status" else name for name in copied)
    db.execute(
        sa.text(
            f"INSERT INTO tickets (number, tracking_token, {', '.join(copied)}) "  # noqa: S608 -- column names from the model
            f"SELECT 'H-' || g, md5(g::text), {values} FROM tickets, generate_series(1, :n) g "
            "WHERE tickets.id = :id"
        ),
        {"n": closed, "id": model.id},
    )
    db.execute(sa.text("ANALYZE tickets"))


# --------------------------------------------------------------------------- actions


def test_take_start_note_hold_and_resume(app: Flask, web_db: Session) -> None:
    ticket = fen_ticket(web_db)
    n = ticket.number
    client = as_user(app, "fen.personel")
    page = client.get(f"/tickets/{n}").get_data(as_text=True)
    assert "Üzerime al" in page and "İşleme başla" in page and "Beklemeden çıkar" not in page

    response = send(client, f"/inbox/{n}/assign", {"assign_to": "me"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/tickets/{n}")
    assert reload(web_db, ticket).assignee_id == by_username(web_db, "fen.personel").id
    assert send(client, f"/inbox/{n}/start").status_code == 302
    assert reload(web_db, ticket).status == TicketStatus.IN_PROGRESS
    assert send(client, f"/inbox/{n}/note", {"note_text": "Ekip yönlendirildi."}).status_code == 302
    assert reload(web_db, ticket).events[-1].reason == "Ekip yönlendirildi."

    before = event_count(web_db, ticket)
    response = send(client, f"/inbox/{n}/hold", {"hold_reason": "   "})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(r'id="e-hold_reason">Gerekçe yazılmalı', html)
    assert event_count(web_db, ticket) == before
    assert reload(web_db, ticket).status == TicketStatus.IN_PROGRESS

    response = send(client, f"/inbox/{n}/hold", {"hold_reason": "Vatandaştan adres bekleniyor."})
    assert response.status_code == 302
    held = reload(web_db, ticket)
    assert held.status == TicketStatus.ON_HOLD and held.sla_paused_at is not None
    page = client.get(f"/tickets/{n}").get_data(as_text=True)
    assert "durduruldu" in page and "Beklemeden çıkar" in page
    assert send(client, f"/inbox/{n}/resume").status_code == 302
    resumed = reload(web_db, ticket)
    assert resumed.status == TicketStatus.IN_PROGRESS and resumed.sla_paused_at is None


def test_errors_keep_what_was_typed(app: Flask, web_db: Session) -> None:
    ticket = fen_ticket(web_db)
    client = as_user(app, "fen.personel")
    park = department(web_db, "PARK.BAKIM")
    response = send(
        client,
        f"/inbox/{ticket.number}/transfer",
        {"transfer_department": str(park.id), "transfer_reason": ""},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="e-transfer_reason"' in html
    assert re.search(rf'<option value="{park.id}"\s+selected', html)
    response = send(client, f"/inbox/{ticket.number}/transfer", {"transfer_reason": "Park işi."})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="e-transfer_department"' in html
    assert "Park işi.</textarea>" in html
    response = send(client, f"/inbox/{ticket.number}/note", {"note_text": "  "})
    assert response.status_code == 422 and 'id="e-note_text"' in response.get_data(as_text=True)
    assert reload(web_db, ticket).department_id == department(web_db, "FEN.YOL").id


def test_assign_to_a_colleague_only(app: Flask, web_db: Session) -> None:
    ticket = fen_ticket(web_db)
    client = as_user(app, "fen.mudur")
    saha = by_username(web_db, "saha")
    assert send(client, f"/inbox/{ticket.number}/assign", {"assign_to": saha.id}).status_code == 302
    assert reload(web_db, ticket).assignee_id == saha.id
    assert reload(web_db, ticket).events[-1].kind == EventKind.ASSIGNED
    outsider = by_username(web_db, "park.personel")
    response = send(client, f"/inbox/{ticket.number}/assign", {"assign_to": outsider.id})
    assert response.status_code == 422
    assert "biriminde değil" in response.get_data(as_text=True)
    assert reload(web_db, ticket).assignee_id == saha.id


def test_transfer_moves_the_ticket_out_of_sight(app: Flask, web_db: Session) -> None:
    ticket = fen_ticket(web_db)
    client = as_user(app, "fen.personel")
    park = department(web_db, "PARK.BAKIM")
    response = send(
        client,
        f"/inbox/{ticket.number}/transfer",
        {"transfer_department": park.id, "transfer_reason": "Konu park bakımı."},
    )
    assert response.status_code == 302
    moved = reload(web_db, ticket)
    assert moved.department_id == park.id and moved.status == TicketStatus.ROUTED
    assert moved.events[-1].kind == EventKind.TRANSFERRED
    assert client.get(f"/tickets/{ticket.number}").status_code == 404
    assert ticket.number in as_user(app, "park.personel").get("/inbox/").get_data(as_text=True)


ACTIONS = [
    ("assign", {"assign_to": "me"}),
    ("start", {}),
    ("transfer", {"transfer_department": "1", "transfer_reason": "x"}),
    ("hold", {"hold_reason": "x"}),
    ("resume", {}),
    ("note", {"note_text": "x"}),
    ("reply", {"reply_body": "x"}),
    ("reply/template", {"reply_template": "1"}),
    ("reply/submit", {"reply_body": "x"}),
]


@pytest.mark.parametrize(("action", "data"), ACTIONS, ids=[a for a, _ in ACTIONS])
def test_another_departments_ticket_is_404_for_every_action(
    app: Flask, web_db: Session, action: str, data: dict[str, str]
) -> None:
    ticket = fen_ticket(web_db)
    before = event_count(web_db, ticket)
    response = send(as_user(app, "park.personel"), f"/inbox/{ticket.number}/{action}", data)
    assert response.status_code == 404
    assert event_count(web_db, ticket) == before
    assert reload(web_db, ticket).status == TicketStatus.ROUTED


def test_csrf_is_required(app: Flask, web_db: Session) -> None:
    ticket = fen_ticket(web_db)
    client = as_user(app, "fen.personel")
    assert client.post(f"/inbox/{ticket.number}/start").status_code == 400
    assert reload(web_db, ticket).status == TicketStatus.ROUTED


# --------------------------------------------------------------------------- replies


def test_reply_drafts_from_a_template_and_versions(app: Flask, web_db: Session) -> None:
    ticket = fen_ticket(web_db)
    group = web_db.scalar(sa.select(TopicCode).where(TopicCode.code == "FEN.YOL"))
    template = ReplyTemplate(name="Yol", body="{number} numaralı başvurunuz programa alındı.")
    template.topic_code = group
    web_db.add(template)
    web_db.commit()
    client = as_user(app, "fen.personel")
    n = ticket.number

    page = client.get(f"/tickets/{n}").get_data(as_text=True)
    assert "Henüz yanıt yazılmadı" in page and ">Yol</option>" in page
    response = send(client, f"/inbox/{n}/reply/template", {"reply_template": template.id})
    assert response.status_code == 302
    page = client.get(f"/tickets/{n}").get_data(as_text=True)
    assert f"{n} numaralı başvurunuz programa alındı.</textarea>" in page

    assert send(client, f"/inbox/{n}/reply", {"reply_body": "Düzeltilmiş."}).status_code == 302
    response = send(client, f"/inbox/{n}/reply", {"reply_body": ""})
    assert response.status_code == 422 and 'id="e-reply_body"' in response.get_data(as_text=True)
    response = send(client, f"/inbox/{n}/reply/submit", {"reply_body": "Düzeltilmiş."})
    assert response.status_code == 302
    web_db.expire_all()
    rows = web_db.scalars(
        sa.select(Reply).where(Reply.ticket_id == ticket.id).order_by(Reply.version)
    )
    assert [(r.version, r.status) for r in rows] == [
        (1, ReplyStatus.SUPERSEDED),
        (2, ReplyStatus.SUBMITTED),
    ]
    assert reload(web_db, ticket).status == TicketStatus.PENDING_APPROVAL
    page = client.get(f"/tickets/{n}").get_data(as_text=True)
    assert "v2" in page and "v1" in page and "Onay bekliyor" in page and "Düzeltilmiş." in page
    assert 'name="reply_body"' not in page  # not editable while the manager decides


def test_submit_without_a_draft_says_so(app: Flask, web_db: Session) -> None:
    ticket = fen_ticket(web_db)
    response = send(as_user(app, "fen.personel"), f"/inbox/{ticket.number}/reply/submit", {})
    assert response.status_code == 422 and "yanıt taslağı yok" in response.get_data(as_text=True)


# --------------------------------------------------------------------------- attachments


def test_upload_and_download(app: Flask, web_db: Session) -> None:
    ticket = fen_ticket(web_db)
    client = as_user(app, "fen.personel")
    response = send(
        client,
        f"/inbox/{ticket.number}/attachments",
        {"attachment": (io.BytesIO(PNG), "../çukur fotoğrafı.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    web_db.expire_all()
    saved = web_db.scalar(sa.select(Attachment).where(Attachment.ticket_id == ticket.id))
    assert saved is not None and saved.filename == "çukur fotoğrafı.png"
    root = attachments.upload_root(app.instance_path)
    path = attachments.stored_path(root, saved)
    assert path.read_bytes() == PNG and Path(app.instance_path) / "uploads" in path.parents

    download = client.get(f"/inbox/attachments/{saved.id}")
    assert download.status_code == 200 and download.data == PNG
    assert download.headers["Content-Type"] == "image/png"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert "filename*=UTF-8''%C3%A7ukur" in download.headers["Content-Disposition"]
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    download.close()

    page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert f"/inbox/attachments/{saved.id}" in page

    outsider = as_user(app, "park.personel")
    assert outsider.get(f"/inbox/attachments/{saved.id}").status_code == 404
    assert outsider.get(f"/inbox/attachments/{saved.id + 999}").status_code == 404


def test_upload_refuses_what_is_not_an_image_or_pdf(app: Flask, web_db: Session) -> None:
    ticket = fen_ticket(web_db)
    client = as_user(app, "fen.personel")
    response = send(
        client,
        f"/inbox/{ticket.number}/attachments",
        {"attachment": (io.BytesIO(b"<svg onload=alert(1)>"), "foto.png", "image/png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert re.search(r'id="e-attachment">Yalnızca JPEG, PNG veya PDF', response.get_data(True))
    response = send(client, f"/inbox/{ticket.number}/attachments", {})
    assert response.status_code == 422
    web_db.expire_all()
    assert web_db.scalar(sa.select(sa.func.count()).where(Attachment.ticket_id == ticket.id)) == 0
    outsider = as_user(app, "park.personel")
    response = send(
        outsider,
        f"/inbox/{ticket.number}/attachments",
        {"attachment": (io.BytesIO(PNG), "a.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 404
