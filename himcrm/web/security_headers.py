"""Security headers on every response (OWASP ASVS 4.0.3 V14.4, V8.2.1).

The Content Security Policy allows scripts, styles, fonts and images from our
own origin only: templates carry no inline script, style attribute or event
handler, so an injected ``<script>`` or ``onerror=`` does not run.
"""

from __future__ import annotations

from flask import Flask, Response, request

from himcrm.config import Settings

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # Tracking links carry a token in the path: never send it to another site.
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    # The public form and field teams ask for the position; nothing else is used.
    "Permissions-Policy": "geolocation=(self), camera=(self), microphone=(), payment=(), usb=()",
}
HSTS = "max-age=31536000; includeSubDomains"


def init_app(app: Flask, settings: Settings) -> None:
    @app.after_request
    def add_security_headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if settings.secure_cookies:
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        if request.endpoint != "static" and "Cache-Control" not in response.headers:
            # Pages carry personal data or a citizen's answer: no shared or disk cache.
            response.headers["Cache-Control"] = "no-store"
        return response
