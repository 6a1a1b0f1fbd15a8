"""Domain errors: what a user can cause, with a message fit to show.

Services raise these; the web and API layers turn them into 4xx responses in one
place (:func:`himcrm.create_app` registers the handler).
"""

from __future__ import annotations

from enum import Enum
from typing import Any, TypeVar


class DomainError(Exception):
    """Base class; ``field`` names the input at fault when there is one."""

    status_code = 400
    code = "invalid"

    def __init__(self, message: Any, *, field: str | None = None, **details: Any) -> None:
        super().__init__(str(message))
        self.message = message  # may be a lazy translation, rendered in the user's locale
        self.field = field
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.code, "message": str(self.message)}
        if self.field:
            body["field"] = self.field
        if self.details:
            body["details"] = {k: str(v) for k, v in self.details.items()}
        return body


class ValidationError(DomainError):
    status_code = 422
    code = "validation_error"


class FormInvalid(ValidationError):
    """Several fields of one form are wrong at once; ``errors`` maps field → message.

    The first error is the exception's own field and message, so code that only
    knows ValidationError still shows something sensible.
    """

    def __init__(self, errors: dict[str, Any]) -> None:
        field, message = next(iter(errors.items()))
        super().__init__(message, field=field)
        self.errors = errors


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


class PermissionDenied(DomainError):
    status_code = 403
    code = "forbidden"


class IllegalTransition(DomainError):
    """A life-cycle action that the ticket's current state does not allow."""

    status_code = 409
    code = "illegal_transition"


class ConcurrentUpdate(DomainError):
    """Someone else changed the ticket first; reload and try again."""

    status_code = 409
    code = "conflict"


E = TypeVar("E", bound=Enum)


def parse_choice(enum_cls: type[E], value: object, *, field: str, message: Any) -> E:
    """``enum_cls(value)``, or a ValidationError naming ``field`` with ``message``."""
    try:
        return enum_cls(value)
    except ValueError:
        raise ValidationError(message, field=field) from None
