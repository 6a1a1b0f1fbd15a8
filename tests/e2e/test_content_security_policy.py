"""The Content Security Policy breaks nothing: each role's screens run without a violation.

Chromium reports every blocked inline script, style attribute or foreign
resource as a console error and a ``securitypolicyviolation`` event.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.e2e.conftest import login

SCREENS = {
    "operator": ["/console/", "/search/"],
    "backoffice": ["/triage/", "/console/"],
    "fen.personel": ["/inbox/"],
    "fen.mudur": ["/approvals/", "/inbox/"],
    "yonetici": ["/reports/", "/search/"],
    "admin": ["/admin/", "/outbox/"],
}


@pytest.mark.parametrize("username", sorted(SCREENS))
def test_screens_run_under_the_policy(page: Page, username: str) -> None:
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    login(page, username)
    for path in SCREENS[username]:
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        assert "script-src 'self'" in (response.headers.get("content-security-policy") or "")
        page.wait_for_load_state("networkidle")
    assert violations == []


def test_an_injected_inline_script_is_blocked(page: Page) -> None:
    """The policy is really enforced: a script element added at run time does not execute."""
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text))
    page.goto("/login")
    page.evaluate(
        """() => { const s = document.createElement('script');
                   s.textContent = 'window.__ran = true'; document.body.appendChild(s); }"""
    )
    assert page.evaluate("() => window.__ran === true") is False
    assert any("Content Security Policy" in text for text in violations)
