"""Read the facts the classifier needs out of raw mail bytes, leniently.

Never raises on odd input: the stdlib parser runs with ``compat32`` (the lenient
policy; ``policy.default`` can raise on broken headers), header values are taken
raw and decoded here with ``errors="replace"``, and the walk over MIME parts is
bounded in depth, parts and characters so hostile mail stays cheap.
"""

from __future__ import annotations

import codecs
import contextlib
import email.header
import email.policy
import email.utils
import re
from dataclasses import dataclass, field
from email.message import Message
from email.parser import BytesParser

__all__ = ["Facts", "decode_bytes", "read_facts"]

MAX_BYTES = 1024 * 1024  # a notice is small; a huge mail is the original attached to it
MAX_MULTIPARTS = 200  # more multipart containers than this is a MIME bomb
MAX_PARTS = 60
MAX_DEPTH = 8
MAX_TEXT = 60_000  # characters of notice text looked at

_PARSER = BytesParser(policy=email.policy.compat32)
_MULTIPART = re.compile(rb"(?i)content-type:\s*multipart/")
_HEAD_END = re.compile(rb"\r?\n\r?\n|\r\r")  # the blank line after the headers (CR-only too)
_TAGS = re.compile(r"(?s)<(script|style)\b.*?</\1\s*>|<[^>]*>")
_ADDR = re.compile(r"[^\s<>\"',;:()\[\]]+@[^\s<>\"',;:()\[\]]+")


@dataclass
class Facts:
    """What one message says about itself, decoded; inputs to the rules."""

    headers: dict[str, str] = field(default_factory=dict)  # first value of each, lower-case name
    header_names: frozenset[str] = frozenset()
    envelope_from: str | None = None  # the mbox "From " line's sender, when present
    from_raw: str = ""
    from_addr: str = ""
    from_name: str = ""
    subject: str = ""
    ctype: str = "text/plain"
    report_type: str = ""
    dsn: list[str] = field(default_factory=list)  # message/delivery-status texts
    feedback: bool = False  # a message/feedback-report part
    mdn: bool = False  # a message/disposition-notification part
    attached_heads: list[str] = field(default_factory=list)  # headers of returned originals
    original_ids: list[str] = field(default_factory=list)  # Message-IDs of attached originals
    notice: str = ""  # text of the notice itself (not of a returned original)
    parsed: bool = True

    def header(self, name: str) -> str:
        """The decoded first value of header ``name`` ("" when absent)."""
        return self.headers.get(name, "")

    def has(self, name: str) -> bool:
        """Whether header ``name`` is present at all (even empty)."""
        return name in self.header_names


def read_facts(raw: bytes) -> Facts:
    """Parse ``raw`` (bounded) into :class:`Facts`; a body that cannot be walked
    still gives its headers."""
    data = bytes(raw[:MAX_BYTES])
    facts = Facts()
    if len(_MULTIPART.findall(data)) > MAX_MULTIPARTS:
        # the stdlib parser recurses once per nesting level: headers only
        data = _HEAD_END.split(data, maxsplit=1)[0]
        facts.parsed = False
    try:
        msg = _PARSER.parsebytes(data)
    except Exception:  # the parser has known crashes on hostile input
        facts.parsed = False
        try:
            msg = _PARSER.parsebytes(_HEAD_END.split(data, maxsplit=1)[0], headersonly=True)
        except Exception:
            return facts
    _read_headers(msg, facts)
    if facts.parsed:
        texts: list[str] = []
        try:
            _walk(msg, facts, texts, 0, [0])
        except Exception:  # RecursionError or a parser quirk: what was read is kept
            facts.parsed = False
        facts.notice = "\n".join(texts)[:MAX_TEXT]
    return facts


def _read_headers(msg: Message, facts: Facts) -> None:
    headers: dict[str, str] = {}
    for k, v in msg.raw_items():
        name = k.strip().lower()
        if name not in headers:
            headers[name] = decode_header(v)
    facts.headers = headers
    facts.header_names = frozenset(headers)
    unix = msg.get_unixfrom()
    if unix:
        parts = unix.split()
        facts.envelope_from = parts[1] if len(parts) > 1 else ""
    facts.from_raw = headers.get("from", "")
    facts.from_addr, facts.from_name = _split_from(facts.from_raw)
    facts.subject = " ".join(headers.get("subject", "").split())
    facts.ctype = _ctype(msg)
    facts.report_type = (_param(msg, "report-type") or "").strip().lower()


def decode_header(value: object) -> str:
    """An RFC 2047 header value as text; 8-bit bytes and bad words cost a U+FFFD."""
    text = _unescape(str(value))
    if "=?" not in text:
        return text
    try:
        chunks = email.header.decode_header(text)
    except Exception:
        return text
    out: list[str] = []
    for chunk, charset in chunks:
        if isinstance(chunk, bytes):
            out.append(decode_bytes(chunk, charset))
        else:
            out.append(chunk)
    return "".join(out)


def _unescape(text: str) -> str:
    """Surrogate-escaped raw bytes (8-bit headers) back to real text."""
    if not any("\udc80" <= ch <= "\udcff" for ch in text):
        return text
    return decode_bytes(text.encode("utf-8", errors="surrogateescape"), None)


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Decode with the declared charset, best effort; never raises."""
    if b"\x1b$" in data or b"\x1b(" in data:
        # 7-bit ISO-2022-JP text often arrives labelled us-ascii or not at all
        try:
            return data.decode("iso2022_jp_ext")
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    codec = "cp1252"
    if charset:
        with contextlib.suppress(LookupError):
            codec = codecs.lookup(charset.strip().strip("\"'").lower()).name
    try:
        return data.decode(codec, errors="replace")
    except Exception:  # a codec that fails oddly (e.g. a non-text codec name)
        return data.decode("cp1252", errors="replace")


def _split_from(raw: str) -> tuple[str, str]:
    """(address lower-cased, display name) of a From value; either may be ""."""
    value = " ".join(raw.split())
    angle = re.search(r"<\s*([^<>]*?)\s*>", value)
    if angle:
        addr = angle.group(1).strip().strip("\"'")
        name = (value[: angle.start()] + value[angle.end() :]).strip()
    else:
        m = _ADDR.search(value)
        if m:
            addr = m.group(0)
            name = (value[: m.start()] + value[m.end() :]).strip()
        else:  # no address at all: "mailer-daemon", "example.com", ""
            addr, name = value if " " not in value else "", value
    name = name.strip(" \"'()")
    return addr.lower(), name


def _ctype(part: Message) -> str:
    try:
        return part.get_content_type().lower()
    except Exception:
        return "text/plain"


def _param(part: Message, name: str) -> str | None:
    try:
        v = part.get_param(name)
    except Exception:
        return None
    if isinstance(v, tuple):  # an RFC 2231 triple
        v = email.utils.collapse_rfc2231_value(v)
    return None if v is None else str(v)


def _payload_text(part: Message) -> str:
    try:
        data = part.get_payload(decode=True)
    except Exception:
        data = None
    if not isinstance(data, bytes):
        payload = part.get_payload()
        if not isinstance(payload, str):
            return ""
        data = payload.encode("utf-8", errors="surrogateescape")
    text = decode_bytes(data[: MAX_TEXT * 2], _param(part, "charset"))
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _subparts(part: Message) -> list[Message]:
    payload = part.get_payload()
    if isinstance(payload, list):
        return [p for p in payload if isinstance(p, Message)]
    return []


def _head_text(msg: Message) -> str:
    return "\n".join(f"{k}: {decode_header(v)}" for k, v in msg.raw_items())


def _walk(part: Message, facts: Facts, texts: list[str], depth: int, seen: list[int]) -> None:
    seen[0] += 1
    if depth > MAX_DEPTH or seen[0] > MAX_PARTS:
        return
    ctype = _ctype(part)
    if ctype == "message/delivery-status" or ctype == "message/global-delivery-status":
        subs = _subparts(part)
        text = "\n\n".join(_head_text(s) for s in subs) if subs else _payload_text(part)
        facts.dsn.append(text)
        return
    if ctype in ("message/feedback-report", "message/disposition-notification"):
        facts.feedback = facts.feedback or ctype == "message/feedback-report"
        facts.mdn = facts.mdn or ctype == "message/disposition-notification"
        return
    if ctype.startswith("message/"):  # rfc822, global, partial, rfc822-headers...
        subs = _subparts(part)
        for sub in subs[:1]:
            _original(sub, facts)
        if not subs:
            _original_text(_payload_text(part), facts)
        return
    if ctype in ("text/rfc822-headers", "text/global-headers"):
        _original_text(_payload_text(part), facts)
        return
    if ctype.startswith("multipart/"):
        for sub in _subparts(part):
            _walk(sub, facts, texts, depth + 1, seen)
        if not _subparts(part):  # a boundary that never occurs: the payload is text
            texts.append(_payload_text(part))
        return
    if depth and part.get("received") is not None and part.get("message-id") is not None:
        _original(part, facts)  # an original pasted in as a part with no MIME headers
        return
    if ctype.startswith("text/") or ctype == "application/json":
        text = _payload_text(part)
        if ctype == "text/html":
            text = _TAGS.sub(" ", text)
        texts.append(text)


_MSGID_LINE = re.compile(r"(?im)^[ \t>]*message-id:[ \t]*(<[^<>\s]+>)")


def _original_text(text: str, facts: Facts) -> None:
    """Note a returned original given as text (its headers): headers and Message-ID."""
    head = re.split(r"\n[ \t]*\n", text.lstrip(), maxsplit=1)[0]
    facts.attached_heads.append(head)
    facts.original_ids.extend(_MSGID_LINE.findall(head)[:1])


def _original(sub: Message, facts: Facts) -> None:
    """Note a returned original (attached as message/rfc822): its headers and Message-ID."""
    if not sub.keys():  # a blank line too many: the original's headers are its "body"
        payload = sub.get_payload()
        _original_text(payload if isinstance(payload, str) else "", facts)
        return
    facts.attached_heads.append(_head_text(sub))
    for k, v in sub.raw_items():
        if k.strip().lower() == "message-id":
            m = re.search(r"<[^<>\s]+>", str(v))
            if m:
                facts.original_ids.append(m.group(0))
            break
