"""Tickets received from other bodies: district municipalities, CİMER and e-mail.

The back office types them in (or imports a CSV export of them) with the
body's own reference. The reference is the intake's external id, so the same
document recorded twice — a second click, a file imported again — finds the
first ticket instead of making a new one. References of district
municipalities are only unique per municipality ("2026/15" exists in Bornova
and in Buca), so their external id is ``<district code>:<reference>``.

A CSV import is all or nothing: every row goes through the one intake service
inside a savepoint; if any row fails, the whole import is rolled back and every
failing row is reported with its line number and field, so the operator fixes
the file and imports it again without creating half of it twice.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from himcrm.citizens.service import CitizenInput
from himcrm.errors import DomainError, ValidationError, parse_choice
from himcrm.models import Channel, TicketType, User
from himcrm.tickets.intake import IntakeResult, TicketInput, create_ticket
from himcrm.tickets.reference import find_district

#: The channels the back office records from other bodies.
SOURCES: tuple[Channel, ...] = (Channel.DISTRICT_MUNICIPALITY, Channel.CIMER, Channel.EMAIL)
#: Document numbers, CİMER application numbers, e-mail Message-IDs.
_REFERENCE = re.compile(r"^[^\s\x00-\x1f]{1,120}$")
MAX_IMPORT_ROWS = 2000
MAX_IMPORT_BYTES = 2 * 1024 * 1024

CSV_COLUMNS = (
    "source",
    "reference",
    "sender_district",
    "type",
    "topic_code",
    "district",
    "neighbourhood",
    "address",
    "description",
    "full_name",
    "phone",
    "email",
)
REQUIRED_COLUMNS = ("source", "reference", "description")


@dataclass(frozen=True, slots=True)
class ExternalInput:
    """A ticket as another body sent it: the body, its reference and the content."""

    source: str
    reference: str
    description: str
    sender_district: str = ""  # which district municipality (for that source)
    type: str = TicketType.REQUEST.value
    topic_code: str = ""
    district: str = ""
    neighbourhood: str = ""
    address: str = ""
    full_name: str = ""
    phone: str = ""
    email: str = ""


def external_id(data: ExternalInput) -> str:
    """The intake's external id for a body's reference (see the module docstring)."""
    channel = parse_choice(Channel, data.source, field="source", message=_l("Bilinmeyen kaynak."))
    if channel not in SOURCES:
        raise ValidationError(_l("Bilinmeyen kaynak."), field="source")
    reference = data.reference.strip()
    if not reference:
        raise ValidationError(_l("Kurumun evrak/başvuru numarası gerekli."), field="reference")
    if not _REFERENCE.match(reference):
        raise ValidationError(
            _l("Numara boşluk içermeden en fazla 120 karakter olabilir."), field="reference"
        )
    if channel is Channel.DISTRICT_MUNICIPALITY:
        sender = data.sender_district.strip().upper()
        if not sender:
            raise ValidationError(
                _l("Başvuruyu gönderen ilçe belediyesini seçin."), field="sender_district"
            )
        return f"{sender}:{reference}"
    return reference


def record_external(
    session: Session, data: ExternalInput, *, actor: User, now: datetime | None = None
) -> IntakeResult:
    """Record one ticket from another body; a known reference returns the first ticket."""
    # The sender must be a district we know, also when the ticket is about another one.
    find_district(session, data.sender_district, field="sender_district")
    ticket_input = TicketInput(
        channel=data.source,
        type=data.type or TicketType.REQUEST.value,
        description=data.description,
        topic_code=data.topic_code.strip() or None,
        district_code=data.district.strip() or None,
        neighbourhood=data.neighbourhood.strip(),
        address=data.address.strip(),
        external_id=external_id(data),
        citizen=CitizenInput(
            full_name=data.full_name.strip(),
            phone=data.phone.strip() or None,
            email=data.email.strip() or None,
            district_code=data.district.strip() or None,
            neighbourhood=data.neighbourhood.strip(),
            # The body collected the request together with the applicant's consent.
            kvkk_consent=bool(data.full_name.strip() or data.phone.strip() or data.email.strip()),
        ),
    )
    return create_ticket(session, ticket_input, actor=actor, now=now)


@dataclass(frozen=True, slots=True)
class RowError:
    line: int  # line number in the file, the header being line 1
    field: str
    message: str


@dataclass(slots=True)
class ImportReport:
    created: list[str] = field(default_factory=list)  # ticket numbers
    duplicates: list[str] = field(default_factory=list)  # already recorded: their numbers
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def import_csv(
    session: Session, content: bytes, *, actor: User, now: datetime | None = None
) -> ImportReport:
    """Import a CSV of tickets from other bodies: all rows, or none (see the module doc).

    On errors the caller must roll back; the report lists every failing row.
    """
    rows = _read_rows(content)
    report = ImportReport()
    for line, row in rows:
        data = ExternalInput(**{name: row.get(name, "") for name in CSV_COLUMNS})
        savepoint = session.begin_nested()
        try:
            result = record_external(session, data, actor=actor, now=now)
        except DomainError as error:
            savepoint.rollback()
            report.errors.append(RowError(line, error.field or "", str(error.message)))
            continue
        savepoint.commit()
        (report.created if result.created else report.duplicates).append(result.ticket.number)
    return report


def _read_rows(content: bytes) -> list[tuple[int, dict[str, str]]]:
    if not content.strip():
        raise ValidationError(_l("Dosya boş."), field="file")
    if len(content) > MAX_IMPORT_BYTES:
        raise ValidationError(
            _l("Dosya en fazla %(n)s MB olabilir.", n=MAX_IMPORT_BYTES // (1024 * 1024)),
            field="file",
        )
    text = _decode(content)
    try:
        dialect = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        header = [name.strip().lower() for name in next(reader)]
    except (StopIteration, csv.Error):
        raise ValidationError(_l("Dosya okunamadı."), field="file") from None
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise ValidationError(
            _l("Eksik sütun: %(columns)s.", columns=", ".join(missing)), field="file"
        )
    unknown = [name for name in header if name and name not in CSV_COLUMNS]
    if unknown:
        raise ValidationError(
            _l("Bilinmeyen sütun: %(columns)s.", columns=", ".join(unknown)), field="file"
        )
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        for values in reader:
            if not any(value.strip() for value in values):
                continue
            if len(rows) >= MAX_IMPORT_ROWS:
                raise ValidationError(
                    _l("Bir dosyada en fazla %(n)s satır olabilir.", n=MAX_IMPORT_ROWS),
                    field="file",
                )
            rows.append((reader.line_num, dict(zip(header, values, strict=False))))
    except csv.Error:
        raise ValidationError(_l("Dosya okunamadı."), field="file") from None
    if not rows:
        raise ValidationError(_l("Dosyada başvuru satırı yok."), field="file")
    return rows


def _decode(content: bytes) -> str:
    """UTF-8 (with or without Excel's BOM), else Windows-1254 (Turkish Excel's CSV)."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return content.decode("cp1254")
        except UnicodeDecodeError:
            raise ValidationError(_l("Dosya UTF-8 değil."), field="file") from None
