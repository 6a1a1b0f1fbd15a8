"""Settings, read once from the environment into one typed, frozen object.

Nothing else in the package reads ``os.environ``: the app factory builds a
:class:`Settings` and everything downstream gets its values from ``app.config``
or from the object itself.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

DEFAULT_INSTANCE = Path(__file__).resolve().parent.parent / "instance"


class ConfigError(ValueError):
    """A setting is missing or malformed; raised at start-up, never later."""


def _bool(value: str, name: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ConfigError(f"{name} must be a boolean (true/false), got {value!r}")


def _choice(value: str, name: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ConfigError(f"{name} must be one of {', '.join(allowed)}, got {value!r}")
    return value


def _number(value: str, name: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {value!r}") from None
    if number < 0:
        raise ConfigError(f"{name} must not be negative")
    return number


#: ``24/7``, ``HH:MM-HH:MM`` (every day) or ``D-D HH:MM-HH:MM`` (ISO weekdays, 1 = Monday).
_CLOCK = r"(?:[01]\d|2[0-3]):[0-5]\d"
_HOURS = re.compile(rf"^(?:24/7|(?:[1-7]-[1-7] )?{_CLOCK}-(?:{_CLOCK}|24:00))$")


def _call_centre_hours(value: str, name: str) -> str:
    text = " ".join(value.split())
    if not _HOURS.match(text):
        raise ConfigError(
            f"{name} must be 24/7, HH:MM-HH:MM or D-D HH:MM-HH:MM (1 = Monday), got {value!r}"
        )
    return text


def _normalise_database_url(url: str) -> str:
    """Make PostgreSQL URLs use psycopg 3, whatever scheme the operator wrote."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


@dataclass(frozen=True, slots=True)
class Settings:
    """Every setting HİM-CRM knows, with the embedded defaults."""

    secret_key: str
    database_url: str
    redis_url: str | None = None
    instance_path: Path = DEFAULT_INSTANCE
    timezone: str = "Europe/Istanbul"
    public_base_url: str = "http://localhost:5000"
    default_locale: str = "tr"
    sms_transliterate: bool = False
    sms_gateway: str = "console"  # "console" (embedded default) or "twilio"
    sms_rate_per_second: float = 10.0  # the provider's limit, shared by all workers
    twilio_account_sid: str = ""
    twilio_auth_token: str = ""
    twilio_from_number: str = ""
    twilio_api_base: str | None = None  # only for a local fake in tests
    email_gateway: str = "console"  # "console" or "smtp"
    smtp_host: str = "localhost"
    smtp_port: int = 25
    smtp_from: str = "him@izmir.example.org"
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    send_lease_seconds: int = 120  # a claimed but unfinished send is retried after this
    trusted_proxies: int = 0
    # KVKK: citizens' personal data is anonymised this many years after their last
    # ticket was concluded (0: never, by the job; requests still work).
    retention_years: int = 2
    # Social media (issue 7): Meta page (Messenger + page feed) and X account activity.
    meta_app_secret: str = ""  # X-Hub-Signature-256 and appsecret_proof
    meta_verify_token: str = ""  # the webhook subscription handshake
    meta_page_access_token: str = ""  # replies; empty: replies stay on the console
    meta_graph_base: str = "https://graph.facebook.com/v21.0"
    x_consumer_secret: str = ""  # CRC challenge and x-twitter-webhooks-signature
    x_access_token: str = ""  # OAuth 2.0 user token with dm.write; empty: console
    x_api_base: str = "https://api.x.com"
    # Phone channel (issue 7): when the IVR connects callers to operators; outside
    # these hours callers leave a voice mail. HİM's lines run 24/7, so the default
    # sends callers to voice mail only when no operator can take the call.
    call_centre_hours: str = "24/7"
    cti_secret: str = ""  # HMAC-SHA256 key shared with the on-premise PBX; empty: CTI refused
    report_recipients: tuple[str, ...] = ()  # e-mail addresses of the scheduled reports
    open311_jurisdiction: str = "izmir.bel.tr"  # the one jurisdiction_id Open311 serves
    testing: bool = False
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith("postgresql")

    @property
    def uses_redis(self) -> bool:
        return bool(self.redis_url)

    @property
    def secure_cookies(self) -> bool:
        """Served over HTTPS (production): cookies are Secure, HSTS is sent.

        The embedded default runs on http://localhost, where a Secure cookie would
        never come back and nobody could log in.
        """
        return self.public_base_url.startswith("https://")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        instance = Path(env.get("HIMCRM_INSTANCE_PATH", str(DEFAULT_INSTANCE)))
        database_url = env.get("DATABASE_URL") or f"sqlite:///{instance / 'himcrm.sqlite3'}"
        secret = env.get("SECRET_KEY") or _instance_secret(instance)
        return cls(
            secret_key=secret,
            database_url=_normalise_database_url(database_url),
            redis_url=env.get("REDIS_URL") or None,
            instance_path=instance,
            timezone=env.get("HIMCRM_TIMEZONE", "Europe/Istanbul"),
            public_base_url=env.get("HIMCRM_PUBLIC_BASE_URL", "http://localhost:5000").rstrip("/"),
            default_locale=env.get("HIMCRM_DEFAULT_LOCALE", "tr"),
            sms_transliterate=_bool(
                env.get("HIMCRM_SMS_TRANSLITERATE", "false"), "HIMCRM_SMS_TRANSLITERATE"
            ),
            sms_gateway=_choice(
                env.get("HIMCRM_SMS_GATEWAY", "console"),
                "HIMCRM_SMS_GATEWAY",
                ("console", "twilio"),
            ),
            sms_rate_per_second=_number(
                env.get("HIMCRM_SMS_RATE_PER_SECOND", "10"), "HIMCRM_SMS_RATE_PER_SECOND"
            ),
            twilio_account_sid=env.get("TWILIO_ACCOUNT_SID", ""),
            twilio_auth_token=env.get("TWILIO_AUTH_TOKEN", ""),
            twilio_from_number=env.get("TWILIO_FROM_NUMBER", ""),
            twilio_api_base=env.get("HIMCRM_TWILIO_API_BASE") or None,
            email_gateway=_choice(
                env.get("HIMCRM_EMAIL_GATEWAY", "console"),
                "HIMCRM_EMAIL_GATEWAY",
                ("console", "smtp"),
            ),
            smtp_host=env.get("SMTP_HOST", "localhost"),
            smtp_port=int(_number(env.get("SMTP_PORT", "25"), "SMTP_PORT")),
            smtp_from=env.get("SMTP_FROM", "him@izmir.example.org"),
            smtp_username=env.get("SMTP_USERNAME", ""),
            smtp_password=env.get("SMTP_PASSWORD", ""),
            smtp_starttls=_bool(env.get("SMTP_STARTTLS", "false"), "SMTP_STARTTLS"),
            send_lease_seconds=int(
                _number(env.get("HIMCRM_SEND_LEASE_SECONDS", "120"), "HIMCRM_SEND_LEASE_SECONDS")
            ),
            call_centre_hours=_call_centre_hours(
                env.get("HIMCRM_CALL_CENTRE_HOURS", "24/7"), "HIMCRM_CALL_CENTRE_HOURS"
            ),
            cti_secret=env.get("HIMCRM_CTI_SECRET", ""),
            report_recipients=tuple(
                a.strip() for a in env.get("HIMCRM_REPORT_RECIPIENTS", "").split(",") if a.strip()
            ),
            open311_jurisdiction=env.get("HIMCRM_OPEN311_JURISDICTION", "izmir.bel.tr").strip(),
            trusted_proxies=int(
                _number(env.get("HIMCRM_TRUSTED_PROXIES", "0"), "HIMCRM_TRUSTED_PROXIES")
            ),
            retention_years=int(
                _number(env.get("HIMCRM_RETENTION_YEARS", "2"), "HIMCRM_RETENTION_YEARS")
            ),
            meta_app_secret=env.get("META_APP_SECRET", ""),
            meta_verify_token=env.get("META_VERIFY_TOKEN", ""),
            meta_page_access_token=env.get("META_PAGE_ACCESS_TOKEN", ""),
            meta_graph_base=env.get("HIMCRM_META_GRAPH_BASE", "https://graph.facebook.com/v21.0"),
            x_consumer_secret=env.get("X_CONSUMER_SECRET", ""),
            x_access_token=env.get("X_ACCESS_TOKEN", ""),
            x_api_base=env.get("HIMCRM_X_API_BASE", "https://api.x.com"),
        )

    def with_overrides(self, **changes: Any) -> Settings:
        if "database_url" in changes:
            changes["database_url"] = _normalise_database_url(changes["database_url"])
        return replace(self, **changes)

    def flask_config(self) -> dict[str, Any]:
        """The subset Flask and its extensions read from ``app.config``."""
        engine_options: dict[str, Any] = {"pool_pre_ping": True}
        if not self.is_postgres:
            # SQLite: wait for the writer lock instead of failing at once.
            engine_options = {"connect_args": {"timeout": 30}}
        return {
            "SECRET_KEY": self.secret_key,
            "SQLALCHEMY_DATABASE_URI": self.database_url,
            "SQLALCHEMY_ENGINE_OPTIONS": engine_options,
            "TESTING": self.testing,
            "BABEL_DEFAULT_LOCALE": self.default_locale,
            "BABEL_DEFAULT_TIMEZONE": self.timezone,
            "HIMCRM_SETTINGS": self,
            # ASVS V3.4: cookies HttpOnly, SameSite, Secure (and __Host-) over HTTPS.
            "SESSION_COOKIE_NAME": "__Host-himcrm" if self.secure_cookies else "himcrm",
            "SESSION_COOKIE_SECURE": self.secure_cookies,
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "REMEMBER_COOKIE_SECURE": self.secure_cookies,
            "REMEMBER_COOKIE_HTTPONLY": True,
            "REMEMBER_COOKIE_SAMESITE": "Lax",
            # Attachments are at most 10 MB; refuse bigger bodies before parsing them.
            "MAX_CONTENT_LENGTH": 12 * 1024 * 1024,
            **self.extra,
        }


def _instance_secret(instance: Path) -> str:
    """A per-installation secret kept in the instance folder for the embedded default.

    Production sets SECRET_KEY; the one-command demo must not ship a shared key.
    """
    path = instance / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        instance.mkdir(parents=True, exist_ok=True)
        key = secrets.token_hex(32)
        path.write_text(key)
        path.chmod(0o600)
        return key
