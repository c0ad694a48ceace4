"""Seal a hand-off email (issue 19): the payload attached as ``penyaluran-aduan.json``
and the two signed headers of :mod:`aduan.core.handoff`, once the email is built (the
signature covers its Message-ID, the payload the SHA-256 of each file attached)."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from email.message import EmailMessage
from typing import Any

from aduan.core.handoff import (
    HEADER,
    PAYLOAD_NAME,
    SIG_HEADER,
    HandoffKeys,
    header_value,
    payload_bytes,
    sign,
)
from aduan.errors import MailError

__all__ = ["seal"]

logger = logging.getLogger(__name__)


def seal(
    msg: EmailMessage,
    handoff: dict[str, Any],
    keys: HandoffKeys | None,
    office_id: str,
    files: Sequence[tuple[bytes, str]],
    key: str,
) -> None:
    """Attach the payload and sign ``msg`` for the office ``handoff["to"]``. With no key
    shared with that office the email goes as it is: a plain forwarding, which the
    agency still reads (and registers as ordinary mail)."""
    to = str(handoff.get("to") or "")
    secret = keys.key_for(to) if keys else b""
    if not secret or not office_id:
        logger.info("%s: no hand-off key for office %r; sent unsigned", key, to)
        return
    payload = dict(handoff.get("payload") or {})
    if handoff.get("kind") == "aduan":
        payload["lampiran"] = [
            {"nama": name, "sha256": hashlib.sha256(data).hexdigest()} for data, name in files
        ]
    data = payload_bytes(payload)
    try:
        header = header_value(
            str(handoff.get("kind")), office_id, to, str(handoff.get("ticket") or ""), data
        )
        signature = sign(secret, header, str(msg["Message-ID"]))
    except ValueError as e:  # an office id the header cannot carry: a settings mistake
        raise MailError(f"{key}: cannot sign the hand-off: {e}", permanent=True) from None
    msg[HEADER] = header
    msg[SIG_HEADER] = signature
    msg.add_attachment(data, maintype="application", subtype="json", filename=PAYLOAD_NAME)
