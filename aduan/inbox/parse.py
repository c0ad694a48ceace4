"""Parse one raw email into an :class:`~aduan.core.model.InboundMail`, whatever it looks like.

Real mail is messy: undeclared 8-bit bytes, charsets Python does not know,
encoded words inside quoted filenames, broken MIME boundaries. The rule here is
that :func:`parse_message` never raises: it parses with the lenient ``compat32``
policy (``email.policy.default`` as a second try when that trips), reads raw
header values and decodes every header and body itself with ``errors="replace"`` so one odd byte costs one
replacement character, not the complaint. Pure: no I/O.

The pieces: :mod:`~aduan.inbox.charset` (bytes and headers to text),
:mod:`~aduan.inbox.headers`, :mod:`~aduan.inbox.mime` (the part tree),
:mod:`~aduan.inbox.body` (HTML, quotes) and :mod:`~aduan.inbox.attachments`; what kind
of mail it is (a person's, an auto-reply, a bounce, a delay, ...) is decided by
:func:`aduan.core.mailkind.classify` on the raw bytes.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import logging
import re
from email.message import Message
from typing import TYPE_CHECKING

from aduan.core import mailkind
from aduan.core.handoff import HEADER as HANDOFF_HEADER
from aduan.core.handoff import SIG_HEADER as HANDOFF_SIG_HEADER
from aduan.core.model import InboundMail
from aduan.inbox.attachments import collect_attachments, safe_filename
from aduan.inbox.body import MAX_HTML, html_to_text, trim_quoted
from aduan.inbox.charset import clean_text, decode_bytes
from aduan.inbox.headers import (
    Headers,
    auth_results,
    msgids,
    norm_msgid,
    parse_date,
    parse_from,
    recipients,
)
from aduan.inbox.mime import Walker, body_text, param, payload_bytes
from aduan.inbox.whatsapp import adopt_chat

if TYPE_CHECKING:
    from aduan.config import Limits

__all__ = [
    "MAX_HTML",
    "MAX_MULTIPARTS",
    "html_to_text",
    "parse_message",
    "safe_filename",
    "trim_quoted",
]

logger = logging.getLogger(__name__)

MAX_MULTIPARTS = 200
_BOUNDARY = re.compile(rb"(?i)content-type:\s*multipart/")


def parse_message(
    raw: bytes,
    key: str = "",
    *,
    limits: Limits | None = None,
    own_addresses: set[str] | frozenset[str] = frozenset(),
) -> InboundMail:
    """Parse raw email bytes. Never raises: what cannot be read lands in
    ``problems`` and the message still gets a kind and a Message-ID."""
    raw = bytes(raw or b"")
    own = {a.strip().lower() for a in own_addresses}
    if len(_BOUNDARY.findall(raw)) > MAX_MULTIPARTS:
        # a MIME bomb: the stdlib parser recurses once per level and would
        # spend seconds before hitting the recursion limit, twice
        logger.warning(
            "message %s has over %d multipart parts: not parsed", key or "?", MAX_MULTIPARTS
        )
        return _unparseable(raw, key, f"more than {MAX_MULTIPARTS} multipart containers")
    errors: list[str] = []
    # compat32 first: every header is decoded here anyway, and its lenient
    # parameter parser both copes better with broken MIME and is 2x faster
    # (policy.default re-parses Content-Type on every access); policy.default
    # is the second opinion when compat32 trips.
    for policy in (email.policy.compat32, email.policy.default):
        try:
            msg = email.message_from_bytes(raw, policy=policy)
            return _build(msg, raw, key, limits, own)
        except Exception as e:  # parsers have known crashes on hostile input
            logger.debug("parse with %s failed for %s: %r", policy, key or "?", e)
            errors.append(f"{type(e).__name__}: {e}")
            if isinstance(e, RecursionError):
                break  # the other policy recurses the same way
    logger.warning("message %s unparseable (%s)", key or "?", "; ".join(errors))
    return _unparseable(raw, key, errors[-1])


# mailkind's kinds as the engine names them (``auto_reply`` predates the classifier)
_KIND = {"autoreply": "auto_reply"}
_ITEM = {"bounce": "failed", "delay": "delayed"}


def _classify(mail: InboundMail, raw: bytes, own: set[str]) -> None:
    """Kind and reason from the classifier; for a bounce or delay also the original's
    Message-IDs (to find its ticket) and the recipients it is about."""
    domains = frozenset(a.rpartition("@")[2] for a in own if "@" in a)
    verdict = mailkind.classify(raw, own_addresses=frozenset(own), own_domains=domains)
    mail.kind = _KIND.get(verdict.kind, verdict.kind)
    mail.reason = verdict.reason if verdict.is_system else ""
    item = _ITEM.get(verdict.kind)
    if item is None:
        return
    for ref in verdict.original_message_ids:
        if ref not in mail.references and ref != mail.in_reply_to:
            mail.references.append(ref)
    for rcpt in verdict.failed_recipients:
        if f"{item}: {rcpt}" not in mail.problems:
            mail.problems.append(f"{item}: {rcpt}")


def _synthetic_id(raw: bytes) -> str:
    # line ends normalised: the same mail read from Maildir (LF) or IMAP (CRLF)
    # must get the same id, or the cycle's dedupe would register it twice
    digest = hashlib.sha256(raw.replace(b"\r\n", b"\n")).hexdigest()
    return f"<{digest[:32]}@aduan.invalid>"


def _unparseable(raw: bytes, key: str, error: str) -> InboundMail:
    """What can still be read of a message neither parser could walk (e.g. a
    MIME bomb nested thousands deep): its headers, for the quarantine note."""
    problems = [f"unparseable: {error}"]
    from_addr = from_name = subject = ""
    message_id = _synthetic_id(raw)
    date = None
    try:
        head = email.message_from_bytes(
            raw.split(b"\n\n", 1)[0].split(b"\r\n\r\n", 1)[0], policy=email.policy.compat32
        )
        h = Headers(head, None)
        from_addr, from_name = parse_from(h)
        subject = h.text("subject")
        message_id = norm_msgid(h.raw("message-id")) or message_id
        date = parse_date(h, problems)
    except Exception as e:  # headers too broken as well: the synthetic id is enough
        logger.debug("headers of %s unreadable too: %r", key or "?", e)
    return InboundMail(
        source_key=key,
        message_id=message_id,
        from_addr=from_addr,
        from_name=from_name,
        subject=subject,
        date=date,
        text="",
        kind="unparseable",
        reason=f"cannot be parsed ({error[:120]})",
        problems=problems,
        raw=raw,
    )


def _build(msg: Message, raw: bytes, key: str, limits: Limits | None, own: set[str]) -> InboundMail:
    charset = param(msg, "charset")
    h = Headers(msg, charset)
    problems: list[str] = []
    from_addr, from_name = parse_from(h)
    if not from_addr:
        problems.append("no sender address")
    message_id = norm_msgid(h.raw("message-id")) or _synthetic_id(raw)

    walker = Walker(charset)
    walker.walk(msg)
    text = body_text(walker.bodies, charset)
    if not text and not walker.bodies and not walker.attachments:
        # a multipart whose boundary never appears: the payload is one string
        payload = msg.get_payload()
        if isinstance(payload, str):
            text = clean_text(decode_bytes(payload_bytes(msg), charset))

    mail = InboundMail(
        source_key=key,
        message_id=message_id,
        from_addr=from_addr,
        from_name=from_name,
        subject=h.text("subject"),
        date=parse_date(h, problems),
        text=trim_quoted(text) if text.strip() else "",
        in_reply_to=(msgids(h.raw("in-reply-to")) or [""])[0],
        references=msgids(h.raw("references")),
        problems=problems,
        raw=raw,
        auth_results=auth_results(h),
        recipients=recipients(h),
        handoff=" ".join(h.raw(HANDOFF_HEADER.lower()).split()),
        handoff_sig=h.raw(HANDOFF_SIG_HEADER.lower()).strip(),
    )
    _classify(mail, raw, own)
    collect_attachments(walker, mail, limits)
    adopt_chat(mail)  # a forwarded WhatsApp chat is the citizen's complaint (issue 16)
    return mail
