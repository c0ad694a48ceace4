"""Google's own API description as the judge of every request the local fakes receive.

The discovery documents ``sheets.v4.json`` and ``drive.v3.json`` ship inside
``google-api-python-client`` (a dev requirement, used only for these files: no network).
:class:`Api` finds the method a request calls from its HTTP method and path, then checks
the query parameters (known, enum values, types), the JSON body (unknown fields, wrong
types, enum values) and every field mask (the ``fields`` parameter against the response
schema, ``fields`` inside batchUpdate requests against the object they update).

A violation is what Google refuses with a 400 (``kind="schema"``: the fake answers with
:func:`error_body`, Google's shape) or a field the document marks deprecated
(``kind="deprecated"``: Google accepts it, so the fake does too, but the suite must not
send it). Every violation is also kept in :data:`LOG` (with the number of requests
checked); ``tests/conftest.py`` fails the session when a test left one unclaimed
(see :func:`claim`).
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

__all__ = ["LOG", "Api", "Violation", "claim", "drive", "error_body", "sheets"]


class Violation(NamedTuple):
    """One breach of the API description."""

    kind: str  # "schema" (Google answers 400) or "deprecated" (accepted, but not by us)
    method: str  # discovery id, e.g. sheets.spreadsheets.batchUpdate
    where: str  # field path as Google names it, e.g. requests[0].update_cells.rows
    message: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.method} {self.where}: {self.message}"


@dataclass
class _Log:
    """What the whole test session sent: requests checked, violations not claimed."""

    checked: int = 0
    open: list[Violation] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, found: list[Violation]) -> None:
        with self.lock:
            self.checked += 1
            self.open.extend(found)


LOG = _Log()


def claim(kind: str | None = None) -> list[Violation]:
    """Take the violations recorded so far out of the session log (a test that sends bad
    requests on purpose claims them, so the session-end check does not fail on them)."""
    with LOG.lock:
        taken = [v for v in LOG.open if kind is None or v.kind == kind]
        LOG.open = [v for v in LOG.open if v not in taken]
    return taken


def error_body(violations: list[Violation]) -> dict:
    """Google's 400 answer for a request that breaks the schema."""
    first = violations[0]
    return {
        "error": {
            "code": 400,
            "message": first.message,
            "status": "INVALID_ARGUMENT",
            "details": [
                {
                    "@type": "type.googleapis.com/google.rpc.BadRequest",
                    "fieldViolations": [
                        {"field": v.where, "description": v.message} for v in violations
                    ],
                }
            ],
        }
    }


def _documents() -> Path:
    import googleapiclient

    return Path(googleapiclient.__file__).parent / "discovery_cache" / "documents"


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


#: batchUpdate requests whose ``fields`` mask is relative to another object than their own
_MASK_TARGET = {
    "UpdateCellsRequest": "CellData",
    "RepeatCellRequest": "CellData",
    "AppendCellsRequest": "CellData",
}

_INT = re.compile(r"^-?\d+$")


class Method(NamedTuple):
    id: str
    http: str
    pattern: re.Pattern[str]
    spec: dict


class Api:
    """One discovery document and the checks it allows."""

    def __init__(self, name: str, base_path: str = "") -> None:
        self.doc = json.loads((_documents() / name).read_text(encoding="utf-8"))
        self.schemas: dict[str, dict] = self.doc["schemas"]
        self.service = "/" + self.doc.get("servicePath", "")
        self.base_path = base_path
        self.methods: list[Method] = []
        self._collect(self.doc.get("resources", {}))
        # the more literal text a template has, the earlier it is tried
        self.methods.sort(key=lambda m: -len(re.sub(r"\{[^}]+\}", "", m.pattern.pattern)))

    def _collect(self, resources: dict) -> None:
        for res in resources.values():
            for spec in res.get("methods", {}).values():
                paths = [self.service + spec["path"]]
                for proto in spec.get("mediaUpload", {}).get("protocols", {}).values():
                    paths.append(proto["path"])
                for p in paths:
                    regex = re.escape(p)
                    regex = re.sub(r"\\\{\\\+[^}]+\\\}", "(.+)", regex)
                    regex = re.sub(r"\\\{[^}]+\\\}", "([^/]+)", regex)
                    self.methods.append(
                        Method(spec["id"], spec["httpMethod"], re.compile(f"^{regex}$"), spec)
                    )
            self._collect(res.get("resources", {}))

    def method(self, http: str, path: str) -> Method | None:
        """The discovery method a request calls (None: the API has no such method)."""
        for m in self.methods:
            if m.http == http and m.pattern.match(path):
                return m
        return None

    # ------------------------------------------------------------------ checks
    def check(
        self, http: str, path: str, query: dict[str, list[str]], body: Any = None
    ) -> list[Violation]:
        """Every violation in one request (an empty list: Google would accept it)."""
        m = self.method(http, path)
        if m is None:
            return [Violation("schema", "?", path, f"Method not found: {http} {path}")]
        out: list[Violation] = []
        self._check_query(m, query, out)
        req = m.spec.get("request", {}).get("$ref")
        if req and isinstance(body, dict):
            self.check_body(m.id, req, body, out)
        resp = m.spec.get("response", {}).get("$ref")
        for mask in query.get("fields", []):
            if resp:
                self._check_mask(m.id, "fields", resp, mask, out)
        return out

    def _check_query(self, m: Method, query: dict[str, list[str]], out: list[Violation]) -> None:
        known = {**self.doc.get("parameters", {}), **m.spec.get("parameters", {})}
        for name, values in query.items():
            spec = known.get(name)
            if spec is None or spec.get("location") == "path":
                out.append(
                    Violation(
                        "schema",
                        m.id,
                        name,
                        f"Invalid JSON payload received. Unknown name "
                        f"\"{name}\": Cannot bind query parameter. Field '{name}' could not be "
                        "found in request message.",
                    )
                )
                continue
            if spec.get("deprecated"):
                out.append(Violation("deprecated", m.id, name, "deprecated parameter"))
            if len(values) > 1 and not spec.get("repeated"):
                out.append(Violation("schema", m.id, name, "parameter given more than once"))
            for v in values:
                problem = _scalar_problem(spec, v, from_query=True)
                if problem:
                    out.append(
                        Violation(
                            "schema",
                            m.id,
                            _snake(name),
                            f"Invalid value at '{_snake(name)}' ({problem}), \"{v}\"",
                        )
                    )

    def check_body(self, method: str, ref: str, body: Any, out: list[Violation]) -> None:
        """Check a JSON value against schema ``ref`` (appends to ``out``)."""
        self._value(method, {"$ref": ref}, body, "", out)

    def _value(self, method: str, spec: dict, value: Any, where: str, out: list[Violation]) -> None:
        if value is None:
            return  # JSON null is the default value for any field
        if "$ref" in spec:
            name = spec["$ref"]
            schema = self.schemas[name]
            if not isinstance(value, dict):
                out.append(_invalid(method, where, f"type.googleapis.com/{name}", value))
                return
            self._object(method, name, schema, value, where, out)
            return
        kind = spec.get("type")
        if kind == "array":
            if not isinstance(value, list):
                out.append(_invalid(method, where, "list", value))
                return
            for i, item in enumerate(value):
                self._value(method, spec.get("items", {}), item, f"{where}[{i}]", out)
            return
        if kind == "object":
            if not isinstance(value, dict):
                out.append(_invalid(method, where, "object", value))
                return
            if "properties" in spec:
                self._object(method, "", spec, value, where, out)
            elif "additionalProperties" in spec:
                for k, v in value.items():
                    self._value(method, spec["additionalProperties"], v, f"{where}[{k}]", out)
            return
        problem = _scalar_problem(spec, value)
        if problem:
            out.append(_invalid(method, where, problem, value))
        elif isinstance(value, str) and self.deprecated_enum(spec, value):
            out.append(Violation("deprecated", method, where, f"deprecated value {value}"))

    def _object(
        self, method: str, name: str, schema: dict, value: dict, where: str, out: list[Violation]
    ) -> None:
        props = schema.get("properties", {})
        for key, item in value.items():
            prop = props.get(key) or props.get(_camel(key))
            here = f"{where}.{_snake(key)}" if where else _snake(key)
            if prop is None:
                at = f" at '{where}'" if where else ""
                out.append(
                    Violation(
                        "schema",
                        method,
                        where or key,
                        f'Invalid JSON payload received. Unknown name "{key}"{at}: '
                        "Cannot find field.",
                    )
                )
                continue
            if prop.get("deprecated"):
                out.append(
                    Violation("deprecated", method, here, prop.get("description", "deprecated"))
                )
            self._value(method, prop, item, here, out)
            if prop.get("format") == "google-fieldmask" and isinstance(item, str):
                target = _MASK_TARGET.get(name) or self._mask_target(schema, key)
                if target:
                    self._check_mask(method, here, target, item, out)

    def _mask_target(self, schema: dict, mask_key: str) -> str | None:
        """The object a request's ``fields`` mask refers to: its one other object field."""
        refs = [
            p["$ref"]
            for k, p in schema.get("properties", {}).items()
            if k != mask_key and "$ref" in p and self.schemas[p["$ref"]].get("type") == "object"
        ]
        return refs[0] if len(refs) == 1 else None

    def _check_mask(
        self, method: str, where: str, ref: str, mask: str, out: list[Violation]
    ) -> None:
        try:
            paths = _mask_paths(mask)
        except ValueError as e:
            out.append(Violation("schema", method, where, f"Invalid field mask {mask!r}: {e}"))
            return
        for path in paths:
            spec: dict = {"$ref": ref}
            for seg in path:
                if seg == "*":
                    break
                spec = self._deref(spec)
                if spec.get("type") == "object" and "additionalProperties" in spec:
                    spec = spec["additionalProperties"]
                    continue
                props = spec.get("properties", {})
                nxt = props.get(seg) or props.get(_camel(seg))
                if nxt is None:
                    out.append(
                        Violation(
                            "schema",
                            method,
                            where,
                            f"Invalid field mask: '{'.'.join(path)}'. Field '{seg}' not found "
                            f"in {spec.get('id') or ref}.",
                        )
                    )
                    break
                if nxt.get("deprecated"):
                    out.append(Violation("deprecated", method, where, f"mask names {seg}"))
                spec = nxt

    def _deref(self, spec: dict) -> dict:
        while True:
            if "$ref" in spec:
                spec = self.schemas[spec["$ref"]]
            elif spec.get("type") == "array":
                spec = spec.get("items", {})
            else:
                return spec

    def deprecated_enum(self, spec: dict, value: str) -> bool:
        values = spec.get("enum") or []
        flags = spec.get("enumDeprecated") or []
        return value in values and bool(flags) and flags[values.index(value)]


def _invalid(method: str, where: str, expected: str, value: Any) -> Violation:
    shown = json.dumps(value, ensure_ascii=False)[:80]
    return Violation("schema", method, where, f"Invalid value at '{where}' ({expected}), {shown}")


def _scalar_problem(spec: dict, value: Any, from_query: bool = False) -> str:
    """Why a scalar does not fit its spec ("" when it does)."""
    kind, fmt = spec.get("type"), spec.get("format", "")
    if kind == "any" or kind is None:
        return ""
    if kind == "boolean":
        # Google reads query booleans case-insensitively (gspread sends "False")
        ok = str(value).lower() in ("true", "false") if from_query else isinstance(value, bool)
        return "" if ok else "TYPE_BOOL"
    if kind == "integer":
        if isinstance(value, bool):
            return "TYPE_INT32"
        if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
            return ""
        return "" if isinstance(value, str) and _INT.match(value) else f"TYPE_{fmt.upper()}"
    if kind == "number":
        if isinstance(value, bool):
            return "TYPE_DOUBLE"
        if isinstance(value, int | float):
            return ""
        try:
            float(value)
        except (TypeError, ValueError):
            return "TYPE_DOUBLE"
        return ""
    if kind == "string":
        if fmt == "int64" and isinstance(value, int) and not isinstance(value, bool):
            return ""
        if not isinstance(value, str):
            return "TYPE_STRING"
        enum = spec.get("enum")
        if enum and value not in enum:
            return "TYPE_ENUM"
        if fmt in ("int64", "uint64") and not _INT.match(value):
            return "TYPE_INT64"
    return ""


def _mask_paths(mask: str) -> list[list[str]]:
    """``a.b(c,d/e),f`` -> [[a,b,c],[a,b,d,e],[f]] (Google's partial-response syntax)."""
    pos = 0

    def parse(prefix: list[str]) -> list[list[str]]:
        nonlocal pos
        out: list[list[str]] = []
        while pos < len(mask):
            m = re.compile(r"\s*([A-Za-z0-9_*]+(?:[./][A-Za-z0-9_*]+)*)\s*").match(mask, pos)
            if not m:
                raise ValueError(f"unexpected {mask[pos : pos + 10]!r}")
            pos = m.end()
            path = prefix + re.split(r"[./]", m.group(1))  # Google takes both separators
            if pos < len(mask) and mask[pos] == "(":
                pos += 1
                out += parse(path)
                if pos >= len(mask) or mask[pos] != ")":
                    raise ValueError("unbalanced parentheses")
                pos += 1
            else:
                out.append(path)
            if pos < len(mask) and mask[pos] == ",":
                pos += 1
                continue
            break
        return out

    paths = parse([])
    if pos != len(mask):
        raise ValueError(f"unexpected {mask[pos : pos + 10]!r}")
    return paths


@cache
def sheets() -> Api:
    """The Sheets API v4."""
    return Api("sheets.v4.json")


@cache
def drive() -> Api:
    """The Drive API v3."""
    return Api("drive.v3.json")
