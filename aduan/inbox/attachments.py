"""Attachments kept from a message: safe file names and the size limits.

Pure: no I/O (the cycle saves the files).
"""

from __future__ import annotations

import mimetypes
import re
import unicodedata
from typing import TYPE_CHECKING

from aduan.core.model import Attachment, InboundMail
from aduan.inbox.charset import unescape
from aduan.inbox.mime import Walker, disposition, filename, payload_bytes, serialise

if TYPE_CHECKING:
    from aduan.config import Limits

__all__ = ["MAX_ATTACHMENTS", "MAX_FILENAME", "collect_attachments", "safe_filename"]

MB = 1024 * 1024
MAX_FILENAME = 120
MAX_ATTACHMENTS = 100
_MAX_FILENAME_BYTES = 240  # most filesystems stop at 255 bytes; CJK is 3 bytes a char

_RESERVED = {"CON", "PRN", "AUX", "NUL", "CLOCK$", "CONIN$", "CONOUT$"} | {
    f"{p}{n}" for p in ("COM", "LPT") for n in "0123456789¹²³"
}
_BAD_FILE_CHARS = re.compile(r'[<>:"|?*\x00-\x1f\x7f]')


def safe_filename(name: str | None, fallback: str = "lampiran") -> str:
    """A filename safe on Linux and Windows: no folders, no traversal, no control
    or bidi characters, no reserved device names, no leading dots, at most 120
    characters (the extension is kept)."""
    name = unicodedata.normalize("NFC", unescape(name or ""))
    name = name.replace("\\", "/").split("/")[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf", "Cs"))
    name = name.replace("\ufffd", "_")
    name = _BAD_FILE_CHARS.sub("_", name)
    name = re.sub(r"\s+", " ", name).strip(" .")
    if not name or set(name) <= {".", "_", " "}:
        return safe_filename(fallback, "lampiran") if fallback != name else "lampiran"
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or len(ext) > 16 or " " in ext:
        stem, ext = name, ""
    if stem.split(".")[0].upper().rstrip(" ") in _RESERVED:
        stem = "_" + stem
    suffix = f".{ext}" if ext else ""
    stem = stem[: MAX_FILENAME - len(suffix)]
    while len((stem + suffix).encode("utf-8")) > _MAX_FILENAME_BYTES:
        stem = stem[:-1]
    return (stem.rstrip(" .") or "_") + suffix


def _unique(name: str, used: dict[str, int]) -> str:
    """``name``, or ``name-2.ext``, ``name-3.ext``... (case-insensitive, as on Windows).

    ``used`` maps each name taken (casefolded) to the next suffix to try, so a
    message with thousands of same-named parts stays linear.
    """
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        stem, dot, ext = name, "", ""
    candidate, n = name, used.get(name.casefold(), 1)
    while candidate.casefold() in used:
        n += 1
        tail = f"-{n}{dot}{ext}"
        candidate = stem[: MAX_FILENAME - len(tail)] + tail
    used[name.casefold()] = n
    used.setdefault(candidate.casefold(), 1)
    return candidate


def _fallback_name(ctype: str, n: int) -> str:
    if ctype == "message/rfc822":
        return f"pesan-{n}.eml"
    ext = mimetypes.guess_extension(ctype, strict=False) or ".bin"
    return f"lampiran-{n}{ext}"


def collect_attachments(walker: Walker, mail: InboundMail, limits: Limits | None) -> None:
    """Add the walked attachment parts to ``mail``; parts over a limit go to
    ``skipped_parts`` by name and size (the .eml still holds them)."""
    part_limit = (limits.attachment_mb if limits else 10) * MB
    total_limit = (limits.message_mb if limits else 25) * MB
    used: dict[str, int] = {}
    total = 0
    parts = walker.attachments
    if len(parts) > MAX_ATTACHMENTS:
        # a message of thousands of parts is an attack or a mistake, not evidence
        mail.skipped_parts.append(f"{len(parts) - MAX_ATTACHMENTS} bagian lain (terlalu banyak)")
        parts = parts[:MAX_ATTACHMENTS]
    for n, (part, ctype) in enumerate(parts, start=1):
        data = serialise(part) if ctype.startswith("message/") else payload_bytes(part)
        name = _unique(safe_filename(filename(part), _fallback_name(ctype, n)), used)
        size = len(data)
        if size > part_limit or total + size > total_limit:
            mail.skipped_parts.append(f"{name} ({size / MB:.1f} MB)")
            continue
        total += size
        try:
            has_cid = bool(part.get("content-id"))
        except Exception:
            has_cid = False
        disp = disposition(part)
        inline = disp == "inline" or (not disp and has_cid)
        mail.attachments.append(Attachment(name, ctype, data, inline))
