"""Keeping a confidential complainant's identity out of an email (Perpres 76/2013).

What replaces the identity is :mod:`aduan.core.privacy`'s rule (one home); here it is
applied to a mail: the template context is protected, and an attachment goes only
when its text can be read and shows none of the identity (the team documents are
rendered redacted, so they go; a photo or a PDF might show an identity card).
Pure: no I/O.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

from aduan.core.privacy import Identity, protect_context, reveals_text

__all__ = ["file_text", "hide_identity", "identifiers", "reveals"]

#: Files whose text can be read, so that they can be cleared of the identity.
_CHECKABLE = {".docx", ".txt", ".csv"}


def identifiers(ctx: dict[str, Any]) -> Identity:
    """The identity a context carries: the complainant's name and contact."""
    return Identity(str(ctx.get("name") or ""), str(ctx.get("contact") or ""))


def hide_identity(ctx: dict[str, Any], ident: Identity | None = None) -> dict[str, Any]:
    """The context as a role that may not see the identity reads it."""
    return protect_context(ctx)


def file_text(data: bytes) -> str:
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


def reveals(path: Path, data: bytes, ident: Identity) -> bool:
    """Whether a file may identify the complainant. Only files whose text can be read
    (.docx, .txt) can be cleared; a photo or a PDF might show an identity card."""
    if path.suffix.lower() not in _CHECKABLE:
        return True
    return bool(reveals_text(file_text(data), ident) or reveals_text(path.stem, ident))
