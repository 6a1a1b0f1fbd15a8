"""The anonymised open-data export (KVKK; Balıkesir publishes one like it).

One row per ticket created in the period, with only: topic code and name,
district, neighbourhood, channel, type, the day it was created and the day it
was answered/closed (Istanbul dates, no times), status, and durations in
business hours. Never: names, phone numbers, e-mail, kimlik no, addresses,
descriptions, replies, notes or coordinates.

Small cells would still single people out ("the only complaint about a tree in
a hamlet this week"), so every row is checked against k (default 5):

1. rows whose (district, neighbourhood, topic, ISO week) cell has fewer than k
   tickets lose their neighbourhood (coarsened to the district);
2. coarsened rows whose (district, topic, week) group of coarsened rows still
   has fewer than k are left out (suppressed), and counted in the metadata.

The neighbourhood is free text typed by operators; it is folded ("Alsancak
Mah." = "alsancak") before counting, and one typed oddly is a small cell and
so never published. The export streams: two passes over the period's rows with
``yield_per``, memory proportional to the number of cells, not of tickets.
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import IO
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from himcrm.models import District, Ticket, TicketStatus, TopicCode
from himcrm.reports.period import Period
from himcrm.text import search_key

DEFAULT_K = 5
BATCH = 5000
_SUFFIX = re.compile(r"\b(mahallesi|mah|mh)\b\.?")

#: The data dictionary: column, type, meaning (Turkish, English).
COLUMNS: tuple[tuple[str, str, str, str], ...] = (
    ("topic_code", "string", "Konu kodu (ör. FEN.YOL.01)", "Topic code (e.g. FEN.YOL.01)"),
    ("topic_name", "string", "Konu adı", "Topic name (Turkish)"),
    ("district", "string", "İlçe kodu", "District code"),
    (
        "neighbourhood",
        "string",
        "Mahalle (küçük hücrelerde boş: ilçe düzeyine indirildi)",
        "Neighbourhood (empty where the cell was small: coarsened to the district)",
    ),
    ("channel", "string", "Başvuru kanalı", "Channel the request came in by"),
    ("type", "string", "Başvuru türü", "Request type"),
    ("created_date", "date", "Başvuru günü (İstanbul)", "Day the request was made (Istanbul)"),
    ("iso_week", "string", "ISO hafta (YYYY-Www)", "ISO week (YYYY-Www)"),
    ("concluded_date", "date", "Yanıtlandığı gün (boşsa sürüyor)", "Day answered (empty: open)"),
    ("status", "string", "Durum", "Status"),
    (
        "first_response_hours",
        "number",
        "İlk yanıta kadar geçen iş saati",
        "Business hours to first response",
    ),
    ("resolution_hours", "number", "Sonuçlanana kadar geçen iş saati", "Business hours to answer"),
)
FIELDS = tuple(c[0] for c in COLUMNS)


@dataclass(slots=True)
class OpenDataStats:
    rows: int = 0
    coarsened: int = 0
    suppressed: int = 0
    k: int = DEFAULT_K


@dataclass(frozen=True, slots=True)
class _Row:
    topic_code: str
    topic_name: str
    district: str
    neighbourhood: str
    channel: str
    type: str
    created: date
    concluded: date | None
    status: str
    first_response_minutes: int | None
    resolution_minutes: int | None

    @property
    def week(self) -> str:
        iso = self.created.isocalendar()
        return f"{iso.year}-W{iso.week:02d}"


def neighbourhood_key(text: str) -> str:
    """Fold a typed neighbourhood: case, Turkish letters, the "Mah." suffix, spaces."""
    return " ".join(_SUFFIX.sub(" ", search_key(text or "")).split())


def _rows(session: Session, period: Period, tz: ZoneInfo) -> Iterator[_Row]:
    stmt = (
        sa.select(
            TopicCode.code,
            TopicCode.name_tr,
            District.code,
            Ticket.neighbourhood,
            Ticket.channel,
            Ticket.type,
            Ticket.created_at,
            sa.func.coalesce(Ticket.answered_at, Ticket.closed_at),
            Ticket.status,
            Ticket.first_response_business_minutes,
            Ticket.resolution_business_minutes,
        )
        .join(TopicCode, TopicCode.id == Ticket.topic_code_id)
        .outerjoin(District, District.id == Ticket.district_id)
        .where(
            Ticket.created_at >= period.start,
            Ticket.created_at < period.end,
            # Merged duplicates would count one request twice.
            Ticket.status != TicketStatus.MERGED,
        )
        .order_by(Ticket.created_at, Ticket.id)
        .execution_options(yield_per=BATCH)
    )
    for row in session.execute(stmt):
        concluded = row[7]
        yield _Row(
            topic_code=row[0],
            topic_name=row[1],
            district=row[2] or "",
            neighbourhood=neighbourhood_key(row[3]),
            channel=str(row[4].value if hasattr(row[4], "value") else row[4]),
            type=str(row[5].value if hasattr(row[5], "value") else row[5]),
            created=row[6].astimezone(tz).date(),
            concluded=concluded.astimezone(tz).date() if concluded else None,
            status=str(row[8].value if hasattr(row[8], "value") else row[8]),
            first_response_minutes=row[9],
            resolution_minutes=row[10],
        )


def anonymised_rows(
    session: Session,
    period: Period,
    *,
    k: int = DEFAULT_K,
    timezone: str = "Europe/Istanbul",
    stats: OpenDataStats | None = None,
) -> Iterator[dict[str, object]]:
    """The export's rows, small cells coarsened or suppressed (module docstring)."""
    tz = ZoneInfo(timezone)
    stats = stats if stats is not None else OpenDataStats()
    stats.k = k
    fine: Counter[tuple[str, str, str, str]] = Counter()
    for row in _rows(session, period, tz):
        fine[(row.district, row.neighbourhood, row.topic_code, row.week)] += 1
    coarse: Counter[tuple[str, str, str]] = Counter()
    for (district, neighbourhood, topic, week), n in fine.items():
        if n < k or not neighbourhood:
            coarse[(district, topic, week)] += n
    for row in _rows(session, period, tz):
        neighbourhood = row.neighbourhood
        if fine[(row.district, neighbourhood, row.topic_code, row.week)] < k or not neighbourhood:
            if coarse[(row.district, row.topic_code, row.week)] < k:
                stats.suppressed += 1
                continue
            if neighbourhood:
                stats.coarsened += 1
            neighbourhood = ""
        stats.rows += 1
        yield {
            "topic_code": row.topic_code,
            "topic_name": row.topic_name,
            "district": row.district,
            "neighbourhood": neighbourhood,
            "channel": row.channel,
            "type": row.type,
            "created_date": row.created.isoformat(),
            "iso_week": row.week,
            "concluded_date": row.concluded.isoformat() if row.concluded else "",
            "status": row.status,
            "first_response_hours": _hours(row.first_response_minutes),
            "resolution_hours": _hours(row.resolution_minutes),
        }


def _hours(minutes: int | None) -> float | str:
    return "" if minutes is None else round(minutes / 60, 1)


def data_dictionary(period: Period, stats: OpenDataStats) -> dict[str, object]:
    return {
        "title": "HİM-CRM anonim başvuru verisi / anonymised citizen requests",
        "period": {
            "label": period.label,
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
        },
        "k_anonymity": {
            "k": stats.k,
            "rule": "neighbourhood × topic × ISO week cells below k are coarsened to the "
            "district; district × topic × week groups of coarsened rows below k are suppressed",
            "rows": stats.rows,
            "coarsened": stats.coarsened,
            "suppressed": stats.suppressed,
        },
        "columns": [
            {"name": name, "type": kind, "tr": tr, "en": en} for name, kind, tr, en in COLUMNS
        ],
    }


def write_csv(
    session: Session,
    period: Period,
    out: IO[str],
    *,
    k: int = DEFAULT_K,
    timezone: str = "Europe/Istanbul",
) -> OpenDataStats:
    """Stream the export as CSV (UTF-8, header row) into ``out``."""
    stats = OpenDataStats()
    writer = csv.DictWriter(out, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    for row in anonymised_rows(session, period, k=k, timezone=timezone, stats=stats):
        writer.writerow(row)
    return stats


def write_json(
    session: Session,
    period: Period,
    out: IO[str],
    *,
    k: int = DEFAULT_K,
    timezone: str = "Europe/Istanbul",
) -> OpenDataStats:
    """Stream ``{"rows": [...], "metadata": {...}}`` into ``out``, one row at a time."""
    stats = OpenDataStats()
    out.write('{"rows": [')
    for n, row in enumerate(anonymised_rows(session, period, k=k, timezone=timezone, stats=stats)):
        out.write(",\n" if n else "\n")
        out.write(json.dumps(row, ensure_ascii=False))
    out.write('\n], "metadata": ')
    out.write(json.dumps(data_dictionary(period, stats), ensure_ascii=False))
    out.write("}\n")
    return stats
