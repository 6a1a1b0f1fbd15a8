"""The XLSX export: a summary sheet and one formatted sheet per cut."""

from __future__ import annotations

import io
from typing import Any

from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from himcrm.reports.exports import (
    CALL_FIGURES,
    CUT_LABEL,
    FIGURE_COLUMNS,
    HOURS,
    INT,
    PCT,
    SCORE,
    change_pct,
    headline_columns,
)
from himcrm.reports.model import KpiReport, KpiRow

NUMBER_FORMAT = {INT: "#,##0", PCT: "0.0%", HOURS: "0.0", SCORE: "0.00"}
BOLD = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")
MAX_SHEET_TITLE = 31  # Excel's limit


def _cell_value(value: Any, kind: str) -> Any:
    """Percentages are stored as fractions so Excel's % format shows them right."""
    if value is None:
        return None
    return value / 100 if kind == PCT else value


def _header(sheet: Worksheet, titles: list[str]) -> None:
    sheet.append(titles)
    for cell in sheet[1]:
        cell.font = BOLD
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"


def _widths(sheet: Worksheet, widths: list[int]) -> None:
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width


def _summary(book: Workbook, report: KpiReport) -> None:
    sheet = book.active
    assert sheet is not None
    sheet.title = str(_l("Özet"))[:MAX_SHEET_TITLE]
    previous = report.period.previous()
    sheet.append([str(_l("HİM raporu")), report.period.label])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(
        [
            str(_l("Dönem")),
            f"{report.period.first_day:%d.%m.%Y} – {report.period.last_day:%d.%m.%Y}",
        ]
    )
    if report.scope:
        sheet.append([str(_l("Kapsam")), report.scope])
    sheet.append([])
    header_row = sheet.max_row + 1
    sheet.append([str(_l("Gösterge")), report.period.label, previous.label, str(_l("Değişim %"))])
    for cell in sheet[header_row]:
        cell.font = BOLD
        cell.fill = HEADER_FILL

    def figure(label: str, kind: str, current: Any, before: Any) -> None:
        sheet.append(
            [
                label,
                _cell_value(current, kind),
                _cell_value(before, kind),
                _cell_value(change_pct(current, before), PCT),
            ]
        )
        row = sheet.max_row
        sheet.cell(row, 2).number_format = NUMBER_FORMAT[kind]
        sheet.cell(row, 3).number_format = NUMBER_FORMAT[kind]
        sheet.cell(row, 4).number_format = "+0.0%;-0.0%;0.0%"

    for col in headline_columns():
        figure(str(col.label), col.kind, col.get(report.total), col.get(report.previous_total))
    sheet.append([])
    sheet.append([str(_l("Çağrı merkezi"))])
    sheet.cell(sheet.max_row, 1).font = BOLD
    for name, label, kind in CALL_FIGURES:
        figure(
            str(label),
            kind,
            getattr(report.calls, name),
            getattr(report.previous_calls, name),
        )
    _widths(sheet, [34, 16, 16, 12])


def _cut_sheet(book: Workbook, report: KpiReport) -> None:
    sheet = book.create_sheet(str(CUT_LABEL[report.cut])[:MAX_SHEET_TITLE])
    _header(
        sheet,
        [str(CUT_LABEL[report.cut]), str(_l("Kod"))] + [str(c.label) for c in FIGURE_COLUMNS],
    )

    def line(label: str, key: str, row: KpiRow, bold: bool = False) -> None:
        sheet.append([label, key] + [_cell_value(c.get(row), c.kind) for c in FIGURE_COLUMNS])
        number = sheet.max_row
        for offset, col in enumerate(FIGURE_COLUMNS, start=3):
            sheet.cell(number, offset).number_format = NUMBER_FORMAT[col.kind]
        if bold:
            for cell in sheet[number]:
                cell.font = BOLD

    for row in report.rows:
        line(row.label, row.key, row)
    last_data_row = sheet.max_row
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(FIGURE_COLUMNS) + 2)}{last_data_row}"
    line(str(_l("Toplam")), "", report.total, bold=True)
    previous = report.period.previous()
    line(
        str(_l("Önceki dönem toplamı (%(label)s)", label=previous.label)),
        "",
        report.previous_total,
    )
    _widths(sheet, [40, 14] + [13] * len(FIGURE_COLUMNS))
    sheet.row_dimensions[1].height = 45


def to_xlsx(reports: list[KpiReport]) -> bytes:
    """One workbook: the summary (of the first report; every cut has the same totals)."""
    if not reports:
        raise ValueError("to_xlsx needs at least one report")
    book = Workbook()
    _summary(book, reports[0])
    for report in reports:
        _cut_sheet(book, report)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
