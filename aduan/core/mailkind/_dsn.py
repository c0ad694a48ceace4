"""Read a delivery report: per-recipient actions, who failed, the original's Message-IDs.

RFC 3464 puts one block of fields per recipient in the ``message/delivery-status``
part; many MTAs write the same fields (or only prose) into the text. Both are read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass

from aduan.core.mailkind._message import Facts
from aduan.core.mailkind._phrases import ORIGINAL_STARTS

__all__ = ["Report", "message_ids", "read_report", "recipients_in_text", "ses_notice"]

_BLOCKS = re.compile(r"\n[ \t]*\n")
_ACTION = re.compile(r"(?im)^[ \t>]*action:[ \t]*([a-z-]+)")
_STATUS = re.compile(r"(?im)^[ \t>]*status:[ \t]*([245])\.\d{1,3}\.\d{1,3}")
_RCPT = re.compile(
    r"(?im)^[ \t>]*(final|original)-recipient:[ \t]*(?:[a-z0-9-]+[ \t]*;)?[ \t]*<?([^\s<>;\"]+@[^\s<>;\"]+?)>?[ \t]*$"
)
_ADDR = r"[A-Za-z0-9._%+'=/!#$&*?^`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*"
_TEXT_RCPT = [
    # a notice line that starts with the address: Postfix/qmail "<a@b>: host said",
    # Exim/Gmail/sendmail the address alone, OpenSMTPD "a@b: 550", "* a@b", "a@b [User unknown]"
    re.compile(rf"(?m)^[ \t*>\"'-]*<?({_ADDR})>?[\"']?(?:[ \t]*$|[ \t]*[:\[(.]|[ \t]+\S)"),
    re.compile(
        rf"(?i)(?:could not be delivered to|delivering your (?:mail|message) to|delivery to"
        rf"|undeliverable to|failed to deliver to|recipient(?: address)?|unknown user|rcpt to"
        rf"|original recipient|addressed to|attempts|is full|address(?:es)? failed|failed"
        rf"|following address(?:es)?)[ \t:]*(?:-- )?<?({_ADDR})>?"
    ),
]
_MSGID = re.compile(r"<[^<>\s@]+@[^<>\s]+>")
_QUOTED_MSGID = re.compile(r"(?im)^[ \t>]*message-id:[ \t]*\n?[ \t]*(<[^<>\s]+>)")
_SES = re.compile(r'\\?"(?:notificationType|eventType)\\?"\s*:\s*\\?"(Bounce|Complaint|Delivery)')
_SES_ADDR = re.compile(r'\\?"emailAddress\\?"\s*:\s*\\?"([^"\\]+@[^"\\]+)')


@dataclass(frozen=True)
class Report:
    """The actions of a delivery report and the recipient each one is about."""

    actions: tuple[tuple[str, str], ...]  # (action, recipient or "")

    def verdict(self) -> str | None:
        """ "bounce", "delay" or "delivered" from the actions, or None when there are none."""
        kinds = {a for a, _ in self.actions}
        if not kinds:
            return None
        if kinds & {"failed", "failure", "expired", "bounced", "undeliverable"}:
            return "bounce"
        if "delayed" in kinds:
            return "delay"
        if kinds <= {"delivered", "relayed", "expanded", "deliverable", "sent"}:
            return "delivered"
        return None

    def recipients(self, action_kind: str) -> list[str]:
        """Recipients whose action matches ``action_kind`` ("bounce", "delay", ...)."""
        want = {
            "bounce": {"failed", "failure", "expired", "bounced", "undeliverable", "?"},
            "delay": {"delayed"},
            "delivered": {"delivered", "relayed", "expanded", "deliverable", "sent"},
        }.get(action_kind, set())
        return [r for a, r in self.actions if r and a in want]


def read_report(texts: Iterable[str]) -> Report:
    """Actions per recipient block; a status code stands in for a missing action
    (5.x.x failed, 4.x.x "?" for the caller to settle, 2.x.x delivered)."""
    actions: list[tuple[str, str]] = []
    for text in texts:
        for block in _BLOCKS.split(text.replace("\r\n", "\n")):
            rcpt = _RCPT.findall(block)
            final = [a for kind, a in rcpt if kind.lower() == "final"]
            addr = (final or [a for _, a in rcpt] or [""])[0].strip("<>.").lower()
            m = _ACTION.search(block)
            if m:
                actions.append((m.group(1).lower(), addr))
                continue
            s = _STATUS.search(block)
            if s and (addr or not actions):
                actions.append(({"5": "failed", "4": "?", "2": "delivered"}[s.group(1)], addr))
    return Report(tuple(actions))


def notice_part(text: str) -> str:
    """The notice's own words: the text before a returned original starts."""
    m = ORIGINAL_STARTS.search(text)
    return text[: m.start()] if m else text


def recipients_in_text(text: str, exclude: set[str], facts: Facts | None = None) -> list[str]:
    """Addresses a prose bounce says failed (Postfix, Exim, qmail, sendmail, Gmail...)."""
    notice = notice_part(text)
    found: list[str] = []
    for pattern in _TEXT_RCPT:
        for m in pattern.finditer(notice):
            _add(found, m.group(1), exclude)
        if found:
            return found
    if facts is not None:
        # last resort: the returned original (attached, or inline after the notice)
        # was addressed to one person only
        heads = facts.attached_heads[:1] or [text[len(notice) :]]
        to = re.search(r"(?im)^[ \t>]*to:[ \t]*(.*(?:\n[ \t]+.*)*)", heads[0])
        addrs = re.findall(_ADDR, to.group(1)) if to else []
        if len(set(addrs)) == 1:
            _add(found, addrs[0], exclude)
    return found


def _add(found: list[str], addr: str, exclude: set[str]) -> None:
    a = addr.strip("<>.,;:'\"").lower()
    local = a.split("@", 1)[0]
    # a failed postmaster@ is possible; MAILER-DAEMON is only ever the notice's author
    if "@" not in a or a in exclude or a in found or local.startswith("mailer-daemon"):
        return
    found.append(a)


def message_ids(facts: Facts, own_id: str, full: bool) -> tuple[str, ...]:
    """Every Message-ID the original can stand under: the attached original or its
    headers, a quoted ``Message-ID:`` line, In-Reply-To and References. ``full``
    False keeps only the headers (for mail a person wrote)."""
    ids: list[str] = []
    if full:
        ids.extend(facts.original_ids)
        for text in (facts.notice, *facts.dsn):  # a broken boundary hides headers in the report
            ids.extend(_QUOTED_MSGID.findall(text))
    for name in ("in-reply-to", "references"):
        ids.extend(_MSGID.findall(facts.header(name)))
    out: list[str] = []
    for i in ids:
        if i != own_id and i not in out:
            out.append(i)
    return tuple(out)


def ses_notice(text: str) -> tuple[str, list[str]] | None:
    """An Amazon SES notification (JSON, often inside an SNS envelope): its kind
    and addresses, or None."""
    m = _SES.search(text)
    if not m:
        return None
    kind = {"Bounce": "bounce", "Complaint": "feedback", "Delivery": "delivered"}[m.group(1)]
    addrs: list[str] = []
    try:  # the addresses, from the JSON when it parses, else by pattern
        doc = json.loads(text[text.index("{") : text.rindex("}") + 1])
        if isinstance(doc, dict) and isinstance(doc.get("Message"), str):
            doc = json.loads(doc["Message"])
        # SES reports even a "Transient" bounce only once it has stopped retrying
        key = {"bounce": "bounce", "feedback": "complaint"}.get(kind)
        section = doc.get(key, {}) if key and isinstance(doc, dict) else {}
        field = "bouncedRecipients" if key == "bounce" else "complainedRecipients"
        for r in section.get(field, []) if isinstance(section, dict) else []:
            if isinstance(r, dict) and isinstance(r.get("emailAddress"), str):
                addrs.append(r["emailAddress"].lower())
    except (ValueError, TypeError, AttributeError):
        pass
    if not addrs and kind != "delivered":
        addrs = [a.lower() for a in _SES_ADDR.findall(text)]
    return kind, addrs
