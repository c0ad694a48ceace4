"""Change detection for steady cycles: the last snapshot read, kept in the state folder.

In a fleet most cycles are steady (nothing new), and reading a 100,000-row register
costs seconds while loading its snapshot costs a fraction. The snapshot stays valid
while the register file's stamp (mtime in ns, size, inode) is the one it was read
from: a save by staff in Excel or LibreOffice, a copy or a restore changes the stamp,
and the next read is a full one again. Deadlines still fire on time: the engine
decides from the snapshot at the cycle's own ``now``.

The file holds what the register holds (complainants' data): mode 0600, beside the
office's other state; it is only ever read back by the office that wrote it.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
from pathlib import Path

from aduan.core.model import Snapshot
from aduan.support.atomic import atomic_path

__all__ = ["SnapshotCache", "Stamp", "stamp_of"]

logger = logging.getLogger(__name__)

Stamp = tuple[int, int, int]  # (st_mtime_ns, st_size, st_ino)
_VERSION = 1


def stamp_of(path: Path) -> Stamp | None:
    """The file's stamp, None when it cannot be seen (the full read says why)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size, st.st_ino


class SnapshotCache:
    """One register's last snapshot and the stamp of the bytes it was read from."""

    def __init__(self, path: Path, headers: list[str]) -> None:
        self.path = Path(path)
        # a changed layout (a column added to the SOP) must not reuse an old snapshot
        self.key = hashlib.sha1("\x1f".join(headers).encode("utf-8")).hexdigest()

    def get(self, stamp: Stamp) -> Snapshot | None:
        """The snapshot read from exactly these bytes, or None."""
        try:
            with open(self.path, "rb") as f:
                version, key, seen, snap = pickle.load(f)
        except FileNotFoundError:
            return None
        except Exception as e:  # a torn or foreign file: read the register instead
            logger.warning("%s: snapshot not usable (%s); reading the register", self.path, e)
            return None
        if version != _VERSION or key != self.key or tuple(seen) != stamp:
            return None
        return snap if isinstance(snap, Snapshot) else None

    def put(self, stamp: Stamp, snap: Snapshot) -> None:
        """Keep ``snap`` as read from ``stamp``'s bytes; a failure only costs the next read."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # no fsync: a snapshot lost in a power cut only costs one full read
            with atomic_path(self.path, mode=0o600, fsync=False) as tmp, open(tmp, "wb") as f:
                pickle.dump((_VERSION, self.key, stamp, snap), f, protocol=5)
        except OSError as e:
            logger.warning("%s: snapshot not kept (%s)", self.path, e.strerror or e)
