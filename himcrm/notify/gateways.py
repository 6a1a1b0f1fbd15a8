"""SMS and e-mail gateways: a small registry of classes with one interface each."""

from __future__ import annotations

import hashlib
import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Protocol

from himcrm.config import Settings

log = logging.getLogger(__name__)

#: Twilio errors that no retry can fix: invalid number, landline, unsubscribed
#: (STOP), unknown destination / carrier violation.
PERMANENT_TWILIO_CODES = frozenset({21211, 21614, 21610, 30006, 21612, 21408, 30003, 30005})


class SendError(Exception):
    def __init__(self, message: str, *, code: str = "", permanent: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.permanent = permanent


class SmsGateway(Protocol):
    name: str

    def send(self, to: str, body: str, *, key: str, status_callback: str | None) -> str:
        """Hand one message to the provider; return its message id."""
        ...

    def find_sent(self, to: str, body: str, since: datetime) -> str | None:
        """The id of a message to ``to`` with ``body`` the provider accepted since ``since``.

        Lets a sender that died between the provider's acceptance and recording
        it finish the job without sending the message twice.
        """
        ...


class EmailGateway(Protocol):
    name: str

    def send(self, to: str, subject: str, body: str, *, key: str) -> str: ...


def _console_id(key: str) -> str:
    return "console-" + hashlib.sha256(key.encode()).hexdigest()[:16]


@dataclass
class ConsoleSms:
    """The embedded default: nothing leaves the machine; the outbox page shows the text."""

    name: str = "console"

    def send(self, to: str, body: str, *, key: str, status_callback: str | None) -> str:
        # No phone number or text in the log (KVKK): the outbox row holds them.
        log.info("console SMS %s (%d characters)", key, len(body))
        return _console_id(key)

    def find_sent(self, to: str, body: str, since: datetime) -> str | None:
        return None  # recording happens in the same process step as "sending"


@dataclass
class ConsoleEmail:
    name: str = "console"

    def send(self, to: str, subject: str, body: str, *, key: str) -> str:
        log.info("console e-mail %s (%d characters)", key, len(body))
        return _console_id(key)


class TwilioSms:
    """Twilio Programmable Messaging through the official client library."""

    name = "twilio"

    def __init__(self, settings: Settings) -> None:
        from twilio.rest import Client

        if not (
            settings.twilio_account_sid
            and settings.twilio_auth_token
            and settings.twilio_from_number
        ):
            raise SendError("Twilio is not configured", code="config")
        self.client = Client(settings.twilio_account_sid, settings.twilio_auth_token)
        if settings.twilio_api_base:
            self.client.api.base_url = settings.twilio_api_base
        self.from_number = settings.twilio_from_number

    def send(self, to: str, body: str, *, key: str, status_callback: str | None) -> str:
        from twilio.base.exceptions import TwilioException, TwilioRestException

        try:
            message = self.client.messages.create(
                to=to,
                from_=self.from_number,
                body=body,
                **({"status_callback": status_callback} if status_callback else {}),
            )
        except TwilioRestException as error:
            code = int(error.code or 0)
            permanent = code in PERMANENT_TWILIO_CODES
            raise SendError(
                error.msg or str(error), code=str(code or error.status), permanent=permanent
            ) from None
        except (TwilioException, OSError) as error:
            raise SendError(type(error).__name__, code="network") from None
        return str(message.sid)

    def find_sent(self, to: str, body: str, since: datetime) -> str | None:
        from twilio.base.exceptions import TwilioException

        try:
            # Twilio filters by day; look one day back and compare exactly. Every
            # page: a busy recipient (a manager's reminders) gets more than one
            # page of messages a day, and the one accepted before the crash may be
            # on any of them (issue 9's kill -9 drill found duplicates with 50).
            candidates = self.client.messages.list(
                to=to, date_sent_after=since - timedelta(days=1), page_size=1000
            )
        except (TwilioException, OSError) as error:
            raise SendError(type(error).__name__, code="network") from None
        for message in candidates:
            if message.body == body and message.from_ == self.from_number:
                return str(message.sid)
        return None


class SmtpEmail:
    name = "smtp"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def send(self, to: str, subject: str, body: str, *, key: str) -> str:
        s = self.settings
        message = EmailMessage()
        message["From"] = s.smtp_from
        message["To"] = to
        message["Subject"] = subject
        domain = s.smtp_from.rpartition("@")[2] or "himcrm.local"
        message_id = f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"
        message["Message-ID"] = message_id  # the same key always gives the same id
        message.set_content(body)
        try:
            with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=20) as smtp:
                if s.smtp_starttls:
                    smtp.starttls()
                if s.smtp_username:
                    smtp.login(s.smtp_username, s.smtp_password)
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            raise SendError("recipient refused", code="smtp-recipient", permanent=True) from error
        except (smtplib.SMTPException, OSError) as error:
            raise SendError(type(error).__name__, code="smtp") from None
        return message_id


def sms_gateway(settings: Settings) -> SmsGateway:
    registry: dict[str, type] = {"console": ConsoleSms, "twilio": TwilioSms}
    cls = registry[settings.sms_gateway]
    return cls(settings) if cls is TwilioSms else cls()


def email_gateway(settings: Settings) -> EmailGateway:
    if settings.email_gateway == "smtp":
        return SmtpEmail(settings)
    return ConsoleEmail()
