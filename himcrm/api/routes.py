"""The API's operations as data: the blueprint registers them and the OpenAPI
document is generated from them, so the two cannot drift apart."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import Schema

from himcrm.api import actions, endpoints, inputs, outputs
from himcrm.api.endpoints import ApiContext
from himcrm.models import Role
from himcrm.web.access import CALL_CENTRE, STAFF

#: (context, validated input, path arguments, request headers) → (object to dump, status)
Handler = Callable[
    [ApiContext, dict[str, Any], Mapping[str, str], Mapping[str, str]], tuple[Any, int]
]

#: Errors every authenticated operation can answer.
COMMON_ERRORS = (401, 405, 413, 429)


@dataclass(frozen=True, slots=True)
class Operation:
    endpoint: str  # the blueprint's endpoint name
    rule: str  # the Flask rule under /api
    method: str
    summary: Any
    tag: str
    response: type[Schema]
    handler: Handler
    roles: tuple[Role, ...]
    status: int = 200
    body: type[Schema] | None = None
    query: type[Schema] | None = None
    description: Any = ""
    errors: tuple[int, ...] = ()
    other_statuses: tuple[int, ...] = ()
    headers: tuple[tuple[str, Any], ...] = field(default=())

    @property
    def writes(self) -> bool:
        return self.method != "GET"


def _create(
    ctx: ApiContext, data: dict[str, Any], path: Mapping[str, str], headers: Mapping[str, str]
) -> tuple[Any, int]:
    ticket, created = endpoints.create(ctx, data, idempotency_key=headers.get("Idempotency-Key"))
    return ticket, 201 if created else 200


def _list(
    ctx: ApiContext, data: dict[str, Any], path: Mapping[str, str], headers: Mapping[str, str]
) -> tuple[Any, int]:
    return endpoints.list_tickets(ctx, data), 200


def _get(
    ctx: ApiContext, data: dict[str, Any], path: Mapping[str, str], headers: Mapping[str, str]
) -> tuple[Any, int]:
    return endpoints.get_ticket(ctx, path["number"]), 200


def _events(
    ctx: ApiContext, data: dict[str, Any], path: Mapping[str, str], headers: Mapping[str, str]
) -> tuple[Any, int]:
    return endpoints.ticket_events(ctx, path["number"]), 200


def _reference(function: Callable[[ApiContext], dict[str, Any]]) -> Handler:
    def handler(
        ctx: ApiContext, data: dict[str, Any], path: Mapping[str, str], headers: Mapping[str, str]
    ) -> tuple[Any, int]:
        return function(ctx), 200

    return handler


def _action(action: actions.Action) -> Handler:
    def handler(
        ctx: ApiContext, data: dict[str, Any], path: Mapping[str, str], headers: Mapping[str, str]
    ) -> tuple[Any, int]:
        ticket = actions.perform(ctx, action, path["number"], data)
        return endpoints.reload(ctx, ticket), 200

    return handler


_TICKETS = "tickets"
_REFERENCE = "reference"

OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "create_ticket",
        "/v1/tickets",
        "POST",
        _l("Başvuru oluştur"),
        _TICKETS,
        outputs.TicketOut,
        _create,
        CALL_CENTRE,
        status=201,
        body=inputs.TicketCreateIn,
        description=_l(
            "Başvuruyu tek kayıt servisinden geçirir: konu kodu verilmişse birime yönlendirilir "
            "ve SLA başlar. external_id ya da Idempotency-Key başlığı ile aynı istek tekrar "
            "gönderilirse ilk başvuru 200 ile döner, ikinci bir kayıt açılmaz."
        ),
        errors=(400, 403, 409, 415),
        other_statuses=(200,),
        headers=(("Idempotency-Key", _l("İsteğe bağlı; en fazla 100 karakter.")),),
    ),
    Operation(
        "list_tickets",
        "/v1/tickets",
        "GET",
        _l("Başvuruları listele"),
        _TICKETS,
        outputs.TicketPageOut,
        _list,
        STAFF,
        query=inputs.TicketListIn,
        description=_l(
            "En yeni başvuru önce gelir; sonraki sayfa için next_cursor değerini cursor "
            "parametresiyle gönderin. Birim personeli yalnızca kendi biriminin başvurularını görür."
        ),
        errors=(400, 403),
    ),
    Operation(
        "get_ticket",
        "/v1/tickets/<number>",
        "GET",
        _l("Başvuruyu numarasıyla getir"),
        _TICKETS,
        outputs.TicketOut,
        _get,
        STAFF,
        errors=(403, 404),
    ),
    Operation(
        "ticket_events",
        "/v1/tickets/<number>/events",
        "GET",
        _l("Başvurunun geçmişi"),
        _TICKETS,
        outputs.EventListOut,
        _events,
        STAFF,
        description=_l(
            "Olay türü, durum, birim ve zaman; notlar, gerekçeler ve kişi adları verilmez."
        ),
        errors=(403, 404),
    ),
    *(
        Operation(
            f"action_{action.name}",
            f"/v1/tickets/<number>/{action.name}",
            "POST",
            action.summary,
            _TICKETS,
            outputs.TicketOut,
            _action(action),
            action.roles,
            body=action.body,
            errors=(400, 403, 404, 409, 415),
        )
        for action in actions.ACTIONS
    ),
    Operation(
        "topics",
        "/v1/topics",
        "GET",
        _l("Konu kodları"),
        _REFERENCE,
        outputs.TopicListOut,
        _reference(endpoints.topics),
        STAFF,
        errors=(403,),
    ),
    Operation(
        "departments",
        "/v1/departments",
        "GET",
        _l("Birimler"),
        _REFERENCE,
        outputs.DepartmentListOut,
        _reference(endpoints.departments),
        STAFF,
        errors=(403,),
    ),
    Operation(
        "districts",
        "/v1/districts",
        "GET",
        _l("İlçeler"),
        _REFERENCE,
        outputs.DistrictListOut,
        _reference(endpoints.districts),
        STAFF,
        errors=(403,),
    ),
)
