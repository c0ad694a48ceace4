"""Keeping a confidential complainant's identity out of an email (Perpres 76/2013).

The template context is scrubbed of the complainant's name, contact and any email
address, phone number or NIK written in the complaint; an attachment goes only
when its text can be read and shows none of them. Pure: no I/O.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from aduan.core.privacy import PLACEHOLDER, redact

__all__ = ["hide_identity", "identifiers", "reveals"]

_EMAIL_IN_TEXT = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Indonesian phone numbers: 0 / +62 / 62 prefix, then 8-14 digits (a date like
# 01-02-2026 has too few), single spaces, dots or hyphens between them
_PHONE_IN_TEXT = re.compile(r"(?<![\w/])(?:\+62|62|0)[\s.-]?\d(?:[\s.-]?\d){7,13}(?![\w/])")
_NIK_IN_TEXT = re.compile(r"(?<!\d)\d{16}(?!\d)")
_HONORIFICS = {
    "bapak",
    "ibu",
    "pak",
    "bu",
    "sdr",
    "sdri",
    "saudara",
    "saudari",
    "dr",
    "ir",
    "hj",
    "drs",
    "mas",
    "mbak",
    "kak",
    "bin",
    "binti",
}
# Context keys that never carry the complainant's identity (scrubbing them could only
# damage them, e.g. a name token "Adu" inside a ticket number).
_STRUCTURAL = {
    "ticket",
    "received",
    "channel",
    "category",
    "confidential",
    "sop_name",
    "sop_number",
    "step",
    "steps_ahead",
    "outcome",
    "rung",
    "late_minutes",
    "now",
    "source_message_id",
    "doc",
    "nomor",
    "date",
    "failed_kind",
}
#: Files whose text can be read, so that they can be cleared of the identity.
_CHECKABLE = {".docx", ".txt", ".csv"}


def identifiers(ctx: dict[str, Any]) -> list[str]:
    """The values that identify the complainant: name, its words, contact, and any
    email address, phone number or NIK written in the complaint."""
    found: list[str] = []
    name = str(ctx.get("name") or "").strip()
    if name:
        found.append(name)
        found += [w for w in re.findall(r"[^\W\d_]{3,}", name) if w.casefold() not in _HONORIFICS]
    contact = str(ctx.get("contact") or "").strip()
    if contact:
        found.append(contact)
    reply = ctx.get("reply") or {}
    blob = " ".join(
        str(x)
        for x in (
            contact,
            ctx.get("subject"),
            ctx.get("text"),
            reply.get("from"),
            reply.get("text"),
        )
        if x
    )
    for rx in (_EMAIL_IN_TEXT, _PHONE_IN_TEXT, _NIK_IN_TEXT):
        found += rx.findall(blob)
    # longest first, so "Budi Santoso" goes before "Budi"
    return sorted({f for f in found if f.strip()}, key=len, reverse=True)


def _words_rx(idents: Sequence[str]) -> re.Pattern[str] | None:
    """Whole words only: the name "Siti" must not match inside "Disposition"."""
    if not idents:
        return None
    words = "|".join(re.escape(i) for i in idents)
    return re.compile(r"(?<!\w)(?:" + words + r")(?!\w)", re.IGNORECASE)


def _scrubber(idents: Sequence[str]) -> Callable[[Any], Any]:
    rx = _words_rx(idents)

    def scrub(value: Any) -> Any:
        if isinstance(value, str):
            if rx is not None:
                value = rx.sub(PLACEHOLDER, value)
            for pat in (_EMAIL_IN_TEXT, _PHONE_IN_TEXT, _NIK_IN_TEXT):
                value = pat.sub(PLACEHOLDER, value)
            return value
        if isinstance(value, dict):
            return {k: scrub(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return type(value)(scrub(v) for v in value)
        return value

    return scrub


def hide_identity(ctx: dict[str, Any], idents: Sequence[str]) -> dict[str, Any]:
    """The context with every identifying value replaced by the placeholder."""
    scrub = _scrubber(idents)
    out = {k: (v if k in _STRUCTURAL else scrub(v)) for k, v in ctx.items()}
    out["name"] = redact(ctx.get("name"))
    out["contact"] = redact(ctx.get("contact"))
    out["attachments"] = redact(ctx.get("attachments"))
    out["source_message_id"] = ""
    return out


def _file_text(data: bytes) -> str:
    """The text an attachment carries (a .docx's XML without tags), for the identity check."""
    if data[:2] == b"PK":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                xml = " ".join(
                    z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml")
                )
            # Word splits text into runs: joining them keeps a name in one piece, while
            # paragraph, cell and line ends must stay word breaks ("Nama" / "Siti")
            xml = re.sub(r"</w:p>|</w:tc>|<w:br\s*/>|<w:tab\s*/>|<w:cr\s*/>", "\n", xml)
            return re.sub(r"<[^>]+>", "", xml)
        except zipfile.BadZipFile:
            pass
    return data.decode("utf-8", "replace")


def reveals(path: Path, data: bytes, idents: Sequence[str]) -> bool:
    """Whether a file may identify the complainant. Only files whose text can be read
    (.docx, .txt) can be cleared; a photo or a PDF might show an identity card."""
    if path.suffix.lower() not in _CHECKABLE:
        return True
    text = _file_text(data)
    rx = _words_rx(idents)
    return bool((rx and rx.search(text)) or _NIK_IN_TEXT.search(text))
