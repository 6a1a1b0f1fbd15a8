"""The PDF export: one printable A4 report with Turkish text, a chart and the table."""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from himcrm.reports.exports import (
    CALL_FIGURES,
    CUT_LABEL,
    PCT,
    change_pct,
    column,
    format_number,
    headline_columns,
)
from himcrm.reports.model import Cut, KpiReport, KpiRow

FONTS = Path(__file__).resolve().parent.parent / "static" / "fonts"
REGULAR, BOLD = "DejaVuSans", "DejaVuSans-Bold"
TABLE_COLUMNS = (
    "received",
    "concluded",
    "concluded_pct",
    "sla_met_pct",
    "overdue_now",
    "resolution_median_h",
    "satisfaction_avg",
)
CHART_ROWS = 12  # the busiest rows; a chart of 80 bars is unreadable on paper
RECEIVED_COLOUR = colors.HexColor("#2f5d8a")
CONCLUDED_COLOUR = colors.HexColor("#7fb069")


@cache
def register_fonts() -> None:
    """The bundled DejaVu fonts: the PDF base fonts have no ğ, ı, İ or ş."""
    pdfmetrics.registerFont(TTFont(REGULAR, str(FONTS / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(FONTS / "DejaVuSans-Bold.ttf")))


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=REGULAR, fontSize=9, leading=11)
    return {
        "base": base,
        "title": ParagraphStyle("title", parent=base, fontName=BOLD, fontSize=16, leading=20),
        "h2": ParagraphStyle("h2", parent=base, fontName=BOLD, fontSize=11, leading=14),
        "cell": ParagraphStyle("cell", parent=base, fontSize=7.5, leading=9),
    }


def _arrow(current: Any, previous: Any) -> str:
    change = change_pct(current, previous)
    if change is None:
        return ""
    sign = "▲" if change > 0 else "▼" if change < 0 else "="
    return f"{sign} {format_number(abs(change), PCT)}%"


def _headline_table(report: KpiReport) -> Table:
    previous = report.period.previous()
    data: list[list[str]] = [
        [str(_l("Gösterge")), report.period.label, previous.label, str(_l("Değişim"))]
    ]
    for col in headline_columns():
        now, before = col.get(report.total), col.get(report.previous_total)
        data.append(
            [
                str(col.label),
                format_number(now, col.kind),
                format_number(before, col.kind),
                _arrow(now, before),
            ]
        )
    for name, label, kind in CALL_FIGURES:
        now, before = getattr(report.calls, name), getattr(report.previous_calls, name)
        data.append(
            [
                str(label),
                format_number(now, kind),
                format_number(before, kind),
                _arrow(now, before),
            ]
        )
    table = Table(data, colWidths=[7 * cm, 3 * cm, 3 * cm, 3 * cm], repeatRows=1)
    table.setStyle(_table_style())
    return table


def _table_style() -> TableStyle:
    return TableStyle(
        [
            ("FONT", (0, 0), (-1, -1), REGULAR, 8),
            ("FONT", (0, 0), (-1, 0), BOLD, 8),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dde6f0")),
            ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
            ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ]
    )


def _short(text: str, limit: int = 14) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def bar_chart(rows: list[KpiRow]) -> Drawing:
    """Received vs concluded for the busiest rows."""
    shown = sorted(rows, key=lambda r: r.received, reverse=True)[:CHART_ROWS]
    drawing = Drawing(17 * cm, 7.5 * cm)
    chart = VerticalBarChart()
    chart.x, chart.y = 1.2 * cm, 2.4 * cm
    chart.width, chart.height = 15.5 * cm, 4.4 * cm
    chart.data = [[r.received for r in shown] or [0], [r.concluded for r in shown] or [0]]
    chart.categoryAxis.categoryNames = [_short(r.label) for r in shown] or [""]
    chart.categoryAxis.labels.fontName = REGULAR
    chart.categoryAxis.labels.fontSize = 6.5
    chart.categoryAxis.labels.angle = 30
    chart.categoryAxis.labels.boxAnchor = "ne"
    chart.valueAxis.labels.fontName = REGULAR
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    chart.bars[0].fillColor = RECEIVED_COLOUR
    chart.bars[1].fillColor = CONCLUDED_COLOUR
    chart.barSpacing = 1
    drawing.add(chart)
    legend = Legend()
    legend.x, legend.y = 12 * cm, 7.3 * cm
    legend.fontName = REGULAR
    legend.fontSize = 7.5
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.colorNamePairs = [
        (RECEIVED_COLOUR, str(_l("Gelen"))),
        (CONCLUDED_COLOUR, str(_l("Sonuçlanan"))),
    ]
    drawing.add(legend)
    if not shown:
        drawing.add(String(8 * cm, 4 * cm, str(_l("Veri yok")), fontName=REGULAR))
    return drawing


def _rows_table(report: KpiReport, styles: dict[str, ParagraphStyle]) -> Table:
    cols = [column(name) for name in TABLE_COLUMNS]
    header = [Paragraph(str(CUT_LABEL[report.cut]), styles["cell"])] + [
        Paragraph(str(c.label), styles["cell"]) for c in cols
    ]
    data: list[list[Any]] = [header]
    for row in [*report.rows, report.total]:
        label = row.label if row is not report.total else str(_l("Toplam"))
        data.append(
            [Paragraph(label, styles["cell"])] + [format_number(c.get(row), c.kind) for c in cols]
        )
    table = Table(data, colWidths=[5.6 * cm] + [1.7 * cm] * len(cols), repeatRows=1)
    style = _table_style()
    style.add("FONT", (0, -1), (-1, -1), BOLD, 8)
    table.setStyle(style)
    return table


def _page_number(canvas: Canvas, doc: SimpleDocTemplate) -> None:
    canvas.saveState()
    canvas.setFont(REGULAR, 8)
    canvas.drawRightString(
        A4[0] - 1.5 * cm, 1 * cm, str(_l("Sayfa %(n)s", n=canvas.getPageNumber()))
    )
    canvas.drawString(1.5 * cm, 1 * cm, str(_l("İzmir BB Hemşehri İletişim Merkezi")))
    canvas.restoreState()


def to_pdf(reports: list[KpiReport]) -> bytes:
    """A4 portrait: title, headline figures vs the previous period, chart, table.

    The chart and the table use the department cut when it is among ``reports``
    (the cut department heads read), otherwise the first report.
    """
    if not reports:
        raise ValueError("to_pdf needs at least one report")
    register_fonts()
    styles = _styles()
    main = next((r for r in reports if r.cut == Cut.DEPARTMENT), reports[0])
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=1.5 * cm,
        rightMargin=1.5 * cm,
        topMargin=1.5 * cm,
        bottomMargin=1.8 * cm,
        title=str(_l("HİM raporu: %(label)s", label=main.period.label)),
        author="HİM-CRM",
    )
    period = main.period
    story: list[Any] = [
        Paragraph(str(_l("HİM raporu: %(label)s", label=period.label)), styles["title"]),
        Paragraph(
            f"{period.first_day:%d.%m.%Y} – {period.last_day:%d.%m.%Y}"
            + (f" · {main.scope}" if main.scope else ""),
            styles["base"],
        ),
        Spacer(1, 0.4 * cm),
        Paragraph(str(_l("Özet ve önceki dönemle karşılaştırma")), styles["h2"]),
        Spacer(1, 0.2 * cm),
        _headline_table(main),
        Spacer(1, 0.5 * cm),
        Paragraph(
            str(_l("Gelen ve sonuçlanan başvurular (%(cut)s)", cut=CUT_LABEL[main.cut])),
            styles["h2"],
        ),
        bar_chart(main.rows),
        Spacer(1, 0.3 * cm),
        Paragraph(str(CUT_LABEL[main.cut]), styles["h2"]),
        Spacer(1, 0.2 * cm),
        _rows_table(main, styles),
    ]
    doc.build(story, onFirstPage=_page_number, onLaterPages=_page_number)
    return out.getvalue()
