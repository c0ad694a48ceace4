"""Header fields of a message, read raw: sender, Message-IDs, recipients, date.

The policy parser of :mod:`email` can raise on a hostile header; these read
``raw_items()`` and decode themselves. Pure: no I/O.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime

from aduan.inbox.charset import decode_header, one_line, unescape

__all__ = [
    "Headers",
    "auth_results",
    "msgids",
    "norm_msgid",
    "parse_date",
    "parse_from",
    "recipients",
]


class Headers:
    """Raw header access that never goes through the (fallible) policy parser."""

    def __init__(self, msg: Message, charset: str | None) -> None:
        self.items = [(k.lower(), v) for k, v in msg.raw_items()]
        self.charset = charset

    def present(self, name: str) -> bool:
        return any(k == name for k, _ in self.items)

    def raw(self, name: str) -> str:
        for k, v in self.items:
            if k == name:
                return unescape(str(v), self.charset)
        return ""

    def text(self, name: str) -> str:
        for k, v in self.items:
            if k == name:
                return one_line(decode_header(str(v), self.charset))
        return ""

    def all(self, name: str) -> list[str]:
        """Every value of a repeated header, raw."""
        return [unescape(str(v), self.charset) for k, v in self.items if k == name]


_MSGID = re.compile(r"<([^<>\s]+)>")
_ADDRESS = re.compile(r"[^\s<>\"',;:()]+@[^\s<>\"',;:()]+")


def msgids(value: str) -> list[str]:
    """The ``<...>`` ids in a header value (In-Reply-To, References)."""
    return [f"<{m}>" for m in _MSGID.findall(value or "")]


def norm_msgid(value: str) -> str:
    """One Message-ID in angle brackets ('' when the value has none)."""
    ids = msgids(value)
    if ids:
        return ids[0]
    token = re.sub(r"[\s<>]", "", value or "")
    return f"<{token}>" if token else ""


def parse_from(h: Headers) -> tuple[str, str]:
    """(address lowercased, display name) of the sender."""
    raw = h.raw("from")
    if not raw:
        raw = h.raw("sender") or h.raw("reply-to")
    addr = name = ""
    # the <angle address> is the sender, even when the display name (an encoded word
    # getaddresses cannot see into) holds an address of its own
    angle = re.search(r"<\s*([^<>\s\"]+@[^<>\s\"]+?)\s*>\s*$", raw.strip())
    if angle:
        addr, name = angle.group(1), raw.strip()[: angle.start()].strip()
        return one_line(addr).lower(), one_line(decode_header(name, h.charset)).strip("\"' ")
    try:
        for n, a in getaddresses([raw]):
            if "@" in a:
                name, addr = n, a
                break
    except Exception:  # getaddresses on hostile input: regex below
        pass
    if not addr:
        m = _ADDRESS.search(raw)
        addr = m.group(0) if m else ""
        if m and not name:
            name = raw[: m.start()].strip(" <\"'")
    return one_line(addr).lower(), one_line(decode_header(name, h.charset)).strip("\"' ")


def recipients(h: Headers) -> list[str]:
    """Every address the message was sent to (To, Cc, Delivered-To, X-Original-To)."""
    found: list[str] = []
    for name in ("to", "cc", "delivered-to", "x-original-to"):
        for raw in h.all(name):
            for m in _ADDRESS.finditer(raw):
                a = m.group(0).lower()
                if a not in found:
                    found.append(a)
    return found


def auth_results(h: Headers) -> str:
    """Every Authentication-Results header, unfolded, one a line."""
    return "\n".join(" ".join(v.split()) for v in h.all("authentication-results"))


def parse_date(h: Headers, problems: list[str]) -> datetime | None:
    """The Date header; None (and a problem) when unreadable or implausible."""
    raw = h.raw("date").strip()
    if not raw:
        return None
    try:
        d = parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError, OverflowError):
        problems.append(f"bad date {one_line(raw)[:60]!r}")
        return None
    if d.tzinfo is None:  # "-0000": time zone unknown; UTC is the honest reading
        d = d.replace(tzinfo=UTC)
    if not 1980 <= d.year <= 2100:
        problems.append(f"implausible date {one_line(raw)[:60]!r}")
        return None
    return d
