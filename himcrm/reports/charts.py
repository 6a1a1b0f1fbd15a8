"""Server-rendered SVG charts for the dashboard: no JavaScript, nothing from a CDN.

Pure functions of report rows that return SVG markup. Each chart has a <title>
and <desc> (screen readers announce them), and every bar carries its value as
text, so the numbers are readable without seeing the bars.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from himcrm.reports.model import AGE_BUCKETS, KpiRow

WIDTH = 640
LABEL_WIDTH = 190
VALUE_WIDTH = 56
BAR_HEIGHT = 14
GAP = 10
TOP = 28  # room for the legend
MAX_ROWS = 30  # the busiest rows; the table below lists all of them


@dataclass(frozen=True, slots=True)
class Series:
    css: str  # class of its bars (colour in reports.css, with a fill fallback)
    name: str
    values: Sequence[float]
    fill: str


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}".replace(".", ",")


def _short(text: str, limit: int = 28) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def bar_chart(
    chart_id: str, title: str, desc: str, categories: Sequence[str], series: Sequence[Series]
) -> Markup:
    """Horizontal grouped bars: one group per category, one bar per series."""
    group_height = BAR_HEIGHT * len(series) + GAP
    height = TOP + group_height * max(len(categories), 1) + 4
    peak = max((v for s in series for v in s.values), default=0) or 1
    scale = (WIDTH - LABEL_WIDTH - VALUE_WIDTH) / peak
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{chart_id}" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
    ]
    x = LABEL_WIDTH
    for s in series:  # the legend
        parts.append(
            f'<rect class="legend {s.css}" x="{x}" y="6" width="12" height="12" fill="{s.fill}"/>'
            f'<text class="legend-text" x="{x + 16}" y="16">{escape(s.name)}</text>'
        )
        x += 24 + 7 * len(s.name)
    if not categories:
        parts.append(f'<text x="{LABEL_WIDTH}" y="{TOP + 14}">{escape(_l("Veri yok"))}</text>')
    for index, category in enumerate(categories):
        y = TOP + index * group_height
        parts.append(f'<g class="bar-row"><title>{escape(category)}</title>')
        label_y = y + BAR_HEIGHT * len(series) / 2 + 4
        parts.append(
            f'<text class="bar-label" x="{LABEL_WIDTH - 6}" y="{label_y}" '
            f'text-anchor="end">{escape(_short(category))}</text>'
        )
        for offset, s in enumerate(series):
            value = s.values[index]
            bar_y = y + offset * BAR_HEIGHT
            width = max(value * scale, 0)
            parts.append(
                f'<rect class="bar {s.css}" x="{LABEL_WIDTH}" y="{bar_y}" width="{width:.1f}" '
                f'height="{BAR_HEIGHT - 2}" fill="{s.fill}">'
                f"<title>{escape(s.name)}: {_fmt(value)}</title></rect>"
                f'<text class="bar-value" x="{LABEL_WIDTH + width + 4:.1f}" '
                f'y="{bar_y + BAR_HEIGHT - 4}">{_fmt(value)}</text>'
            )
        parts.append("</g>")
    parts.append("</svg>")
    # Every piece of text above went through escape(); the rest is our own markup.
    return Markup("".join(parts))  # noqa: S704


def received_concluded_chart(rows: Sequence[KpiRow], *, cut_label: str) -> Markup:
    """Received vs concluded per row of the cut (the busiest ``MAX_ROWS``)."""
    shown = sorted(rows, key=lambda r: (-r.received, -r.concluded, r.label))[:MAX_ROWS]
    return bar_chart(
        "chart-received",
        str(_l("Gelen ve sonuçlanan başvurular: %(cut)s", cut=cut_label)),
        str(
            _l(
                "%(n)s satır; her satırda gelen ve sonuçlanan başvuru sayısı.",
                n=len(shown),
            )
        ),
        [r.label for r in shown],
        [
            Series("received", str(_l("Gelen")), [r.received for r in shown], "#2f5d8a"),
            Series("concluded", str(_l("Sonuçlanan")), [r.concluded for r in shown], "#5e9a4a"),
        ],
    )


def backlog_chart(total: KpiRow) -> Markup:
    """Open tickets by age in days."""
    values = [total.backlog_by_age.get(bucket, 0) for bucket in AGE_BUCKETS]
    return bar_chart(
        "chart-backlog",
        str(_l("Bekleyen başvurular, yaşına göre")),
        str(_l("Açık başvuruların gün olarak yaşı; toplam %(n)s.", n=sum(values))),
        [str(_l("%(bucket)s gün", bucket=bucket)) for bucket in AGE_BUCKETS],
        [Series("backlog", str(_l("Bekleyen")), values, "#c2872b")],
    )


def satisfaction_chart(total: KpiRow) -> Markup:
    """How many citizens gave each score, 1 (not at all) to 5 (very)."""
    scores = ("1", "2", "3", "4", "5")
    values = [total.satisfaction_dist.get(score, 0) for score in scores]
    average = "—" if total.satisfaction_avg is None else _fmt(round(total.satisfaction_avg, 2))
    return bar_chart(
        "chart-satisfaction",
        str(_l("Memnuniyet dağılımı")),
        str(_l("%(n)s yanıt; ortalama %(avg)s (1 hiç, 5 çok memnun).", n=sum(values), avg=average)),
        [str(_l("%(score)s puan", score=score)) for score in scores],
        [Series("satisfaction", str(_l("Yanıt")), values, "#7a5aa6")],
    )
