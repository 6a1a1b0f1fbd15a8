"""Benchmark: latency of the screen pop, from the call webhook to the operator's browser.

A real server, a real headless Chromium with the operator's console open, and
signed CTI events sent over HTTP. For every call: ``newCall``, then — timed —
``answer`` naming the operator's extension, then ``hangup``. The latency is
from just before the ``answer`` request is sent (``time.time()`` in this
process) to the moment the pop's element is inserted into the page (a
MutationObserver in the page stamps ``Date.now()``; same machine, same clock).
The baseline, measured in the same run for the same calls, is the ``answer``
request's own round trip (signature check, call update, citizen card lookup,
commit, publish): what is left is the transport to the browser.

Two transports:

* ``embedded`` — the default deployment: one process (werkzeug, threaded), the
  in-process broker, SQLite.
* ``redis`` — production shape: ``gunicorn --worker-class gthread`` with two
  workers and ``REDIS_URL``: the webhook and the stream are usually served by
  different processes, so every pop crosses Redis pub/sub.

    .venv/bin/python -m bench.screen_pop --calls 60 --modes embedded,redis
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import flask_migrate
import sqlalchemy as sa
from playwright.sync_api import Page, sync_playwright
from werkzeug.serving import make_server

from himcrm import create_app
from himcrm.channels.phone import cti
from himcrm.citizens.service import CitizenInput
from himcrm.config import Settings
from himcrm.extensions import db
from himcrm.models import User, utcnow
from himcrm.seed.loader import seed_demo_users, seed_reference
from himcrm.tickets.intake import TicketInput, create_ticket

ROOT = Path(__file__).resolve().parent.parent
# A throwaway local database: fixed credentials are fine.
PASSWORD = "Bench-Password-2026"  # noqa: S105
SECRET = "bench-cti-secret"  # noqa: S105
KEY = "bench-secret-key"
CALLER = "+905337776655"
CHROMIUM = os.environ.get("HIMCRM_CHROMIUM", "/usr/bin/chromium")

OBSERVER = """
window.__pops = {};
new MutationObserver(function (changes) {
  changes.forEach(function (change) {
    change.addedNodes.forEach(function (node) {
      if (node.dataset && node.dataset.callId) window.__pops[node.dataset.callId] = Date.now();
    });
  });
}).observe(document.getElementById("screen-pop"), { childList: true });
"""


def prepare_database(url: str, instance: Path) -> None:
    """Schema, reference data, the operator at extension 101 and a caller with a ticket."""
    app = create_app(Settings(secret_key=KEY, database_url=url, instance_path=instance))
    with app.app_context():
        flask_migrate.upgrade(directory=str(ROOT / "migrations"))
        seed_reference(db.session)
        seed_demo_users(db.session, password=PASSWORD)
        user = db.session.scalar(sa.select(User).where(User.username == "operator"))
        assert user is not None
        user.phone_extension = "101"
        create_ticket(
            db.session(),
            TicketInput(
                channel="web",
                description="Sokak lambası yanmıyor.",
                topic_code="FEN.YOL.01",
                district_code="BORNOVA",
                address="372. Sokak",
                citizen=CitizenInput(full_name="Zeynep Kaya", phone=CALLER),
            ),
            now=utcnow() - timedelta(days=2),
        )
        db.session.commit()
        db.engine.dispose()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def embedded_server(url: str, instance: Path) -> Iterator[str]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = Settings(
        secret_key=KEY,
        database_url=url,
        instance_path=instance,
        public_base_url=base,
        cti_secret=SECRET,
        testing=True,  # no embedded job ticker competing for the CPU
    )
    server = make_server("127.0.0.1", port, create_app(settings), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield base
    finally:
        server.shutdown()


@contextmanager
def gunicorn_server(url: str, instance: Path, redis_url: str) -> Iterator[str]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": KEY,
        "REDIS_URL": redis_url,
        "HIMCRM_CTI_SECRET": SECRET,
        "HIMCRM_INSTANCE_PATH": str(instance),
        "HIMCRM_PUBLIC_BASE_URL": base,
    }
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"127.0.0.1:{port}",
        "--worker-class",
        "gthread",
        "--workers",
        "2",
        "--threads",
        "8",
        "--graceful-timeout",
        "2",  # open streams would hold a graceful stop for 30 s
        "--log-level",
        "warning",
        "wsgi:app",
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603 -- our own command
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2):  # noqa: S310
                    break
            except OSError:
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


def post_event(base: str, body: dict[str, str]) -> float:
    """Send one signed CTI event; the round trip in seconds."""
    raw = json.dumps(body).encode()
    stamp = str(int(time.time()))
    request = urllib.request.Request(  # noqa: S310 -- the local benchmark server
        base + "/phone/cti/events",
        data=raw,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "X-HIMCRM-Timestamp": stamp,
            "X-HIMCRM-Signature": cti.sign(SECRET, stamp, raw),
        },
    )
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        response.read()
    return time.perf_counter() - started


def open_console(page: Page, base: str) -> None:
    page.goto(base + "/login")
    page.fill("#f-username", "operator")
    page.fill("#f-password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/console/")
    page.wait_for_selector("#screen-pop[data-connected='1']", state="attached")
    page.evaluate(OBSERVER)


def measure(base: str, calls: int, prefix: str) -> tuple[list[float], list[float]]:
    """(latencies to the browser, answer round trips), in milliseconds."""
    latencies: list[float] = []
    round_trips: list[float] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page()
        open_console(page, base)
        for n in range(calls + 3):  # the first three warm up and are not counted
            call_id = f"{prefix}-{n}-{time.time_ns()}"
            post_event(base, {"event": "newCall", "callId": call_id, "caller": CALLER})
            sent_ms = time.time() * 1000
            trip = post_event(base, {"event": "answer", "callId": call_id, "extension": "101"})
            handle = page.wait_for_function(
                "() => { var e = document.querySelector('#screen-pop .pop');"
                " return e && window.__pops[e.dataset.callId] || null; }",
                timeout=10_000,
            )
            shown_ms = float(handle.json_value())
            post_event(base, {"event": "hangup", "callId": call_id})
            page.evaluate("document.querySelectorAll('#screen-pop .pop').forEach(e => e.remove())")
            if n >= 3:
                latencies.append(shown_ms - sent_ms)
                round_trips.append(trip * 1000)
            time.sleep(0.05)
        browser.close()
    return latencies, round_trips


def summary(values: list[float]) -> str:
    ordered = sorted(values)
    p90 = ordered[max(0, int(len(ordered) * 0.9) - 1)]
    return (
        f"median {statistics.median(ordered):6.1f} ms · p90 {p90:6.1f} · "
        f"min {ordered[0]:6.1f} · max {ordered[-1]:6.1f}"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=60)
    parser.add_argument("--modes", default="embedded,redis")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/11")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="himcrm-pop-") as tmp:
        url = f"sqlite:///{tmp}/pop.sqlite3"
        instance = Path(tmp) / "instance"
        prepare_database(url, instance)
        cores = os.cpu_count()
        print(f"{platform.node()} · {cores} cores · load {os.getloadavg()[0]:.1f}")
        for mode in args.modes.split(","):
            if mode == "embedded":
                server = embedded_server(url, instance)
            elif mode == "redis":
                server = gunicorn_server(url, instance, args.redis_url)
            else:
                raise SystemExit(f"unknown mode {mode}")
            with server as base:
                latencies, trips = measure(base, args.calls, mode)
            print(f"{mode:9s} webhook → browser: {summary(latencies)}")
            print(f"{mode:9s} answer round trip: {summary(trips)}")
            transport = [lat - trip for lat, trip in zip(latencies, trips, strict=True)]
            print(f"{mode:9s} difference      : {summary(transport)}")


if __name__ == "__main__":
    main()
