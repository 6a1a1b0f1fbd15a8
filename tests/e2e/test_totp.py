"""Two-factor login in a real browser: a supervisor enrols on first login (key read from
the page, as typed into an app), then logs in with a computed code."""

from __future__ import annotations

import re

import pyotp
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from himcrm.extensions import db
from himcrm.models import User
from tests.conftest import DEMO_PASSWORD
from tests.e2e.conftest import LiveServer
from tests.totp import fresh_code


def test_supervisor_enrols_then_logs_in_with_a_code(page: Page, live: LiveServer) -> None:
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.goto("/login")
    page.fill("#f-username", "yonetici")
    page.fill("#f-password", DEMO_PASSWORD)
    page.click("main button[type=submit]")
    expect(page).to_have_url(re.compile(r"/account/two-factor$"))
    # Nothing else opens before enrolment.
    page.goto("/reports/")
    expect(page).to_have_url(re.compile(r"/account/two-factor$"))
    qr = page.locator("img.totp-qr")
    expect(qr).to_be_visible()
    assert page.evaluate("() => document.querySelector('img.totp-qr').naturalWidth") > 0
    secret = page.inner_text("#totp-key").replace(" ", "")
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    page.fill("#f-code", fresh_code(secret))
    page.click("main button.primary")
    codes = page.locator("#recovery-codes li")
    expect(codes).to_have_count(10)
    page.click("#totp-done")
    assert page.goto("/reports/").status == 200  # type: ignore[union-attr]
    page.click(".who button[type=submit]")  # log out
    expect(page).to_have_url(re.compile(r"/login"))

    page.goto("/login?next=/reports/")
    page.fill("#f-username", "yonetici")
    page.fill("#f-password", DEMO_PASSWORD)
    page.click("main button[type=submit]")
    expect(page).to_have_url(re.compile(r"/login/code$"))
    page.fill("#f-code", "000000" if pyotp.TOTP(secret).now() != "000000" else "111111")
    page.click("main button[type=submit]")
    expect(page.locator("#e-code")).to_contain_text("hatalı")
    with live.app.app_context():
        last_step = db.session.scalar(
            sa.select(User.totp_last_step).where(User.username == "yonetici")
        )
    page.fill("#f-code", fresh_code(secret, last_step))
    page.click("main button[type=submit]")
    expect(page).to_have_url(re.compile(r"/reports/$"))
    expect(page.locator(".who")).to_contain_text("Zeynep Arslan")
    assert violations == []
