"""Google's resumable upload protocol (issue 18): a large file goes in chunks to an
upload session; after a break (5xx, a lost connection, a killed run) the session is
asked how much it holds (``Content-Range: bytes */N`` → ``308`` with ``Range:
bytes=0-K``) and the upload continues from byte K+1, instead of starting again.

A session lives about a week; its address is kept in the manifest, so the next run
resumes the same session. A session Google forgot (404/410) starts anew."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from aduan.errors import DriveError

__all__ = ["CHUNK", "send"]

logger = logging.getLogger(__name__)

#: Google wants chunks in multiples of 256 KiB; 8 MiB keeps the requests few
CHUNK = 32 * 256 * 1024
MAX_BREAKS = 5  # resumes within one run before leaving the rest to the next run
_RANGE = re.compile(r"bytes=0-(\d+)")

Put = Callable[..., Any]  # one PUT without retries: (url, data, headers) -> Response


def _held(r: Any) -> int:
    """Bytes the session holds, from a 308's Range header (none: 0)."""
    m = _RANGE.search(r.headers.get("Range", ""))
    return int(m.group(1)) + 1 if m else 0


def offset(put: Put, url: str, n: int) -> int | None:
    """Ask the session how much it holds; None when it is finished or gone."""
    r = put(url, b"", {"Content-Range": f"bytes */{n}"})
    if r.status_code == 308:
        return _held(r)
    return None


def send(put: Put, url: str, data: bytes, mime: str, *, start: int = 0) -> dict:
    """Send ``data`` from byte ``start`` to session ``url``; the file's metadata.

    ``put`` raises DriveError for an error answer (status 0: no answer). A transient
    break is followed by an offset query and the upload goes on from there."""
    n = len(data)
    breaks = 0
    while True:
        end = min(start + CHUNK, n)
        headers = {"Content-Type": mime}
        headers["Content-Range"] = f"bytes {start}-{end - 1}/{n}" if n else f"bytes */{n}"
        try:
            r = put(url, data[start:end], headers)
        except DriveError as e:
            if e.permanent or breaks >= MAX_BREAKS:
                raise
            breaks += 1
            held = offset(put, url, n)
            if held is None:
                raise
            logger.info("resumable upload broke at %d of %d bytes; resuming", held, n)
            start = held
            continue
        if r.status_code in (200, 201):
            return dict(r.json())
        if r.status_code != 308:
            raise DriveError(f"jawaban unggahan tidak dikenal (HTTP {r.status_code})", status=0)
        start = _held(r)
