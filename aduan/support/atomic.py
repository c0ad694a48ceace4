"""The one atomic write: a temp file beside the target, then ``os.replace``.

A reader (or a run killed half-way) sees the old file or the new one, never a
torn one. ``fsync`` makes the new content survive a power cut too; the spool
turns it off on purpose (its entries are re-derivable and it writes hundreds)."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

__all__ = ["atomic_path", "write_atomic"]


@contextlib.contextmanager
def atomic_path(
    target: str | os.PathLike[str],
    *,
    suffix: str = ".tmp",
    mode: int | None = None,
    fsync: bool = True,
) -> Iterator[Path]:
    """Yield a temp path beside ``target``; on success it replaces ``target``.

    For writers that want a path (openpyxl, python-docx, LibreOffice). On an
    exception the temp file is removed and ``target`` is left as it was."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=suffix)
    os.close(fd)
    try:
        if mode is not None:
            os.chmod(tmp, mode)
        yield Path(tmp)
        if fsync:
            with open(tmp, "rb") as f:
                os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_atomic(
    target: str | os.PathLike[str],
    data: bytes | str,
    *,
    mode: int | None = None,
    fsync: bool = True,
    suffix: str = ".tmp",
) -> Path:
    """Write ``data`` (str as UTF-8) to ``target`` atomically; return the path.

    ``mode`` is set on the temp file before any byte is written, so a secret is
    never readable by others even for a moment."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    with atomic_path(target, suffix=suffix, mode=mode, fsync=fsync) as tmp:
        tmp.write_bytes(raw)
    return Path(target)
