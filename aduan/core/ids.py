"""Identifiers Aduan derives deterministically: ticket numbers, Message-IDs, keys.

Deterministic ids are what make a resend after a crash recognisable: the same
decision always produces the same Message-ID."""

from __future__ import annotations

import hashlib
import re
import string
from collections.abc import Collection

__all__ = [
    "REGISTER_ID_META",
    "decode_tickets",
    "email_in",
    "encode_tickets",
    "message_id",
    "thread_id",
    "ticket_regex",
    "format_ticket",
    "mask_addresses",
    "parse_ticket",
    "safe_ticket",
]


def message_id(key: str, domain: str, register: str = "") -> str:
    """The Message-ID of the email for idempotency key ``key``.

    ``register`` is the register's own id (kept in its meta, see
    :data:`REGISTER_ID_META`): two registers, or two offices on one mail domain
    with the same ticket format, never share a Message-ID, while a rerun of the
    same cycle gives the same one. Without it: the ids of registers made before
    issue 17, still matched so replies to their mails keep their thread."""
    basis = f"{register}|{key}" if register else key
    return f"<aduan.{hashlib.sha1(basis.encode('utf-8')).hexdigest()[:24]}@{domain}>"


def thread_id(ticket: str, domain: str, register: str = "") -> str:
    """The root Message-ID every email about ``ticket`` refers to (threading)."""
    return message_id(f"{ticket}|thread", domain, register)


#: the register meta key of the register's own id (made by its first cycle)
REGISTER_ID_META = "register_id"


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


_EMAIL_RE = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


def email_in(text: str | None) -> str:
    """The first email address written in ``text`` (a contact cell), as written; ""."""
    m = _EMAIL_RE.search(text or "")
    return m.group(0) if m else ""


def mask_addresses(text: str, keep: Collection[str] = ()) -> str:
    """``text`` with the local part of every email address hidden (``***@desa.id``)
    except those in ``keep`` (lower case: the office's own staff, whose address the
    admin must see to fix): a log line names the domain, never the person (issue 17)."""

    def hide(m: re.Match[str]) -> str:
        a = m.group(0)
        return a if a.lower() in keep else "***@" + a.rpartition("@")[2]

    return _EMAIL_RE.sub(hide, text or "")


# ------------------------------------------------------- sets of tickets
def encode_tickets(tickets: set[str], pattern: re.Pattern[str], fmt: str, office: str = "") -> str:
    """Tickets as compact ranges per month: "2026-11:1-5,7 2026-12:1". A ticket that
    the office's format would not write back identically (typed by hand, or zero-
    padded differently) is kept verbatim; one with white space is left out."""
    by_month: dict[tuple[int, int], list[int]] = {}
    raw: list[str] = []
    for t in tickets:
        p = parse_ticket(pattern, t)
        if p and format_ticket(fmt, year=p[0], month=p[1], seq=p[2], office=office) == t:
            by_month.setdefault((p[0], p[1]), []).append(p[2])
        elif t and not any(ch.isspace() for ch in t):
            raw.append(t)
    parts = []
    for (y, m), seqs in sorted(by_month.items()):
        seqs.sort()
        spans, start, prev = [], seqs[0], seqs[0]
        for n in seqs[1:] + [None]:
            if n is not None and n == prev + 1:
                prev = n
                continue
            spans.append(f"{start}" if start == prev else f"{start}-{prev}")
            if n is not None:
                start = prev = n
        parts.append(f"{y:04d}-{m:02d}:{','.join(spans)}")
    return " ".join(parts + sorted(raw))


def decode_tickets(text: str, fmt: str, office: str = "") -> set[str]:
    """The tickets :func:`encode_tickets` wrote."""
    out: set[str] = set()
    for part in (text or "").split():
        month, sep, spans = part.partition(":")
        if not sep or not re.fullmatch(r"\d{4}-\d{2}", month):
            out.add(part)  # a ticket kept verbatim
            continue
        y, m = int(month[:4]), int(month[5:])
        for span in spans.split(","):
            a, _, b = span.partition("-")
            if not a.isdigit() or (b and not b.isdigit()):
                continue
            for n in range(int(a), int(b or a) + 1):
                out.add(format_ticket(fmt, year=y, month=m, seq=n, office=office))
    return out
