"""A supervisor reads the dashboard, drills into a figure and downloads the workbook."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from himcrm.extensions import db
from himcrm.models import utcnow
from tests import factories
from tests.e2e.conftest import LiveServer, login


def new_ticket(live: LiveServer, code: str) -> str:
    with live.app.app_context():
        session = db.session()
        number = factories.ticket(session, topic_code=code, now=utcnow()).number
        session.commit()
        db.session.remove()
    return number


def test_dashboard_drilldown_and_xlsx_download(
    page: Page, live: LiveServer, tmp_path: Path
) -> None:
    yol = new_ticket(live, "FEN.YOL.01")
    park = new_ticket(live, "FEN.AYD.02")

    login(page, "yonetici")  # a supervisor lands on the dashboard
    expect(page.locator("h1")).to_contain_text("Raporlar")
    chart = page.locator("svg#chart-received")
    expect(chart).to_be_visible()
    expect(chart.locator("rect.bar.received")).to_have_count(2)
    row = page.locator("table.by-row tbody tr", has_text="Yol Bakım")
    expect(row).to_have_count(1)
    expect(page.locator("table.headline")).to_contain_text("Önceki dönem")

    row.locator("td a").first.click()  # "Gelen" of FEN.YOL
    expect(page.locator("h1")).to_contain_text("Gelen")
    expect(page.locator("table.drilldown")).to_contain_text(yol)
    expect(page.locator("table.drilldown")).not_to_contain_text(park)
    page.click("text=Göstergelere dön")

    with page.expect_download() as info:
        page.click("text=Excel (XLSX)")
    download = info.value
    assert download.suggested_filename.startswith("himcrm-rapor-")
    assert download.suggested_filename.endswith("-birim.xlsx")
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    book = load_workbook(target)
    assert book.sheetnames == ["Özet", "Birim", "Konu kodu", "Kanal", "İlçe", "Personel"]
    codes = [cell.value for cell in book["Birim"]["B"]][1:]
    assert "FEN.YOL" in codes and "PARK.BAKIM" in codes
