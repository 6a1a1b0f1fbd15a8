"""Browser tests: a live server on its own database, driven in headless Chromium."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import Browser, Page, sync_playwright
from werkzeug.serving import make_server

from himcrm.extensions import db
from himcrm.models import User
from tests.conftest import DEMO_PASSWORD, build_database, make_app
from tests.databases import scratch_database
from tests.totp import fresh_code, secret_of

CHROMIUM = os.environ.get("HIMCRM_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


#: The app behind each running live server, by origin: the login helper reads a
#: user's two-factor secret from its database, as their authenticator app holds it.
_LIVE_APPS: dict[str, Flask] = {}


class LiveServer:
    def __init__(self, app: Flask) -> None:
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        _LIVE_APPS[self.url] = app

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    tmp: Path = tmp_path_factory.mktemp("live")
    with scratch_database(tmp, "e2e") as url:
        app = make_app(url, tmp / "instance")
        build_database(app)
        with LiveServer(app) as server:
            yield server
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        raise RuntimeError(
            f"Chromium not found at {CHROMIUM}: install Debian's chromium (see .ci/run)"
        )
    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Browser, live: LiveServer) -> Iterator[Page]:
    context = browser.new_context(
        viewport={"width": 1366, "height": 768}, locale="tr-TR", base_url=live.url
    )
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    context.close()


def login(page: Page, username: str, password: str = DEMO_PASSWORD) -> None:
    """Log in, completing two-factor login where it applies (see tests/web/conftest.py)."""
    page.goto("/login")
    page.fill("#f-username", username)
    page.fill("#f-password", password)
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    if urlsplit(page.url).path == "/login/code":
        parts = urlsplit(page.url)
        app = _LIVE_APPS[f"{parts.scheme}://{parts.netloc}"]
        with app.app_context():
            user = db.session.scalar(sa.select(User).where(User.username == username))
            assert user is not None
            secret = secret_of(user, app.config["SECRET_KEY"])
            last_step = user.totp_last_step
        page.fill("#f-code", fresh_code(secret, last_step))
        page.click("main button[type=submit]")
        page.wait_for_load_state("networkidle")
    elif urlsplit(page.url).path == "/account/two-factor":
        enrol(page)
    assert "/login" not in page.url, f"login failed for {username}"


def enrol(page: Page) -> list[str]:
    """Enrol on the setup page with the key shown there; return the recovery codes."""
    secret = page.inner_text("#totp-key").replace(" ", "")
    page.fill("#f-code", fresh_code(secret))
    page.click("main button.primary")
    page.wait_for_selector("#recovery-codes")
    codes = [code.strip() for code in page.locator("#recovery-codes li").all_inner_texts()]
    page.click("#totp-done")
    page.wait_for_load_state("networkidle")
    return codes
