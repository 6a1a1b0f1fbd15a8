"""Browser tests: a live server on its own database, driven in headless Chromium."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, sync_playwright
from werkzeug.serving import make_server

from himcrm.extensions import db
from tests.conftest import DEMO_PASSWORD, build_database, make_app
from tests.databases import scratch_database

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


class LiveServer:
    def __init__(self, app: Flask) -> None:
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

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
    page.goto("/login")
    page.fill("#f-username", username)
    page.fill("#f-password", password)
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "/login" not in page.url, f"login failed for {username}"
