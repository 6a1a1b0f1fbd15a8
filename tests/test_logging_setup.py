"""Request logs carry no personal data from query strings."""

from __future__ import annotations

import logging

import pytest
from flask import Flask

from himcrm.logging_setup import RedactQueryStrings


def test_request_lines_lose_their_query_strings() -> None:
    record = logging.LogRecord(
        "werkzeug",
        logging.INFO,
        __file__,
        1,
        '127.0.0.1 - - [22/Nov/2026 10:00:00] "%s" %s %s\n',
        ("GET /console/citizen?phone=%2B905321234567 HTTP/1.1", "200", "-"),
        None,
    )
    assert RedactQueryStrings().filter(record)
    line = record.getMessage()
    assert "905321234567" not in line and "phone" not in line
    assert "GET /console/citizen?… HTTP/1.1" in line


def test_the_app_installs_the_filter_on_the_request_loggers(app: Flask) -> None:
    for name in ("werkzeug", "gunicorn.access"):
        assert any(isinstance(f, RedactQueryStrings) for f in logging.getLogger(name).filters)


def test_a_real_dev_server_request_line_is_redacted(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    """Through werkzeug's own request handler, as `make run` serves it."""
    import threading
    import urllib.request

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.handle_request, daemon=True)
    thread.start()
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        url = f"http://127.0.0.1:{server.server_port}/login?phone=05321234567&q=Ay%C5%9Fe"
        with urllib.request.urlopen(url, timeout=10) as response:
            assert response.status == 200
        thread.join(timeout=10)
    server.server_close()
    lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert any("/login?…" in line for line in lines), lines
    assert not any("05321234567" in line or "Ay%C5%9Fe" in line or "Ayşe" in line for line in lines)
