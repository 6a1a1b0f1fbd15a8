"""Language choice: the browser's Accept-Language, overridden by the switch on /locale/<code>."""

from __future__ import annotations

from html import escape
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask.testing import FlaskClient

from tests.web.conftest import csrf_token, login

EN_PO = (
    Path(__file__).resolve().parents[2]
    / "himcrm"
    / "translations"
    / "en"
    / "LC_MESSAGES"
    / "messages.po"
)
TITLE_TR = "Personel girişi"
SIGN_OUT_TR = "Çıkış"


def english(msgid: str) -> str:
    """The catalog's English for ``msgid``, HTML-escaped as the page renders it."""
    with EN_PO.open("rb") as fileobj:
        message = read_po(fileobj, locale="en").get(msgid)
    assert message is not None and message.string, f"{msgid!r} is not translated in {EN_PO}"
    assert message.string != msgid, f"{msgid!r} has the same text in English"
    return escape(str(message.string), quote=False)


@pytest.fixture(scope="module")
def title_en() -> str:
    return english(TITLE_TR)


def page(client: FlaskClient, path: str = "/login", language: str | None = None) -> str:
    headers = {"Accept-Language": language} if language else {}
    response = client.get(path, headers=headers, follow_redirects=True)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_accept_language_en_shows_english(client: FlaskClient, title_en: str) -> None:
    body = page(client, language="en-GB,en;q=0.9")
    assert title_en in body, "English title missing: is the catalog compiled (make translations)?"
    assert TITLE_TR not in body
    assert '<html lang="en">' in body


def test_accept_language_tr_shows_turkish(client: FlaskClient, title_en: str) -> None:
    body = page(client, language="tr-TR,tr;q=0.9,en;q=0.5")
    assert TITLE_TR in body
    assert title_en not in body
    assert '<html lang="tr">' in body


def test_unsupported_or_missing_language_falls_back_to_turkish(client: FlaskClient) -> None:
    assert TITLE_TR in page(client, language="de-DE,de;q=0.9")
    assert TITLE_TR in page(client)


def test_switching_to_english_overrides_the_browser(client: FlaskClient, title_en: str) -> None:
    token = csrf_token(client)
    response = client.post(
        "/locale/en",
        data={"csrf_token": token, "next": "/login"},
        headers={"Accept-Language": "tr"},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login")
    with client.session_transaction() as session:
        assert session["locale"] == "en"

    body = page(client, language="tr")  # the session's choice beats the browser's
    assert title_en in body
    assert TITLE_TR not in body

    token = csrf_token(client)
    client.post("/locale/tr", data={"csrf_token": token, "next": "/login"})
    assert TITLE_TR in page(client, language="en")


def test_the_language_survives_login(client: FlaskClient) -> None:
    token = csrf_token(client)
    client.post("/locale/en", data={"csrf_token": token, "next": "/login"})
    login(client, "operator")
    body = page(client, "/", language="tr")
    assert english(SIGN_OUT_TR) in body
    with client.session_transaction() as session:
        assert session["locale"] == "en"


def test_unknown_code_changes_nothing(client: FlaskClient) -> None:
    token = csrf_token(client)
    response = client.post("/locale/de", data={"csrf_token": token, "next": "/login"})
    assert response.status_code == 302
    with client.session_transaction() as session:
        assert "locale" not in session


def test_switching_needs_the_csrf_token(client: FlaskClient) -> None:
    client.get("/login")
    response = client.post("/locale/en", data={"next": "/login"})
    assert response.status_code == 400
    with client.session_transaction() as session:
        assert "locale" not in session
