"""Tickets from other bodies: references make them idempotent; CSV imports are all or nothing."""

from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from himcrm.channels.other_bodies import ExternalInput, import_csv, record_external
from himcrm.errors import ValidationError
from himcrm.models import Channel, Notification, Role, Ticket, TicketStatus
from tests.conftest import user

HEADER = (
    "source;reference;sender_district;type;topic_code;district;neighbourhood;address;"
    "description;full_name;phone;email\n"
)


def count(session: Session) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(Ticket)) or 0


def test_a_reference_is_recorded_once(session: Session, now: datetime) -> None:
    staff = user(session, Role.BACK_OFFICE)
    data = ExternalInput(
        source="cimer",
        reference="2026-0045123",
        description="Sokak lambası yanmıyor.",
        topic_code="FEN.YOL.01",
        district="KONAK",
        address="Cumhuriyet Blv. 12",
        full_name="Zeynep Demir",
        phone="0532 111 22 33",
    )
    first = record_external(session, data, actor=staff, now=now)
    again = record_external(session, data, actor=staff, now=now)
    assert first.created and not again.created
    assert again.ticket.id == first.ticket.id
    assert first.ticket.channel is Channel.CIMER
    assert first.ticket.external_id == "2026-0045123"
    assert first.ticket.status is TicketStatus.ROUTED
    assert first.ticket.citizen is not None and first.ticket.citizen.kvkk_consent_at is not None


def test_district_municipality_references_are_unique_per_municipality(
    session: Session, now: datetime
) -> None:
    staff = user(session, Role.BACK_OFFICE)
    bornova = ExternalInput(
        source="district_municipality",
        reference="2026/15",
        sender_district="bornova",
        description="Kaldırım kırık.",
    )
    buca = ExternalInput(
        source="district_municipality",
        reference="2026/15",
        sender_district="BUCA",
        description="Başka bir konu.",
    )
    a = record_external(session, bornova, actor=staff, now=now)
    b = record_external(session, buca, actor=staff, now=now)
    assert a.created and b.created and a.ticket.id != b.ticket.id
    assert a.ticket.external_id == "BORNOVA:2026/15"
    # No topic: it waits in the triage queue.
    assert a.ticket.status is TicketStatus.NEW and a.ticket.department_id is None


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"source": "phone"}, "source"),
        ({"source": "nowhere"}, "source"),
        ({"reference": "  "}, "reference"),
        ({"reference": "iki kelime"}, "reference"),
        ({"source": "district_municipality"}, "sender_district"),
        ({"source": "district_municipality", "sender_district": "ATLANTIS"}, "sender_district"),
        ({"description": " "}, "description"),
        ({"topic_code": "YOK.BOYLE"}, "topic_code"),
        ({"phone": "12"}, "citizen.phone"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(
    session: Session, now: datetime, changes: dict[str, str], field: str
) -> None:
    staff = user(session, Role.BACK_OFFICE)
    before = count(session)
    values = {"source": "email", "reference": "<abc@mail.example>", "description": "Metin"}
    with pytest.raises(ValidationError) as refused:
        record_external(session, ExternalInput(**{**values, **changes}), actor=staff, now=now)
    assert refused.value.field == field
    assert count(session) == before


def test_csv_import_creates_every_row_and_skips_known_references(
    session: Session, now: datetime
) -> None:
    staff = user(session, Role.BACK_OFFICE)
    content = (
        HEADER + "cimer;C-1;;complaint;FEN.YOL.01;KONAK;Alsancak;Kıbrıs Şehitleri Cd.;"
        "Yol çökmüş;Ali Veli;05321112233;\n"
        + "district_municipality;2026/7;BUCA;request;;BUCA;;;Çöp alınmadı;;;\n"
        + 'email;<m1@x.example>;;;;;;;"Çok satırlı;\nmetin";;;ali@example.org\n'
        + "cimer;C-1;;complaint;FEN.YOL.01;KONAK;;Kıbrıs Şehitleri Cd.;Aynı, ikinci kez;;;\n"
    ).encode("utf-8-sig")
    report = import_csv(session, content, actor=staff, now=now)
    assert report.ok, report.errors
    assert len(report.created) == 3 and len(report.duplicates) == 1
    assert report.duplicates[0] == report.created[0]
    email = session.scalar(sa.select(Ticket).where(Ticket.external_id == "<m1@x.example>"))
    assert email is not None and email.description == "Çok satırlı;\nmetin"


def test_csv_import_with_a_bad_row_reports_every_bad_row(session: Session, now: datetime) -> None:
    staff = user(session, Role.BACK_OFFICE)
    content = (
        HEADER
        + "cimer;C-10;;;;;;;İyi satır;;;\n"
        + "cimer;;;;;;;;Numarasız;;;\n"
        + "district_municipality;5;;;;;;;Gönderen yok;;;\n"
        + "fax;1;;;;;;;Bilinmeyen kaynak;;;\n"
    ).encode()
    report = import_csv(session, content, actor=staff, now=now)
    assert not report.ok
    assert [(e.line, e.field) for e in report.errors] == [
        (3, "reference"),
        (4, "sender_district"),
        (5, "source"),
    ]


def test_turkish_excel_csv_in_windows_1254_is_read(session: Session, now: datetime) -> None:
    staff = user(session, Role.BACK_OFFICE)
    content = ("source,reference,description\ncimer,W-1,Işıklar yanmıyor; ağaç düştü\n").encode(
        "cp1254"
    )
    report = import_csv(session, content, actor=staff, now=now)
    assert report.ok
    ticket = session.scalar(sa.select(Ticket).where(Ticket.external_id == "W-1"))
    assert ticket is not None and ticket.description == "Işıklar yanmıyor; ağaç düştü"


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"", "boş"),
        (b"source;description\ncimer;x\n", "reference"),
        (b"source;reference;description;salary\ncimer;1;x;9\n", "salary"),
        (b"source;reference;description\n", "satırı yok"),
    ],
)
def test_unreadable_files_are_refused_as_a_whole(
    session: Session, now: datetime, content: bytes, fragment: str
) -> None:
    staff = user(session, Role.BACK_OFFICE)
    with pytest.raises(ValidationError) as refused:
        import_csv(session, content, actor=staff, now=now)
    assert refused.value.field == "file"
    assert fragment in str(refused.value.message)


def test_acknowledgements_are_queued_for_imported_citizens(session: Session, now: datetime) -> None:
    staff = user(session, Role.BACK_OFFICE)
    content = (HEADER + "cimer;ACK-1;;;;;;;Metin;Ayşe Kaya;0533 222 33 44;\n").encode()
    report = import_csv(session, content, actor=staff, now=now)
    assert report.ok
    ticket = session.scalar(sa.select(Ticket).where(Ticket.external_id == "ACK-1"))
    assert ticket is not None
    sms = session.scalars(sa.select(Notification).where(Notification.ticket_id == ticket.id)).all()
    assert [n.template for n in sms] == ["ticket_created"]
