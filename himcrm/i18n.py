"""Locale selection: Turkish first, English second."""

from __future__ import annotations

from flask import has_request_context, request, session

SUPPORTED_LOCALES = ("tr", "en")


def select_locale() -> str:
    """The user's choice, else the browser's preference, else Turkish.

    Outside a request (jobs, CLI, SMS texts built by workers) messages are Turkish.
    """
    if not has_request_context():
        return SUPPORTED_LOCALES[0]
    chosen = session.get("locale")
    if chosen in SUPPORTED_LOCALES:
        return str(chosen)
    return request.accept_languages.best_match(SUPPORTED_LOCALES) or SUPPORTED_LOCALES[0]
