"""The API reference page's content, read from the OpenAPI document (static/api/openapi.json).

The page is rendered on the server from the same file the API serves, so the reference and
the description tools read can never disagree, and no script from anywhere is needed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import current_app

OPENAPI_FILE = "api/openapi.json"


@dataclass(frozen=True)
class Parameter:
    name: str
    where: str
    kind: str
    description: str
    required: bool


@dataclass(frozen=True)
class Answer:
    status: str
    description: str
    media: str  # the first content type, "" if none
    schema: str  # the schema's name, or "" if inline or none


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    summary: str
    description: str
    anchor: str
    parameters: list[Parameter]
    answers: list[Answer]


@dataclass(frozen=True)
class Property:
    name: str
    kind: str
    description: str


@dataclass(frozen=True)
class Schema:
    name: str
    description: str
    properties: list[Property]


@dataclass(frozen=True)
class Reference:
    title: str
    version: str
    description: str
    base: str
    operations: list[Operation] = field(default_factory=list)
    schemas: list[Schema] = field(default_factory=list)


def _kind(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    kind = schema.get("type", "object")
    if isinstance(kind, list):
        kind = " or ".join(str(k) for k in kind)
    if kind == "array":
        return f"array of {_kind(schema.get('items', {}))}"
    extras = []
    if "format" in schema:
        extras.append(str(schema["format"]))
    if "enum" in schema:
        extras.append("one of " + ", ".join(str(v) for v in schema["enum"]))
    if "minimum" in schema and "maximum" in schema:
        extras.append(f"{schema['minimum']} to {schema['maximum']}")
    if "default" in schema:
        extras.append(f"default {schema['default']}")
    if "maxLength" in schema:
        extras.append(f"at most {schema['maxLength']} characters")
    return f"{kind} ({'; '.join(extras)})" if extras else str(kind)


def _anchor(method: str, path: str) -> str:
    cleaned = "".join(ch if ch.isalnum() else "-" for ch in path).strip("-")
    return f"{method}-{cleaned}".lower()


def build(document: dict[str, Any]) -> Reference:
    info = document.get("info", {})
    servers = document.get("servers") or [{"url": "/"}]
    reference = Reference(
        title=str(info.get("title", "")),
        version=str(info.get("version", "")),
        description=str(info.get("description", "")),
        base=str(servers[0].get("url", "/")),
    )
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or method.startswith("x-") or method == "parameters":
                continue
            parameters = [
                Parameter(
                    name=str(p.get("name", "")),
                    where=str(p.get("in", "")),
                    kind=_kind(p.get("schema", {})),
                    description=str(p.get("description", "")),
                    required=bool(p.get("required", False)),
                )
                for p in [*item.get("parameters", []), *operation.get("parameters", [])]
            ]
            answers = []
            for status, answer in operation.get("responses", {}).items():
                content = answer.get("content", {})
                media = next(iter(content), "")
                schema = content.get(media, {}).get("schema", {}) if media else {}
                answers.append(
                    Answer(
                        str(status),
                        str(answer.get("description", "")),
                        media,
                        _kind(schema) if schema else "",
                    )
                )
            reference.operations.append(
                Operation(
                    method=method.upper(),
                    path=path,
                    summary=str(operation.get("summary", "")),
                    description=str(operation.get("description", "")),
                    anchor=_anchor(method, path),
                    parameters=parameters,
                    answers=answers,
                )
            )
    for name, schema in document.get("components", {}).get("schemas", {}).items():
        properties = [
            Property(prop, _kind(spec), str(spec.get("description", "")))
            for prop, spec in schema.get("properties", {}).items()
        ]
        reference.schemas.append(Schema(name, str(schema.get("description", "")), properties))
    return reference


_cache: dict[float, Reference] = {}


def reference() -> Reference:
    """The reference for the OpenAPI document as it is on disk (read again when it changes)."""
    path = Path(current_app.static_folder or "static") / OPENAPI_FILE
    stamp = path.stat().st_mtime
    found = _cache.get(stamp)
    if found is None:
        _cache.clear()
        found = _cache[stamp] = build(json.loads(path.read_text(encoding="utf-8")))
    return found
