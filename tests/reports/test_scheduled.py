"""Scheduled reports: stored once per (kind, period), e-mailed once per recipient."""

from __future__ import annotations

from datetime import UTC, datetime
from io import BytesIO

import sqlalchemy as sa
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from himcrm.models import Notification, NotificationChannel, Role
from himcrm.models.report import StoredReport
from himcrm.reports.model import Cut, KpiReport
from himcrm.reports.period import Period
from himcrm.reports.scheduled import generate_stored_report, period_for, stored_reports_of
from himcrm.tickets import lifecycle
from himcrm.tickets.lifecycle import Actor
from tests import factories
from tests.conftest import user

OCTOBER = Period.month(2026, 10)
NOW = datetime(2026, 11, 1, 5, 0, tzinfo=UTC)  # Nov 1st, 08:00 Istanbul


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 10, day, hour, 0, tzinfo=UTC)


def report_mails(session: Session) -> list[Notification]:
    return list(
        session.scalars(
            sa.select(Notification)
            .where(Notification.template == "report_ready")
            .order_by(Notification.recipient)
        )
    )


def test_period_for_the_jobs() -> None:
    monday_8am = datetime(2026, 11, 16, 5, 0, tzinfo=UTC)
    assert period_for("weekly", monday_8am).label == "2026-W46"
    assert period_for("monthly", NOW) == OCTOBER


def test_generating_twice_replaces_the_row_and_mails_once(session: Session) -> None:
    manager = Actor(user(session, Role.DEPT_MANAGER, "FEN.YOL"))
    first = factories.ticket(session, topic_code="FEN.YOL.01", now=at(6, 8))
    factories.ticket(session, topic_code="FEN.AYD.02", now=at(7, 8), channel="web")
    lifecycle.answer(first, manager, now=at(8, 8))
    session.flush()
    recipients = [
        "mudur@izmir.example.org",
        " baskan@izmir.example.org ",
        "mudur@izmir.example.org",
    ]

    stored = generate_stored_report(session, "monthly", OCTOBER, now=NOW, recipients=recipients)
    session.flush()
    first_id = stored.id
    assert (stored.kind, stored.label, stored.period_start) == ("monthly", "2026-10", OCTOBER.start)
    reports = stored_reports_of(stored)
    assert [r.cut for r in reports] == [
        Cut.DEPARTMENT, Cut.TOPIC, Cut.CHANNEL, Cut.DISTRICT, Cut.EMPLOYEE
    ]  # fmt: skip
    assert all(isinstance(r, KpiReport) and r.scope == "" for r in reports)
    assert reports[0].total.received == 2 and reports[0].total.concluded == 1
    channels = {row.label for row in reports[2].rows}
    assert {"Telefon", "Web formu"} <= channels  # Turkish labels, not codes
    assert stored.csv is not None and stored.csv.startswith(b"\xef\xbb\xbf")
    assert stored.pdf is not None and stored.pdf.startswith(b"%PDF")
    assert stored.xlsx is not None
    book = load_workbook(BytesIO(stored.xlsx))
    assert book.sheetnames == ["Özet", "Birim", "Konu kodu", "Kanal", "İlçe", "Personel"]

    mails = report_mails(session)
    assert [m.recipient for m in mails] == ["baskan@izmir.example.org", "mudur@izmir.example.org"]
    assert all(m.channel == NotificationChannel.EMAIL for m in mails)
    assert mails[1].idempotency_key == "report:monthly:2026-10:mudur@izmir.example.org"
    assert mails[0].context["report_id"] == first_id
    assert mails[0].context["received"] == "2"

    # A late ticket of October arrives; the job runs again (a retry, or by hand).
    factories.ticket(session, topic_code="FEN.YOL.01", now=at(30, 12))
    session.flush()
    again = generate_stored_report(
        session, "monthly", OCTOBER, now=NOW.replace(hour=6), recipients=recipients
    )
    session.flush()
    assert again.id == first_id
    rows = session.scalars(sa.select(StoredReport).where(StoredReport.kind == "monthly")).all()
    assert len(rows) == 1
    assert stored_reports_of(rows[0])[0].total.received == 3  # replaced, not kept
    assert rows[0].generated_at == NOW.replace(hour=6)
    assert len(report_mails(session)) == 2  # no second e-mail

    # The weekly report of a week in the same month is a row of its own.
    week = Period.week(at(6, 8).date())
    weekly = generate_stored_report(session, "weekly", week, now=NOW, recipients=[])
    session.flush()
    assert weekly.id != first_id
    assert session.scalar(sa.select(sa.func.count()).select_from(StoredReport)) == 2
