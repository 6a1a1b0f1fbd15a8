"""Dashboard SVG charts: well-formed, accessible, one bar group per row, values as text."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from himcrm.reports.charts import (
    MAX_ROWS,
    backlog_chart,
    received_concluded_chart,
    satisfaction_chart,
)
from himcrm.reports.model import AGE_BUCKETS, KpiRow
from tests.reports.test_exports import sample_report

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))  # noqa: S314 (our own output, not untrusted input)


def bars(root: ET.Element, css: str) -> list[ET.Element]:
    return [r for r in root.iter(f"{SVG}rect") if r.get("class") == f"bar {css}"]


def texts(root: ET.Element, css: str) -> list[str]:
    return [t.text or "" for t in root.iter(f"{SVG}text") if t.get("class") == css]


def test_received_concluded_has_a_group_and_two_bars_per_row() -> None:
    report = sample_report()
    root = parse(received_concluded_chart(report.rows, cut_label="Birim"))
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "Gelen ve sonuçlanan başvurular: Birim"  # type: ignore[union-attr]
    assert root.find(f"{SVG}desc") is not None
    groups = [g for g in root.iter(f"{SVG}g") if g.get("class") == "bar-row"]
    assert len(groups) == len(report.rows) == 3
    assert len(bars(root, "received")) == len(bars(root, "concluded")) == 3
    # values as text, the busiest row first and the widest bar
    assert texts(root, "bar-value")[:2] == ["40", "30"]
    widths = [float(r.get("width") or 0) for r in bars(root, "received")]
    assert widths[0] == max(widths) and widths[2] == 0
    assert texts(root, "bar-label")[0] == "Yol Bakım ve Onarım Şube Mü…"  # shortened
    assert groups[0].find(f"{SVG}title").text == report.rows[0].label  # type: ignore[union-attr]


def test_labels_are_escaped_and_rows_capped() -> None:
    rows = [KpiRow(key=str(i), label=f"<b>&{i}", received=i) for i in range(MAX_ROWS + 5)]
    root = parse(received_concluded_chart(rows, cut_label="Konu"))
    assert len(bars(root, "received")) == MAX_ROWS
    assert texts(root, "bar-label")[0] == f"<b>&{MAX_ROWS + 4}"


def test_empty_chart_is_still_valid() -> None:
    root = parse(received_concluded_chart([], cut_label="İlçe"))
    assert bars(root, "received") == []
    assert any(t.text == "Veri yok" for t in root.iter(f"{SVG}text"))


def test_backlog_and_satisfaction_charts() -> None:
    total = sample_report().total
    backlog = parse(backlog_chart(total))
    assert len(bars(backlog, "backlog")) == len(AGE_BUCKETS)
    assert texts(backlog, "bar-value") == ["3", "2", "1", "0", "4"]
    assert "toplam 10" in (backlog.find(f"{SVG}desc").text or "")  # type: ignore[union-attr]
    satisfaction = parse(satisfaction_chart(total))
    assert texts(satisfaction, "bar-value") == ["1", "0", "2", "4", "8"]
    assert "ortalama 4,2" in (satisfaction.find(f"{SVG}desc").text or "")  # type: ignore[union-attr]
