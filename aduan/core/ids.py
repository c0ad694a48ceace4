"""Identifiers Aduan derives deterministically: ticket numbers, Message-IDs, keys.

Deterministic ids are what make a resend after a crash recognisable: the same
decision always produces the same Message-ID."""

from __future__ import annotations

import hashlib
import re
import string

__all__ = [
    "message_id",
    "thread_id",
    "ticket_regex",
    "format_ticket",
    "parse_ticket",
    "safe_ticket",
]


def message_id(key: str, domain: str) -> str:
    """The Message-ID of the email for idempotency key ``key``."""
    return f"<aduan.{hashlib.sha1(key.encode('utf-8')).hexdigest()[:24]}@{domain}>"


def thread_id(ticket: str, domain: str) -> str:
    """The root Message-ID every email about ``ticket`` refers to (threading)."""
    return message_id(f"{ticket}|thread", domain)


def format_ticket(fmt: str, *, year: int, month: int, seq: int, office: str = "") -> str:
    return fmt.format(year=year, month=month, seq=seq, office=office)


def ticket_regex(fmt: str, office: str = "") -> re.Pattern[str]:
    """A regex matching tickets of format ``fmt`` with named groups year, month, seq."""
    out = []
    for literal, field, spec, _conv in string.Formatter().parse(fmt):
        out.append(re.escape(literal))
        if field is None:
            continue
        if field == "office":
            out.append(re.escape(office))
            continue
        width = re.search(r"(\d+)", spec or "")
        digits = rf"\d{{{int(width.group(1))},}}" if width else r"\d+"
        if field in ("year", "month", "seq") and f"(?P<{field}>" not in "".join(out):
            out.append(f"(?P<{field}>{digits})")
        else:
            out.append(digits)
    # not inside a longer token: "XADU/2026/11/0007" or ".../00071" is no ticket
    return re.compile(r"(?<![\w/])" + "".join(out) + r"(?![\w/])")


def parse_ticket(pattern: re.Pattern[str], text: str) -> tuple[int, int, int] | None:
    """(year, month, seq) of a ticket, or None when ``text`` is not one."""
    m = pattern.fullmatch(text.strip())
    if not m:
        return None
    g = m.groupdict()
    try:
        return int(g.get("year") or 0), int(g.get("month") or 0), int(g["seq"])
    except (KeyError, ValueError):
        return None


def safe_ticket(ticket: str) -> str:
    """A ticket number usable as a folder or file name (ADU/2026/11/0007 -> ADU-2026-11-0007)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", ticket).strip("-.") or "tanpa-nomor"
