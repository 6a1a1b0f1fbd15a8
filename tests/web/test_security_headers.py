"""Security headers and session cookie flags (ASVS V14.4, V3.4, V8.2.1)."""

from __future__ import annotations

from pathlib import Path

from flask.testing import FlaskClient

from himcrm import create_app
from himcrm.config import Settings
from tests.web.conftest import csrf_token, login, new_client


def test_every_page_carries_the_security_headers(client: FlaskClient) -> None:
    for path in ("/login", "/no-such-page", "/healthz"):
        response = client.get(path)
        headers = response.headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp, path
        assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "same-origin"
        assert headers["Cache-Control"] == "no-store", path
        # The embedded default is plain HTTP: no HSTS promise it cannot keep.
        assert "Strict-Transport-Security" not in headers


def test_static_files_stay_cacheable(client: FlaskClient) -> None:
    response = client.get("/static/app.js")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_session_cookie_is_httponly_and_samesite(client: FlaskClient) -> None:
    login(client, "operator")
    cookie = client.get_cookie("himcrm")
    assert cookie is not None
    assert cookie.http_only and cookie.same_site == "Lax"
    assert not cookie.secure  # http://localhost: a Secure cookie would never come back


def test_over_https_cookies_are_secure_with_the_host_prefix(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
            "SECRET_KEY": "k" * 32,
            "HIMCRM_INSTANCE_PATH": str(tmp_path),
            "HIMCRM_PUBLIC_BASE_URL": "https://him.izmir.example.org",
        }
    ).with_overrides(testing=True)
    app = create_app(settings)
    client = new_client(app)
    client.environ_base["wsgi.url_scheme"] = "https"
    token = csrf_token(client)
    assert token
    response = client.get("/login")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    cookie = client.get_cookie("__Host-himcrm", domain="localhost")
    assert cookie is not None and cookie.secure and cookie.http_only and cookie.path == "/"
