"""What every export shows (the columns), the CSV export and download file names.

Pure functions of :class:`KpiReport`: no database, no request. The XLSX and PDF
exports (``exports_xlsx``, ``exports_pdf``) use the same columns, so a figure has
one name and one unit everywhere.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

from himcrm.reports.model import AGE_BUCKETS, CallKpis, Cut, KpiReport, KpiRow

# Kinds drive formatting: "int" counts, "pct" 0-100 percentages, "hours", "score" (1-5).
INT, PCT, HOURS, SCORE, TEXT = "int", "pct", "hours", "score", "text"


@dataclass(frozen=True, slots=True)
class Column:
    name: str  # stable identifier (also the drill-down figure where there is one)
    label: Any  # lazy Turkish text
    kind: str
    get: Callable[[KpiRow], Any]
    figure: str | None = None  # the drill-down figure behind the number, if any


def _attr(name: str) -> Callable[[KpiRow], Any]:
    return lambda row: getattr(row, name)


def _bucket(bucket: str) -> Callable[[KpiRow], Any]:
    return lambda row: row.backlog_by_age.get(bucket, 0)


CUT_LABEL = {
    Cut.TOTAL: _l("Toplam"),
    Cut.DEPARTMENT: _l("Birim"),
    Cut.TOPIC: _l("Konu kodu"),
    Cut.CHANNEL: _l("Kanal"),
    Cut.DISTRICT: _l("İlçe"),
    Cut.EMPLOYEE: _l("Personel"),
}

FIGURE_COLUMNS: tuple[Column, ...] = (
    Column("received", _l("Gelen"), INT, _attr("received"), "received"),
    Column("concluded", _l("Sonuçlanan"), INT, _attr("concluded"), "concluded"),
    Column("concluded_pct", _l("Sonuçlanma %"), PCT, _attr("concluded_pct")),
    Column("sla_met_pct", _l("Süresinde %"), PCT, _attr("sla_met_pct")),
    Column("overdue_now", _l("Geciken"), INT, _attr("overdue_now"), "overdue_now"),
    *(
        Column(
            f"backlog:{bucket}",
            _l("Bekleyen %(bucket)s gün", bucket=bucket),
            INT,
            _bucket(bucket),
            f"backlog:{bucket}",
        )
        for bucket in AGE_BUCKETS
    ),
    Column(
        "first_response_median_h",
        _l("İlk yanıt medyan (iş saati)"),
        HOURS,
        _attr("first_response_median_h"),
    ),
    Column(
        "first_response_p90_h", _l("İlk yanıt %90 (iş saati)"), HOURS, _attr("first_response_p90_h")
    ),
    Column(
        "resolution_median_h",
        _l("Sonuçlanma medyan (iş saati)"),
        HOURS,
        _attr("resolution_median_h"),
    ),
    Column("resolution_p90_h", _l("Sonuçlanma %90 (iş saati)"), HOURS, _attr("resolution_p90_h")),
    Column("reopened", _l("Yeniden açılan"), INT, _attr("reopened"), "reopened"),
    Column("transfers", _l("Aktarma"), INT, _attr("transfers"), "transfers"),
    Column("held_hours", _l("Birimde bekleme (saat)"), HOURS, _attr("held_hours")),
    Column("satisfaction_avg", _l("Memnuniyet ort."), SCORE, _attr("satisfaction_avg")),
)

#: The figures of the summary: a headline, with the previous period next to it.
HEADLINE = (
    "received",
    "concluded",
    "concluded_pct",
    "sla_met_pct",
    "overdue_now",
    "first_response_median_h",
    "resolution_median_h",
    "reopened",
    "transfers",
    "satisfaction_avg",
)

CALL_FIGURES: tuple[tuple[str, Any, str], ...] = (
    ("received", _l("Gelen çağrı"), INT),
    ("answered", _l("Cevaplanan çağrı"), INT),
    ("answered_pct", _l("Cevaplanma %"), PCT),
    ("abandoned", _l("Kaçan çağrı"), INT),
    ("voicemail", _l("Sesli mesaj"), INT),
)


def column(name: str) -> Column:
    return next(c for c in FIGURE_COLUMNS if c.name == name)


def headline_columns() -> list[Column]:
    return [column(name) for name in HEADLINE]


def change_pct(current: float | None, previous: float | None) -> float | None:
    """Relative change in percent; None when there is nothing to compare with."""
    if current is None or previous is None or previous == 0:
        return None
    return (current - previous) / abs(previous) * 100


def format_number(value: Any, kind: str, *, decimal: str = ",") -> str:
    """A figure as Turkish readers write it (decimal comma); "" for no value."""
    if value is None:
        return ""
    if kind == INT:
        return str(int(value))
    if kind == TEXT:
        return str(value)
    digits = 2 if kind == SCORE else 1
    return f"{float(value):.{digits}f}".replace(".", decimal)


def call_value(calls: CallKpis, name: str) -> Any:
    return getattr(calls, name)


def to_csv(report: KpiReport) -> bytes:
    """One row per row of the cut, then the total and the previous period's total.

    UTF-8 with a BOM and ``;`` between fields with decimal commas: what Excel in
    a Turkish locale opens correctly with a double click.
    """
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(
        [str(CUT_LABEL[report.cut]), str(_l("Kod"))] + [str(c.label) for c in FIGURE_COLUMNS]
    )

    def line(key: str, label: str, row: KpiRow) -> list[str]:
        return [label, key] + [format_number(c.get(row), c.kind) for c in FIGURE_COLUMNS]

    for row in report.rows:
        writer.writerow(line(row.key, row.label, row))
    writer.writerow(line("", str(_l("Toplam")), report.total))
    previous = report.period.previous()
    writer.writerow(
        line(
            "",
            str(_l("Önceki dönem toplamı (%(label)s)", label=previous.label)),
            report.previous_total,
        )
    )
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def download_filename(report: KpiReport, extension: str) -> str:
    """An ASCII name every browser and mail client takes: himcrm-rapor-2026-10-birim.xlsx."""
    from himcrm.text import tr_lower

    cut = unicodedata.normalize("NFKD", tr_lower(str(CUT_LABEL[report.cut])).replace("ı", "i"))
    cut = cut.encode("ascii", "ignore").decode()
    name = f"himcrm-rapor-{report.period.label}-{cut}".replace("..", "_")
    return f"{_UNSAFE.sub('-', name).strip('-')}.{extension}"


def translate_labels(report: KpiReport) -> KpiReport:
    """Readable Turkish labels where the KPI service gives codes or nothing.

    Channels come as their values ("phone"); rows without a district or an
    assignee come with key "". Changes ``report`` in place and returns it.
    """
    from himcrm.models import Channel
    from himcrm.web.labels import CHANNEL

    empty = {Cut.DISTRICT: _l("(ilçe yok)"), Cut.EMPLOYEE: _l("(atanmamış)")}
    for row in report.rows:
        if report.cut == Cut.CHANNEL and row.key in Channel._value2member_map_:
            row.label = str(CHANNEL[Channel(row.key)])
        elif not row.key and report.cut in empty:
            row.label = str(empty[report.cut])
        elif not row.label:
            row.label = row.key
    return report
