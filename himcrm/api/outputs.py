"""What the API answers: marshmallow schemas dumping the models.

Times are ISO 8601 in UTC with the offset (``2026-11-17T07:00:00+00:00``);
codes and ticket numbers are strings as the system uses them. Personal data is
masked as on the staff screens (issue 8 adds audited full views): the phone
and the kimlik no show only their ends, the e-mail only whether there is one.
"""

from __future__ import annotations

import functools
from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields

from himcrm.citizens.identity import mask_kimlik_no, mask_phone
from himcrm.models import Citizen, Ticket, utcnow


class Output(Schema):
    """Base of the response schemas (the JSON provider sorts the keys)."""


class TopicRef(Output):
    code = fields.String(required=True)
    name = fields.String(attribute="name_tr", required=True)
    name_en = fields.String(required=True)


class DepartmentRef(Output):
    code = fields.String(required=True)
    name = fields.String(required=True)


class DistrictRef(Output):
    code = fields.String(required=True)
    name = fields.String(required=True)


def _masked_email(citizen: Citizen) -> str | None:
    return "***" if citizen.email else None


class CitizenOut(Output):
    name = fields.String(attribute="full_name", required=True)
    phone = fields.Function(
        lambda c: mask_phone(c.phone) or None,
        allow_none=True,
        metadata={"type": "string", "description": _l("Maskeli: +90 532 *** ** 67")},
    )
    email = fields.Function(
        _masked_email, allow_none=True, metadata={"type": "string", "description": _l("Maskeli")}
    )
    kimlik_no = fields.Function(
        lambda c: mask_kimlik_no(c.kimlik_no) or None,
        allow_none=True,
        metadata={"type": "string", "description": _l("Maskeli: 12*******90")},
    )


def _overdue(ticket: Ticket) -> bool:
    due = ticket.resolution_due_at
    return bool(
        ticket.is_open and due is not None and ticket.sla_paused_at is None and due < utcnow()
    )


class TicketOut(Output):
    number = fields.String(required=True, metadata={"example": "2026-000123"})
    status = fields.String(required=True)
    type = fields.String(required=True)
    channel = fields.String(required=True)
    priority = fields.String(required=True)
    description = fields.String(required=True)
    topic = fields.Nested(TopicRef, attribute="topic_code", allow_none=True, required=True)
    department = fields.Nested(DepartmentRef, allow_none=True, required=True)
    district = fields.Nested(DistrictRef, allow_none=True, required=True)
    neighbourhood = fields.String(required=True)
    address = fields.String(required=True)
    latitude = fields.Float(allow_none=True, required=True)
    longitude = fields.Float(allow_none=True, required=True)
    external_id = fields.String(allow_none=True, required=True)
    assignee = fields.Function(
        lambda t: t.assignee.username if t.assignee is not None else None,
        allow_none=True,
        required=True,
        metadata={"type": "string", "description": _l("Atanan personelin kullanıcı adı")},
    )
    merged_into = fields.Function(
        lambda t: t.merged_into.number if t.merged_into is not None else None,
        allow_none=True,
        required=True,
        metadata={"type": "string"},
    )
    citizen = fields.Nested(CitizenOut, allow_none=True, required=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)
    first_response_due_at = fields.DateTime(allow_none=True, required=True)
    resolution_due_at = fields.DateTime(allow_none=True, required=True)
    first_responded_at = fields.DateTime(allow_none=True, required=True)
    answered_at = fields.DateTime(allow_none=True, required=True)
    closed_at = fields.DateTime(allow_none=True, required=True)
    sla_paused = fields.Function(
        lambda t: t.sla_paused_at is not None, required=True, metadata={"type": "boolean"}
    )
    overdue = fields.Function(_overdue, required=True, metadata={"type": "boolean"})
    satisfaction = fields.Integer(allow_none=True, required=True)
    version = fields.Integer(
        required=True, metadata={"description": _l("Başvurunun her güncellenmesinde değişir.")}
    )


class TicketPageOut(Output):
    items = fields.List(fields.Nested(TicketOut), required=True)
    next_cursor = fields.String(
        allow_none=True,
        required=True,
        metadata={
            "description": _l("Sonraki sayfa için ?cursor= olarak gönderin; son sayfada null.")
        },
    )


class EventOut(Output):
    """One entry of the history, public-safe: what happened and where, never who or why."""

    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    from_status = fields.String(allow_none=True, required=True)
    to_status = fields.String(allow_none=True, required=True)
    department = fields.Nested(DepartmentRef, allow_none=True, required=True)
    created_at = fields.DateTime(required=True)


class EventListOut(Output):
    items = fields.List(fields.Nested(EventOut), required=True)


class TopicOut(Output):
    code = fields.String(required=True)
    name = fields.String(required=True)
    name_en = fields.String(required=True)
    parent = fields.String(allow_none=True, required=True)
    department = fields.String(allow_none=True, required=True)
    leaf = fields.Boolean(required=True)
    requires_location = fields.Boolean(required=True)
    is_public = fields.Boolean(required=True)
    priority = fields.String(required=True)


class TopicListOut(Output):
    items = fields.List(fields.Nested(TopicOut), required=True)


class DepartmentOut(Output):
    code = fields.String(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)
    parent = fields.String(allow_none=True, required=True)


class DepartmentListOut(Output):
    items = fields.List(fields.Nested(DepartmentOut), required=True)


class DistrictListOut(Output):
    items = fields.List(fields.Nested(DistrictRef), required=True)


class ErrorOut(Output):
    error = fields.String(required=True, metadata={"example": "validation"})
    message = fields.String(required=True)
    fields_ = fields.Dict(
        data_key="fields",
        keys=fields.String(),
        values=fields.List(fields.String()),
        required=True,
        metadata={"example": {"description": ["Bu alan gerekli."]}},
    )


@functools.cache
def shared(schema: type[Schema]) -> Schema:
    """One instance per schema class (input or output), shared by every request.

    Building a schema (and its nested ones) deep-copies all its fields: it was
    7 instances and a tenth of the create-ticket CPU (issue 9). A marshmallow
    schema without per-call state (``context``, ``only``) is safe to share.
    """
    return schema()


def dump(schema: type[Schema], obj: Any) -> Any:
    return shared(schema).dump(obj)
