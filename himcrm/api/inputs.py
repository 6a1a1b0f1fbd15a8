"""What API clients send: request bodies and query strings, validated by marshmallow.

Field names are the ones the services name in their errors (``topic_code``,
``district``, ``citizen.phone`` ...), so a 400 points at the field the client
actually sent, whether marshmallow or the service refused it. Schemas check
shape and size; the services check meaning (a known topic code, a valid phone).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, RAISE, Schema, fields, validate
from marshmallow import ValidationError as SchemaError

from himcrm.models import Channel, ReplyChannel, TicketStatus, TicketType
from himcrm.tickets.intake import MAX_DESCRIPTION

MAX_REASON = 2_000
MAX_CODE = 64
PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
LOCAL_ZONE = ZoneInfo("Europe/Istanbul")
#: A ticket number as intake gives them out ("2026-000123").
TICKET_NUMBER = re.compile(r"^[0-9]{4}-[0-9]{1,12}$")


def _max(n: int) -> validate.Length:
    return validate.Length(max=n, error=_l("En fazla %(n)s karakter olabilir.", n=n))


def _choice(values: list[str], message: Any) -> validate.OneOf:
    return validate.OneOf(values, error=message)


class Text(fields.String):
    """A string without NUL or other C0 control characters except tab and newlines.

    PostgreSQL refuses NUL in text (a 500 waiting to happen); the other control
    characters only ever arrive from fuzzers and broken clients.
    """

    _FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        text = super()._deserialize(value, attr, data, **kwargs)
        if self._FORBIDDEN.search(text):
            raise SchemaError(str(_l("Geçersiz karakter içeriyor.")))
        return text


class When(fields.Field):
    """A date or an ISO 8601 datetime; without a zone it is Istanbul time.

    A bare date means the start of that day in Istanbul. Always returns an aware
    UTC datetime.
    """

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        invalid = SchemaError(
            str(_l("Tarih ISO 8601 biçiminde olmalı (2026-11-17 ya da 2026-11-17T10:00:00+03:00)."))
        )
        if not isinstance(value, str) or len(value) > 40:
            raise invalid
        text = value.strip()
        try:
            if len(text) == 10:
                day = date.fromisoformat(text)
                moment = datetime(day.year, day.month, day.day, tzinfo=LOCAL_ZONE)
            else:
                moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
                if moment.tzinfo is None:
                    moment = moment.replace(tzinfo=LOCAL_ZONE)
            return moment.astimezone(UTC)
        except (ValueError, OverflowError):
            raise invalid from None


class Input(Schema):
    """Bodies refuse fields they do not know: a typo is an error, not a silent no-op."""

    class Meta:
        unknown = RAISE


class CitizenIn(Input):
    full_name = Text(load_default="", validate=_max(200))
    phone = Text(load_default=None, allow_none=True, validate=_max(40))
    email = Text(load_default=None, allow_none=True, validate=_max(254))
    kimlik_no = Text(load_default=None, allow_none=True, validate=_max(20))
    preferred_channel = Text(
        load_default=None,
        allow_none=True,
        validate=_choice([c.value for c in ReplyChannel], _l("Bilinmeyen yanıt kanalı.")),
    )
    kvkk_consent = fields.Boolean(load_default=False)


class TicketCreateIn(Input):
    """A new ticket. ``external_id`` (or the ``Idempotency-Key`` header) makes it idempotent."""

    channel = Text(
        load_default=Channel.MOBILE_APP.value,
        validate=_choice([c.value for c in Channel], _l("Bilinmeyen başvuru kanalı.")),
        metadata={"description": _l("Başvurunun geldiği kanal; verilmezse mobile_app.")},
    )
    type = Text(
        load_default=TicketType.REQUEST.value,
        validate=_choice([t.value for t in TicketType], _l("Bilinmeyen başvuru türü.")),
    )
    description = Text(required=True, validate=_max(MAX_DESCRIPTION))
    topic_code = Text(load_default=None, allow_none=True, validate=_max(MAX_CODE))
    district = Text(
        load_default=None,
        allow_none=True,
        validate=_max(MAX_CODE),
        metadata={"description": _l("İlçe kodu (bkz. /api/v1/districts).")},
    )
    neighbourhood = Text(load_default="", validate=_max(128))
    address = Text(load_default="", validate=_max(MAX_REASON))
    latitude = fields.Float(
        load_default=None,
        allow_none=True,
        validate=validate.Range(-90, 90, error=_l("Enlem geçersiz.")),
        allow_nan=False,
    )
    longitude = fields.Float(
        load_default=None,
        allow_none=True,
        validate=validate.Range(-180, 180, error=_l("Boylam geçersiz.")),
        allow_nan=False,
    )
    external_id = Text(
        load_default=None,
        allow_none=True,
        validate=_max(128),
        metadata={
            "description": _l(
                "Gönderen sistemdeki kayıt numarası; aynı numarayla "
                "tekrar gönderilirse ilk başvuru döner."
            )
        },
    )
    citizen = fields.Nested(CitizenIn, load_default=None, allow_none=True)


class TicketListIn(Schema):
    """Filters of the ticket list; unknown query parameters are ignored."""

    class Meta:
        unknown = EXCLUDE

    status = Text(
        validate=_choice([s.value for s in TicketStatus], _l("Bilinmeyen durum.")),
    )
    department = Text(validate=_max(MAX_CODE), metadata={"description": _l("Birim kodu.")})
    topic = Text(
        validate=_max(MAX_CODE),
        metadata={"description": _l("Konu kodu; bir grup kodu altındaki tüm konuları kapsar.")},
    )
    district = Text(validate=_max(MAX_CODE), metadata={"description": _l("İlçe kodu.")})
    created_from = When(
        metadata={"description": _l("Bu andan itibaren oluşturulanlar (tarih ya da tarih-saat).")}
    )
    created_to = When(
        metadata={"description": _l("Bu andan önce oluşturulanlar (tarih ya da tarih-saat).")}
    )
    overdue = fields.Boolean(
        metadata={"description": _l("true: yalnızca çözüm süresi geçmiş açık başvurular.")}
    )
    limit = fields.Integer(
        load_default=PAGE_SIZE,
        validate=validate.Range(
            1, MAX_PAGE_SIZE, error=_l("1 ile %(n)s arasında olmalı.", n=MAX_PAGE_SIZE)
        ),
    )
    cursor = Text(
        validate=_max(64),
        metadata={"description": _l("Önceki sayfanın next_cursor değeri.")},
    )


class EmptyIn(Input):
    """An action that takes no input (the body may be empty or ``{}``)."""


class AssignIn(Input):
    assignee = Text(
        required=True,
        validate=_max(MAX_CODE),
        metadata={"description": _l("Başvurunun birimindeki bir personelin kullanıcı adı.")},
    )


class ReasonIn(Input):
    reason = Text(required=True, validate=_max(MAX_REASON))


class TransferIn(Input):
    department = Text(required=True, validate=_max(MAX_CODE))
    reason = Text(required=True, validate=_max(MAX_REASON))


class NoteIn(Input):
    note = Text(required=True, validate=_max(MAX_DESCRIPTION))


class RouteIn(Input):
    topic_code = Text(required=True, validate=_max(MAX_CODE))
    district_code = Text(load_default=None, allow_none=True, validate=_max(MAX_CODE))
    department = Text(
        load_default=None,
        allow_none=True,
        validate=_max(MAX_CODE),
        metadata={
            "description": _l("Yönlendirmenin seçtiği birim yerine başka birim (gerekçe ister).")
        },
    )
    override_reason = Text(load_default="", validate=_max(MAX_REASON))


class OutOfScopeIn(Input):
    reason = Text(required=True, validate=_max(MAX_REASON))
    institution = Text(load_default="", validate=_max(200))


class MergeIn(Input):
    merged_into = Text(
        required=True, validate=_max(32), metadata={"description": _l("Asıl başvurunun numarası.")}
    )
