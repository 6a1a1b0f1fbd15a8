"""Login in a real browser: the form, the error next to the field, the landing page."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.conftest import login


def test_wrong_password_then_login(page: Page) -> None:
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login\?next=/$"))
    page.fill("#f-username", "operator")
    page.fill("#f-password", "yanlış-parola")
    page.click("main button[type=submit]")
    expect(page.locator("#e-password")).to_contain_text("hatalı")
    expect(page.locator("#f-username")).to_have_value("operator")
    login(page, "operator")
    expect(page.locator(".who")).to_contain_text("Ayşe Yılmaz")
