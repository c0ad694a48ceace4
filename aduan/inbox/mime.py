"""Walking a MIME tree: which parts are the body, which are attachments.

Every accessor swallows the stdlib's errors on hostile parts and returns a safe
default, so one broken part never costs the message. Pure: no I/O.
"""

from __future__ import annotations

import email
import email.policy
import email.utils
import re
from email.message import Message

from aduan.inbox.body import html_to_text
from aduan.inbox.charset import clean_text, decode_bytes, decode_header, one_line, unescape

__all__ = [
    "Walker",
    "body_text",
    "ctype",
    "disposition",
    "filename",
    "param",
    "payload_bytes",
    "serialise",
]

MAX_DEPTH = 30  # nested multiparts followed; deeper is a MIME bomb


def ctype(part: Message) -> str:
    """The part's content type, lowercased (text/plain when unreadable)."""
    try:
        return part.get_content_type().lower()
    except Exception:
        return "text/plain"


def param(part: Message, name: str) -> str | None:
    """A Content-Type parameter as text (RFC 2231 values collapsed)."""
    try:
        v = part.get_param(name)
    except Exception:
        return None
    if isinstance(v, tuple):  # compat32 RFC 2231 triple
        v = email.utils.collapse_rfc2231_value(v)
    return None if v is None else str(v)


def filename(part: Message) -> str:
    """The part's filename, decoded, on one line ('' when it has none)."""
    # compat32's parameter parser copes with what the modern one mangles:
    # unquoted names with spaces, encoded words right after "filename="
    compat = Message(policy=email.policy.compat32)
    for k, v in part.raw_items():
        if k.lower() in ("content-type", "content-disposition"):
            compat[k] = unescape(str(v))
    name: object = None
    for source in (compat, part):
        try:
            name = source.get_filename() or param(source, "name")
        except Exception:
            name = None
        if name:
            break
    if not name:
        return ""
    return one_line(decode_header(str(name), param(part, "charset")))


def disposition(part: Message) -> str:
    """``inline``, ``attachment`` or ''."""
    try:
        return (part.get_content_disposition() or "").lower()
    except Exception:
        return ""


def payload_bytes(part: Message) -> bytes:
    """The decoded payload of a leaf part (raw when the transfer encoding is broken)."""
    try:
        data = part.get_payload(decode=True)
    except Exception:
        data = None
    if isinstance(data, bytes):
        return data
    raw = part.get_payload()
    if isinstance(raw, str):
        return raw.encode("utf-8", errors="surrogateescape")
    return b""


def serialise(part: Message) -> bytes:
    """The bytes of a message/* part's payload (an attached email, a DSN block)."""
    payload = part.get_payload()
    chunks: list[bytes] = []
    items = payload if isinstance(payload, list) else [payload]
    for item in items:
        if isinstance(item, Message):
            try:
                chunks.append(item.as_bytes(policy=email.policy.compat32))
            except Exception:
                chunks.append(str(item).encode("utf-8", errors="replace"))
        elif isinstance(item, str):
            chunks.append(item.encode("utf-8", errors="surrogateescape"))
        elif isinstance(item, bytes):
            chunks.append(item)
    return b"\n".join(chunks)


def _part_text(part: Message, fallback_charset: str | None) -> str:
    data = payload_bytes(part)
    text = decode_bytes(data, param(part, "charset") or fallback_charset)
    if ctype(part) == "text/html":
        return html_to_text(text)
    return clean_text(text)


class Walker:
    """Collect the body parts and the attachments of a message tree."""

    def __init__(self, charset: str | None) -> None:
        self.charset = charset
        self.bodies: list[Message] = []
        self.attachments: list[tuple[Message, str]] = []  # part, content type

    def _is_body(self, part: Message) -> bool:
        return (
            ctype(part) in ("text/plain", "text/html")
            and disposition(part) != "attachment"
            and not filename(part)
        )

    def walk(self, part: Message, bodies_allowed: bool = True, depth: int = 0) -> None:
        kind = ctype(part)
        if depth > MAX_DEPTH:  # a MIME bomb of nested multiparts: stop descending
            return
        if kind.startswith("message/"):
            self.attachments.append((part, kind))
            return
        payload = part.get_payload()
        if kind.startswith("multipart/") and isinstance(payload, str):
            self._broken_multipart(part, payload, bodies_allowed, depth)
            return
        if part.is_multipart() and isinstance(payload, list):
            subs = [p for p in payload if isinstance(p, Message)]
            if kind == "multipart/alternative" and bodies_allowed:
                chosen = self._choose_alternative(subs)
                for sp in subs:
                    self.walk(sp, sp is chosen, depth + 1)
            else:
                for sp in subs:
                    self.walk(sp, bodies_allowed, depth + 1)
            return
        if self._is_body(part):
            if bodies_allowed:
                self.bodies.append(part)
            return
        self.attachments.append((part, kind))

    def _broken_multipart(
        self, part: Message, payload: str, bodies_allowed: bool, depth: int
    ) -> None:
        """A multipart whose declared boundary never occurs (or was unparseable,
        like an unquoted ``boundary=----=_NextPart``): find the boundary actually
        used in the body and parse again; else keep the payload as text."""
        lines = re.findall(r"(?m)^--([^\s]{1,200}?)(?:--)?\s*$", payload)
        counts: dict[str, int] = {}
        for b in lines:
            counts[b] = counts.get(b, 0) + 1
        best = max(counts, key=lambda b: counts[b], default="")
        if best and counts[best] >= 2:
            head = f'Content-Type: {ctype(part)}; boundary="{best}"\n\n'
            data = head.encode() + payload.encode("utf-8", errors="surrogateescape")
            reparsed = email.message_from_bytes(data, policy=email.policy.compat32)
            if isinstance(reparsed.get_payload(), list):
                self.walk(reparsed, bodies_allowed, depth + 1)
                return
        if payload.strip() and bodies_allowed:
            text_part = Message(policy=email.policy.compat32)
            text_part.set_payload(payload)
            self.bodies.append(text_part)

    def _choose_alternative(self, subs: list[Message]) -> Message | None:
        for want in ("text/plain", "text/html"):
            for sp in subs:
                if ctype(sp) == want and self._is_body(sp) and payload_bytes(sp).strip():
                    return sp
        multi = [sp for sp in subs if ctype(sp).startswith("multipart/")]
        return multi[-1] if multi else (subs[-1] if subs else None)


def body_text(bodies: list[Message], charset: str | None) -> str:
    """The body parts as one text: the plain ones when there are any, else the HTML."""
    plain = [b for b in bodies if ctype(b) == "text/plain"]
    chosen = plain or bodies
    texts = [_part_text(b, charset) for b in chosen]
    return "\n\n".join(t.strip() for t in texts if t.strip())
