"""GeoReport v2 output: one document model rendered as XML or as JSON.

The JSON follows the spec's "Spark convention": an XML element holding a list of
same-named children (``<services><service/>...</services>``) is a JSON array, a
leaf element is a scalar. Documents are built here as plain dicts and lists, so
both formats come from the same data and cannot drift apart.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

FORMATS = ("xml", "json")
CONTENT_TYPES = {
    "xml": "text/xml; charset=utf-8",
    "json": "application/json; charset=utf-8",
}

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'

#: The element name of one item of each list (the spec's ``services ⇊ service ↴``).
ITEM_NAMES = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
}

# Characters XML 1.0 cannot carry at all (not even escaped): C0 controls except
# tab, newline and carriage return, surrogates, U+FFFE and U+FFFF.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def w3c_datetime(value: datetime | None, timezone: str) -> str | None:
    """``2026-11-17T10:00:00+03:00``: the W3C profile of ISO 8601, always with an offset."""
    if value is None:
        return None
    return value.astimezone(ZoneInfo(timezone)).isoformat(timespec="seconds")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return _XML_ILLEGAL.sub("", str(value))


def _append(parent: ET.Element, name: str, value: Any) -> None:
    element = ET.SubElement(parent, name)
    if isinstance(value, dict):
        for key, child in value.items():
            _append(element, key, child)
    elif isinstance(value, list):
        item_name = ITEM_NAMES[name]
        for item in value:
            _append(element, item_name, item)
    else:
        element.text = _text(value)


def to_xml(root: str, document: dict[str, Any] | list[Any]) -> bytes:
    """The document under ``<root>``, UTF-8 with the XML declaration (escaping by ElementTree)."""
    element = ET.Element(root)
    if isinstance(document, list):
        item_name = ITEM_NAMES[root]
        for item in document:
            _append(element, item_name, item)
    else:
        for key, value in document.items():
            _append(element, key, value)
    body = ET.tostring(element, encoding="unicode")
    return (XML_DECLARATION + body).encode("utf-8")


def to_json(document: dict[str, Any] | list[Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


def render(fmt: str, root: str, document: dict[str, Any] | list[Any]) -> tuple[bytes, str]:
    """The body and its content type in ``fmt`` ("xml" or "json")."""
    if fmt == "json":
        return to_json(document), CONTENT_TYPES["json"]
    return to_xml(root, document), CONTENT_TYPES["xml"]
