"""CSV, XLSX and PDF exports of a hand-built report: Turkish text, formats, structure."""

from __future__ import annotations

import csv
import io
import re

from openpyxl import load_workbook

from himcrm.reports.exports import download_filename, to_csv, translate_labels
from himcrm.reports.exports_pdf import to_pdf
from himcrm.reports.exports_xlsx import to_xlsx
from himcrm.reports.model import CallKpis, Cut, KpiReport, KpiRow
from himcrm.reports.period import Period


def sample_report(cut: Cut = Cut.DEPARTMENT) -> KpiReport:
    """Three departments with Turkish names, a total and the previous month's total."""
    rows = [
        KpiRow(
            key="FEN.YOL",
            label="Yol Bakım ve Onarım Şube Müdürlüğü",
            received=40,
            concluded=30,
            concluded_pct=75.0,
            sla_met_pct=80.0,
            overdue_now=4,
            backlog_by_age={"0-2": 3, "3-7": 2, "8-15": 1, "16-30": 0, "31+": 4},
            first_response_median_h=2.5,
            first_response_p90_h=8.25,
            resolution_median_h=20.0,
            resolution_p90_h=60.5,
            reopened=1,
            transfers=2,
            held_hours=130.5,
            satisfaction_avg=4.2,
            satisfaction_dist={"1": 1, "2": 0, "3": 2, "4": 4, "5": 8},
        ),
        KpiRow(
            key="PARK.BAKIM",
            label="Park ve Bahçeler Bakım Şube Müdürlüğü",
            received=12,
            concluded=6,
            concluded_pct=50.0,
            sla_met_pct=None,
            overdue_now=1,
        ),
        KpiRow(key="IZSU", label="İZSU Genel Müdürlüğü", received=0, concluded=1),
    ]
    total = KpiRow(
        key="",
        label="",
        received=52,
        concluded=37,
        concluded_pct=71.2,
        sla_met_pct=80.0,
        overdue_now=5,
        backlog_by_age={"0-2": 3, "3-7": 2, "8-15": 1, "16-30": 0, "31+": 4},
        satisfaction_avg=4.2,
        satisfaction_dist={"1": 1, "2": 0, "3": 2, "4": 4, "5": 8},
    )
    previous = KpiRow(key="", label="", received=40, concluded=20, concluded_pct=50.0)
    return KpiReport(
        period=Period.month(2026, 10),
        cut=cut,
        rows=rows,
        total=total,
        previous_total=previous,
        calls=CallKpis(received=1000, answered=987, answered_pct=98.7, abandoned=9, voicemail=4),
        previous_calls=CallKpis(received=900, answered=880, answered_pct=97.8),
    )


def test_csv_has_bom_turkish_header_and_a_row_per_figure_row() -> None:
    data = to_csv(sample_report())
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    header = rows[0]
    assert header[:4] == ["Birim", "Kod", "Gelen", "Sonuçlanan"]
    assert "Sonuçlanma %" in header and "Bekleyen 31+ gün" in header
    assert len(rows) == 1 + 3 + 2  # header, rows, total, previous total
    yol = rows[1]
    assert yol[0] == "Yol Bakım ve Onarım Şube Müdürlüğü" and yol[1] == "FEN.YOL"
    assert yol[header.index("Gelen")] == "40"
    assert yol[header.index("Sonuçlanma %")] == "75,0"  # decimal comma for Turkish Excel
    assert yol[header.index("İlk yanıt %90 (iş saati)")] == "8,2"
    assert rows[2][header.index("Süresinde %")] == ""  # no value, not "None"
    assert rows[4][0] == "Toplam" and rows[4][header.index("Gelen")] == "52"
    assert rows[5][0] == "Önceki dönem toplamı (2026-09)"
    assert rows[5][header.index("Sonuçlanan")] == "20"


def test_xlsx_summary_and_a_formatted_sheet_per_cut() -> None:
    reports = [sample_report(Cut.DEPARTMENT), sample_report(Cut.TOPIC)]
    book = load_workbook(io.BytesIO(to_xlsx(reports)))
    assert book.sheetnames == ["Özet", "Birim", "Konu kodu"]

    summary = book["Özet"]
    values = {row[0].value: row for row in summary.iter_rows() if row[0].value}
    received = values["Gelen"]
    assert (received[1].value, received[2].value) == (52, 40)
    assert abs(received[3].value - 0.3) < 1e-9  # +30 % as a fraction
    assert received[3].number_format.startswith("+0.0%")
    concluded_pct = values["Sonuçlanma %"]
    assert abs(concluded_pct[1].value - 0.712) < 1e-9
    assert concluded_pct[1].number_format == "0.0%"
    assert values["Cevaplanan çağrı"][1].value == 987

    sheet = book["Birim"]
    header = [cell.value for cell in sheet[1]]
    assert header[:3] == ["Birim", "Kod", "Gelen"]
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, len(header)).column_letter}4"
    pct_col = header.index("Sonuçlanma %") + 1
    assert sheet.cell(2, pct_col).value == 0.75
    assert sheet.cell(2, pct_col).number_format == "0.0%"
    hours_col = header.index("Sonuçlanma medyan (iş saati)") + 1
    assert sheet.cell(2, hours_col).number_format == "0.0"
    assert sheet.cell(2, 1).value == "Yol Bakım ve Onarım Şube Müdürlüğü"
    assert sheet.cell(5, 1).value == "Toplam" and sheet.cell(5, 1).font.bold
    assert sheet.column_dimensions["A"].width >= 30


def test_pdf_is_a4_with_embedded_dejavu_and_page_numbers() -> None:
    data = to_pdf([sample_report()])
    assert data.startswith(b"%PDF")
    assert b"DejaVuSans" in data and b"DejaVuSans-Bold" in data  # Turkish glyphs embedded
    assert b"/FontFile2" in data  # the TrueType font program itself, not just its name
    pages = re.findall(rb"/Type\s*/Page[^s]", data)
    assert len(pages) >= 1
    assert re.search(rb"/MediaBox\s*\[\s*0 0 595\.27\d* 841\.88\d*", data)  # A4 portrait


def test_pdf_grows_to_more_pages_for_many_rows() -> None:
    report = sample_report()
    report.rows = [
        KpiRow(key=f"B{i}", label=f"Birim {i} Şube Müdürlüğü", received=i) for i in range(120)
    ]
    data = to_pdf([report])
    assert len(re.findall(rb"/Type\s*/Page[^s]", data)) >= 3


def test_channel_labels_and_empty_keys_are_translated() -> None:
    report = sample_report(Cut.CHANNEL)
    report.rows = [KpiRow(key="phone", label="phone"), KpiRow(key="cimer", label="cimer")]
    assert [r.label for r in translate_labels(report).rows] == ["Telefon", "CİMER"]
    report = sample_report(Cut.EMPLOYEE)
    report.rows = [KpiRow(key="", label="")]
    assert translate_labels(report).rows[0].label == "(atanmamış)"


def test_download_filename_is_ascii() -> None:
    assert (
        download_filename(sample_report(Cut.DISTRICT), "xlsx") == "himcrm-rapor-2026-10-ilce.xlsx"
    )
    custom = sample_report(Cut.TOPIC)
    from datetime import date

    custom.period = Period.custom(date(2026, 10, 3), date(2026, 10, 9))
    name = download_filename(custom, "csv")
    assert name == "himcrm-rapor-2026-10-03_2026-10-09-konu-kodu.csv"
    assert name.isascii()
