"""Rendering Open311 answers as JSON or XML (the spec makes XML mandatory, JSON optional).

One structure, two spellings: JSON as it is; XML with a root element, one child per field, and
the spec's element names for list items (``services > service``, ``attributes > attribute``).
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any
from xml.etree import ElementTree

from fastapi import Response
from pydantic import BaseModel

JSON_TYPE = "application/json"
XML_TYPE = "text/xml"


class Format(enum.StrEnum):
    JSON = "json"
    XML = "xml"

    @property
    def media_type(self) -> str:
        return JSON_TYPE if self is Format.JSON else XML_TYPE

    @classmethod
    def of_path(cls, path: str) -> Format:
        """The format a URL asks for (``.xml`` or else JSON), also when the URL is invalid."""
        return cls.XML if path.rstrip("/").endswith(".xml") else cls.JSON


# The element of each item of a list field, as the spec and its extensions name them.
ITEM_TAGS = {
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
    "notes": "note",
}
# Characters XML 1.0 cannot hold at all, even escaped (control characters but tab and newlines).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


def _append(parent: ElementTree.Element, tag: str, value: Any) -> None:
    element = ElementTree.SubElement(parent, tag)
    if isinstance(value, Mapping):
        for key, child in value.items():
            _append(element, key, child)
    elif isinstance(value, list):
        item_tag = ITEM_TAGS.get(tag, "item")
        for child in value:
            _append(element, item_tag, child)
    else:
        element.text = _text(value)


def to_xml(root: str, item: str | None, data: Any) -> bytes:
    """``data`` (plain JSON-like values) under ``root``; a list's entries each as ``item``."""
    element = ElementTree.Element(root)
    if isinstance(data, list):
        for entry in data:
            _append(element, item or "item", entry)
    else:
        for key, value in data.items():
            _append(element, key, value)
    return bytes(ElementTree.tostring(element, encoding="utf-8", xml_declaration=True))


def plain(data: BaseModel | Sequence[BaseModel]) -> Any:
    """Models as JSON-like values; fields never set (``extended_attributes`` without
    ``extensions=true``) are left out."""
    if isinstance(data, BaseModel):
        return data.model_dump(mode="json", exclude_unset=True)
    return [entry.model_dump(mode="json", exclude_unset=True) for entry in data]


def render(
    fmt: Format,
    data: BaseModel | Sequence[BaseModel],
    root: str,
    item: str | None = None,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response:
    values = plain(data)
    if fmt is Format.JSON:
        body = json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    else:
        body = to_xml(root, item, values)
    return Response(
        body,
        status_code=status_code,
        media_type=f"{fmt.media_type}; charset=utf-8",
        headers=dict(headers or {}),
    )
