"""The OpenAPI document flattened for the human-readable page (``/api/docs``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

_METHOD_ORDER = ("get", "post", "put", "patch", "delete")


@dataclass(slots=True)
class Field:
    name: str
    where: str  # path, query, header, body
    type: str
    required: bool
    description: str = ""


@dataclass(slots=True)
class DocOperation:
    method: str
    path: str
    operation_id: str
    summary: str
    description: str
    public: bool
    inputs: list[Field] = field(default_factory=list)
    responses: list[tuple[str, str]] = field(default_factory=list)


@dataclass(slots=True)
class Section:
    tag: str
    operations: list[DocOperation] = field(default_factory=list)


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """Follow a ``$ref``, also inside the ``anyOf`` apispec writes for nullable nesting."""
    for combined in ("anyOf", "allOf", "oneOf"):
        for option in schema.get(combined, []):
            if "$ref" in option:
                return _resolve(document, option)
    ref = schema.get("$ref", "")
    if ref.startswith("#/components/schemas/"):
        resolved: dict[str, Any] = document["components"]["schemas"][ref.rsplit("/", 1)[1]]
        return resolved
    return schema


def _type(document: dict[str, Any], schema: dict[str, Any]) -> str:
    schema = _resolve(document, schema)
    kind = str(schema.get("type", "object" if "properties" in schema else "any"))
    if kind == "array":
        return f"[{_type(document, schema.get('items', {}))}]"
    if "enum" in schema:
        return " | ".join(str(v) for v in schema["enum"] if v is not None)
    if schema.get("format"):
        kind += f" ({schema['format']})"
    return kind


def _body_fields(document: dict[str, Any], schema: dict[str, Any], prefix: str = "") -> list[Field]:
    schema = _resolve(document, schema)
    required = set(schema.get("required", []))
    found: list[Field] = []
    for name, prop in schema.get("properties", {}).items():
        resolved = _resolve(document, prop)
        full = f"{prefix}{name}"
        if "properties" in resolved:
            found.append(
                Field(full, "body", "object", name in required, prop.get("description", ""))
            )
            found.extend(_body_fields(document, resolved, prefix=f"{full}."))
            continue
        found.append(
            Field(
                full,
                "body",
                _type(document, prop),
                name in required,
                resolved.get("description", ""),
            )
        )
    return found


def sections(document: dict[str, Any]) -> list[Section]:
    """Operations grouped by tag in document order, each with its inputs and responses."""
    by_tag: dict[str, Section] = {}
    for path, item in document.get("paths", {}).items():
        for method in _METHOD_ORDER:
            op = item.get(method)
            if op is None:
                continue
            doc = DocOperation(
                method=method.upper(),
                path=path,
                operation_id=op.get("operationId", ""),
                summary=op.get("summary", ""),
                description=op.get("description", ""),
                public=op.get("security") == [],
            )
            for param in op.get("parameters", []):
                doc.inputs.append(
                    Field(
                        param["name"],
                        param["in"],
                        _type(document, param.get("schema", {})),
                        bool(param.get("required")),
                        param.get("description", ""),
                    )
                )
            body = op.get("requestBody", {}).get("content", {}).get("application/json")
            if body:
                doc.inputs.extend(_body_fields(document, body["schema"]))
            doc.responses = [
                (status, response.get("description", ""))
                for status, response in op.get("responses", {}).items()
            ]
            tag = (op.get("tags") or ["api"])[0]
            by_tag.setdefault(tag, Section(tag)).operations.append(doc)
    return list(by_tag.values())
