"""The local record of what went to Drive (SQLite in the state folder): size,
mtime and MD5 per file, so a steady cycle asks Drive nothing at all."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

__all__ = ["LocalFile", "Manifest", "walk"]


@dataclass
class LocalFile:
    """A file under the documents (``d:``) or attachments (``a:``) folder."""

    key: str  # d:<rel> or a:<rel>
    rel: str
    path: str
    folder: str  # the Drive subfolder: the ticket's folder name
    name: str  # the Drive file name
    size: int
    mtime_ns: int

    def md5(self) -> str:
        h = hashlib.md5(usedforsecurity=False)
        with open(self.path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        return h.hexdigest()


class Manifest:
    """What was uploaded where: SQLite, one committed row per upload, so a run
    killed between two uploads loses at most the one in flight."""

    def __init__(self, path: Path, root: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path)
        # WAL: a commit per upload without an fsync of the whole file each time
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(
            "CREATE TABLE IF NOT EXISTS files (key TEXT PRIMARY KEY, size INT, mtime_ns INT,"
            " md5 TEXT, file_id TEXT, folder_id TEXT, url TEXT, state TEXT);"
            "CREATE TABLE IF NOT EXISTS folders (name TEXT PRIMARY KEY, folder_id TEXT,"
            " url TEXT, complete INT);"
            "CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT);"
        )
        row = self.db.execute("SELECT v FROM meta WHERE k='root'").fetchone()
        if row is None or row[0] != root:  # a new destination: everything goes there anew
            with self.db:
                self.db.execute("DELETE FROM files")
                self.db.execute("DELETE FROM folders")
                self.db.execute("INSERT OR REPLACE INTO meta VALUES ('root', ?)", (root,))

    def files(self) -> dict[str, tuple]:
        cur = self.db.execute(
            "SELECT key, size, mtime_ns, md5, file_id, folder_id, state FROM files"
        )
        return {r[0]: r[1:] for r in cur}

    def links(self) -> dict[str, str]:
        cur = self.db.execute("SELECT key, url FROM files WHERE state='done' AND url != ''")
        return dict(cur.fetchall())

    def folders(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT name, url FROM folders WHERE url != ''").fetchall())

    def folder(self, name: str) -> tuple[str, bool] | None:
        r = self.db.execute(
            "SELECT folder_id, complete FROM folders WHERE name=?", (name,)
        ).fetchone()
        return (r[0], bool(r[1])) if r else None

    def put_folder(self, name: str, folder_id: str, url: str, complete: bool) -> None:
        with self.db:
            self.db.execute(
                "INSERT OR REPLACE INTO folders VALUES (?,?,?,?)",
                (name, folder_id, url, int(complete)),
            )

    def forget_folder(self, name: str) -> None:
        with self.db:
            self.db.execute("DELETE FROM folders WHERE name=?", (name,))

    def pending(self, f: LocalFile, folder_id: str) -> None:
        with self.db:
            self.db.execute(
                "INSERT OR REPLACE INTO files VALUES (?,?,?,?,?,?,?,?)",
                (f.key, 0, 0, "", "", folder_id, "", "pending"),
            )

    def done(self, f: LocalFile, md5: str, file_id: str, folder_id: str, url: str) -> None:
        with self.db:
            self.db.execute(
                "INSERT OR REPLACE INTO files VALUES (?,?,?,?,?,?,?,?)",
                (f.key, f.size, f.mtime_ns, md5, file_id, folder_id, url, "done"),
            )

    def touch(self, f: LocalFile) -> None:
        with self.db:
            self.db.execute(
                "UPDATE files SET size=?, mtime_ns=? WHERE key=?", (f.size, f.mtime_ns, f.key)
            )

    # -- issue 18: values kept between runs (a resumable upload's session, the driveId)
    def get(self, key: str) -> str:
        r = self.db.execute("SELECT v FROM meta WHERE k=?", (key,)).fetchone()
        return str(r[0]) if r else ""

    def put(self, key: str, value: str) -> None:
        with self.db:
            if value:
                self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))
            else:
                self.db.execute("DELETE FROM meta WHERE k=?", (key,))

    def close(self) -> None:
        self.db.close()


SKIP_NAMES = ("email-asli.eml",)  # the raw email: an archive copy, not evidence


def walk(prefix: str, root: str, rel: str, out: list[LocalFile]) -> None:
    """Add the files under ``root/rel`` to ``out`` (temporary and lock files,
    symlinks and the raw email skipped); ``prefix`` d(ocuments) or a(ttachments)."""
    try:
        with os.scandir(os.path.join(root, rel) if rel else root) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError:
        return
    for e in entries:
        n = e.name
        if n.startswith((".", "~$")) or n in SKIP_NAMES:
            continue
        r = f"{rel}/{n}" if rel else n
        try:
            if e.is_dir(follow_symlinks=False):
                walk(prefix, root, r, out)
                continue
            if not e.is_file(follow_symlinks=False):
                continue
            st = e.stat(follow_symlinks=False)
        except OSError:
            continue
        folder = rel.rpartition("/")[2] or "Aduan"
        name = n if prefix == "d" else f"Lampiran - {n}"
        out.append(LocalFile(f"{prefix}:{r}", r, e.path, folder, name, st.st_size, st.st_mtime_ns))
