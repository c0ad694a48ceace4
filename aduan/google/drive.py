"""Documents and complaint attachments on Google Drive, linked from the register.

Each run (``sync_cycle``, one call from :mod:`aduan.run.cycle`):

1. scan the documents and attachments folders; a local manifest (SQLite in the
   state folder) holds size, mtime and MD5 of what was uploaded, so a steady
   cycle makes no Drive request at all (not even a token refresh);
2. upload what is new or changed into ``google.drive_folder_id``, one subfolder
   per ticket: new files with one multipart request (resumable above 5 MiB),
   changed files as a new version of the same Drive file (never a second file).
   Files and folders carry app properties (``aduan_doc``, ``aduan_folder``), so
   a lost manifest or a run killed mid-upload finds them again instead of
   duplicating them (Drive's ``md5Checksum`` tells whether the content is there);
3. rewrite the register's *Dokumen* cells as one line per document,
   ``Lembar Disposisi: https://drive.google.com/file/d/…/view``, plus the
   ticket's folder (the evidence). Only Drive ids Aduan received become links,
   written as plain text (RAW): nothing a complainant wrote is ever part of a
   link or a formula (:mod:`aduan.google.links`).

The manifest is :mod:`aduan.google.manifest`.

Failures are data: the service-account quota error, a folder not shared, or a
Drive outage each give one clear problem line, the run goes on, the local file
stays and is uploaded by a later run.
"""

from __future__ import annotations

import hashlib
import json
import logging
import mimetypes
import re
import secrets
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aduan.config import GoogleCfg
from aduan.errors import AduanError, ConfigError, DriveError
from aduan.google import auth as gauth
from aduan.google import resumable
from aduan.google.links import link_documents
from aduan.google.manifest import LocalFile, Manifest, walk
from aduan.support import retry

if TYPE_CHECKING:
    import requests
    from google.auth.credentials import Credentials

    from aduan.core.model import Snapshot, WriteSet

__all__ = ["CycleSync", "Drive", "SyncResult", "sync_cycle"]

logger = logging.getLogger(__name__)

API = "https://www.googleapis.com"
FOLDER_MIME = "application/vnd.google-apps.folder"
MULTIPART_MAX = 5 * 1024 * 1024  # Google: multipart for 5 MB or less, resumable above
RATE_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
FILE_FIELDS = "id,webViewLink,md5Checksum"
_ID = re.compile(r"^[A-Za-z0-9_-]{5,200}$")
_MAX_PROP = 124  # bytes of key + value Drive allows per app property


@dataclass
class SyncResult:
    """What one sync did; ``requests`` counts HTTP requests to Google."""

    created: int = 0
    updated: int = 0
    found: int = 0  # already on Drive with the same content (a run killed mid-upload)
    failed: int = 0
    requests: int = 0
    problems: list[str] = field(default_factory=list)


@dataclass
class CycleSync:
    """What the cycle's Drive step did, for the cycle's report."""

    problems: list[str] = field(default_factory=list)
    uploaded: int = 0  # files created or given a new version
    requests: int = 0  # HTTP requests to Google
    links: int = 0  # register rows given new links
    dropped: int = 0  # engine updates dropped: the cell already held those links


def _prop(key: str) -> str:
    """An app property value within Drive's 124-byte limit (long paths hashed)."""
    if len(("aduan_doc" + key).encode()) <= _MAX_PROP:
        return key
    return "h:" + hashlib.sha1(key.encode()).hexdigest()


def _q(text: str) -> str:
    """A string literal for a Drive query."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def file_url(file_id: str) -> str:
    return f"https://drive.google.com/file/d/{file_id}/view"


def folder_url(folder_id: str) -> str:
    return f"https://drive.google.com/drive/folders/{folder_id}"


# --------------------------------------------------------------------- drive
class Drive:
    """Uploads to one Drive folder: the ``google`` section, the account acting, and
    the resolved folders (state for the manifest, documents, attachments).
    ``api_base`` and ``credentials`` are the test seams (the local fake Drive
    server); a real office passes neither."""

    def __init__(
        self,
        conf: GoogleCfg,
        account: gauth.Account,
        *,
        state_dir: Path,
        documents: Path,
        attachments: Path,
        api_base: str = API,
        credentials: Credentials | None = None,
        backoff_s: float = 1.0,
    ) -> None:
        self.conf, self.account = conf, account
        self.root = conf.drive_folder_id
        self.documents, self.attachments = documents, attachments
        self.api = api_base.rstrip("/")
        self.policy = retry.Policy(attempts=conf.retries, base_s=backoff_s, max_s=30)
        self._creds = credentials
        self._http: Any = None
        self.requests = 0
        self.manifest = Manifest(state_dir / "drive.sqlite", self.root)

    # ------------------------------------------------------------ the edge
    def _session(self) -> Any:
        if self._http is None:
            from google.auth.transport.requests import AuthorizedSession

            creds = self._creds or gauth.credentials(self.account)
            self._http = AuthorizedSession(creds)
        return self._http

    def _call(self, method: str, url: str, what: str, **kw: Any) -> requests.Response:
        """One request under the retry policy (429/5xx, no answer); errors become
        DriveError, a refused credential a ConfigError."""
        # imported here: requests costs 0.3 s at start-up, and most runs never call Drive
        import requests
        from google.auth.exceptions import RefreshError, TransportError

        params = {"supportsAllDrives": "true", **kw.pop("params", {})}

        def attempt() -> requests.Response:
            self.requests += 1
            try:
                r = self._session().request(
                    method, url, params=params, timeout=self.conf.timeout_s, **kw
                )
            except RefreshError as e:
                raise gauth.auth_error(self.account, e) from None
            except (requests.ConnectionError, requests.Timeout, TransportError) as e:
                # no answer (status 0): transient, retried like a 5xx
                raise DriveError(
                    f"Google Drive tidak dapat dihubungi ({type(e).__name__})", stop=True
                ) from None
            if r.status_code < 400:
                return r
            raise self._error(r, what)

        try:
            return retry.call(f"Drive {what}", attempt, self.policy)
        except DriveError as err:
            if err.permanent:
                raise
            raise DriveError(
                f"Google Drive sedang terganggu saat {what} ({err}) setelah "
                f"{self.policy.attempts} percobaan; diunggah lagi pada run berikutnya "
                "(berkas tetap tersimpan di server)",
                status=err.status,
                stop=True,
            ) from None

    def _error(self, r: requests.Response, what: str) -> DriveError:
        try:
            body = r.json().get("error") or {}
        except ValueError:
            body = {}
        reasons = {e.get("reason", "") for e in body.get("errors") or [] if isinstance(e, dict)}
        msg = str(body.get("message") or r.reason or "")[:200]
        who = gauth.identity(self.account)
        code = r.status_code
        if code == 403 and reasons & RATE_REASONS:
            return DriveError(f"batas laju Drive ({msg})", status=429)
        if code == 403 and "storageQuotaExceeded" in reasons:
            fix = (
                "akun layanan tidak punya ruang simpan Drive: pakai google.auth: oauth_user "
                "(akun Google kantor, `aduan auth google`) atau folder di Shared Drive "
                "(google.shared_drive: true)"
                if not self.account.oauth
                else "ruang simpan akun Google kantor penuh: kosongkan atau tambah kuota"
            )
            return DriveError(
                f"Drive menolak unggahan (storageQuotaExceeded: {msg}); {fix}",
                status=code,
                stop=True,
            )
        if code == 401:  # AuthorizedSession already refreshed once and retried
            return DriveError(
                f"Google menolak kredensial {who} (HTTP 401: {msg}); "
                + (
                    "jalankan `aduan auth google` lagi"
                    if self.account.oauth
                    else "periksa kunci akun layanan"
                ),
                status=code,
                stop=True,
            )
        if code == 403:
            return DriveError(
                f"Drive menolak {what} (HTTP {code}: {msg}); bagikan folder {self.root} "
                f"ke {who} sebagai Editor",
                status=code,
                stop=True,
            )
        if code == 404:
            return DriveError(
                f"folder Drive {self.root} tidak ditemukan atau belum dibagikan ke {who} "
                f"({msg}); periksa google.drive_folder_id, bagikan folder sebagai Editor"
                + (
                    ""
                    if self.conf.shared_drive
                    else ", dan untuk Shared Drive isi google.shared_drive: true"
                ),
                status=code,
                stop=True,
            )
        return DriveError(f"Drive menolak {what} (HTTP {code}: {msg})", status=code)

    def _list(self, q: str, what: str) -> list[dict]:
        """A search; on a Shared Drive within that drive only (``corpora=drive``).

        Google may answer ``incompleteSearch: true`` with results missing: found
        files are used, but "nothing found" then proves nothing, so the file waits
        for the next run instead of being uploaded a second time."""
        params = {
            "q": q,
            "fields": "files(id,name,webViewLink,md5Checksum),incompleteSearch",
            "pageSize": "10",
        }
        if self.conf.shared_drive:
            params.update(includeItemsFromAllDrives="true", **self._corpora())
        r = self._call("GET", f"{self.api}/drive/v3/files", what, params=params)
        body = r.json()
        files = list(body.get("files") or [])
        if body.get("incompleteSearch") and not files:
            raise DriveError(
                f"pencarian Drive belum lengkap saat {what} (incompleteSearch); "
                "ditunda ke run berikutnya agar tidak terunggah dua kali",
                status=503,
            )
        return files

    def _corpora(self) -> dict[str, str]:
        """``corpora=drive`` with the Shared Drive's id (asked once, kept in the
        manifest); ``allDrives`` only when the folder does not say its drive."""
        drive_id = self.manifest.get("drive_id")
        if not drive_id:
            r = self._call(
                "GET",
                f"{self.api}/drive/v3/files/{self.root}",
                "membaca folder Drive",
                params={"fields": "id,driveId"},
            )
            drive_id = str(r.json().get("driveId") or "")
            if _ID.match(drive_id):
                self.manifest.put("drive_id", drive_id)
        if _ID.match(drive_id):
            return {"corpora": "drive", "driveId": drive_id}
        return {"corpora": "allDrives"}

    def _by_name(self, name: str, parent: str, what: str, folder: bool = False) -> list[dict]:
        """Recovery by name inside ``parent`` (issue 18): appProperties are private
        to the Google Cloud project that wrote them, so after a change of auth mode
        or OAuth client they find nothing; the name in the ticket folder still does."""
        q = f"name = {_q(name)} and {_q(parent)} in parents and trashed=false"
        if folder:
            q += f" and mimeType='{FOLDER_MIME}'"
        return [x for x in self._list(q, what) if _ID.match(str(x.get("id", "")))]

    # ----------------------------------------------------------- folders
    def _folder(self, name: str) -> tuple[str, bool]:
        """The ticket's subfolder: (id, complete); complete when this manifest made
        it, so every file in it is known here and no search is needed."""
        got = self.manifest.folder(name)
        if got:
            return got
        q = (
            f"appProperties has {{ key='aduan_folder' and value={_q(name)} }} and "
            f"{_q(self.root)} in parents and mimeType='{FOLDER_MIME}' and trashed=false"
        )
        found = self._list(q, f"mencari folder {name}")
        if not found:
            found = self._by_name(name, self.root, f"mencari folder {name}", folder=True)
        if found and _ID.match(found[0]["id"]):
            fid, complete = found[0]["id"], False
        else:
            meta = {
                "name": name,
                "mimeType": FOLDER_MIME,
                "parents": [self.root],
                "appProperties": {"aduan_folder": name},
            }
            r = self._call(
                "POST",
                f"{self.api}/drive/v3/files",
                f"membuat folder {name}",
                params={"fields": "id"},
                json=meta,
            )
            fid, complete = r.json()["id"], True
        self.manifest.put_folder(name, fid, folder_url(fid) if _ID.match(fid) else "", complete)
        return fid, complete

    # ------------------------------------------------------------- files
    def _upload(self, f: LocalFile, *, folder_id: str = "", file_id: str = "") -> dict:
        """Create (``folder_id``) or new version of (``file_id``) one file."""
        mime = mimetypes.guess_type(f.name)[0] or "application/octet-stream"
        with open(f.path, "rb") as fh:
            data = fh.read()
        base = f"{self.api}/upload/drive/v3/files" + (f"/{file_id}" if file_id else "")
        method = "PATCH" if file_id else "POST"
        meta: dict[str, Any] = {}
        if not file_id:
            meta = {
                "name": f.name,
                "parents": [folder_id],
                "appProperties": {"aduan_doc": _prop(f.key)},
            }
        what = f"mengunggah {f.rel}"
        if len(data) > MULTIPART_MAX:
            return self._resumable(f, method, base, meta, mime, data)
        if file_id:
            r = self._call(
                method,
                base,
                what,
                params={"uploadType": "media", "fields": FILE_FIELDS},
                data=data,
                headers={"Content-Type": mime},
            )
            return r.json()
        boundary = "aduan_" + secrets.token_hex(16)
        while boundary.encode() in data:  # a random 32-hex boundary in a file: vanishingly rare
            boundary = "aduan_" + secrets.token_hex(16)
        body = (
            (
                f"--{boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n"
                f"{json.dumps(meta, ensure_ascii=False)}\r\n--{boundary}\r\nContent-Type: {mime}\r\n\r\n"
            ).encode()
            + data
            + f"\r\n--{boundary}--\r\n".encode()
        )
        r = self._call(
            method,
            base,
            what,
            params={"uploadType": "multipart", "fields": FILE_FIELDS},
            data=body,
            headers={"Content-Type": f"multipart/related; boundary={boundary}"},
        )
        return r.json()

    # -- issue 18: resumable uploads resume (aduan.google.resumable)
    def _resumable(
        self, f: LocalFile, method: str, base: str, meta: dict, mime: str, data: bytes
    ) -> dict:
        """A large file through an upload session; the session (and this content's
        md5) kept in the manifest, so a broken or killed upload continues where
        Google says it stopped, in this run or the next."""
        key, md5 = f"session:{f.key}", hashlib.md5(data).hexdigest()
        kept_md5, _, url = self.manifest.get(key).partition(" ")
        start = 0
        if url and kept_md5 == md5:
            try:
                held = resumable.offset(self._put, url, len(data))
            except DriveError:
                held = None  # the session is gone (expired, 404): a new one
            url, start = (url, held) if held is not None else ("", 0)
        else:
            url = ""
        if not url:
            r = self._call(
                method,
                base,
                f"mengunggah {f.rel}",
                params={"uploadType": "resumable", "fields": FILE_FIELDS},
                json=meta,
                headers={"X-Upload-Content-Type": mime, "X-Upload-Content-Length": str(len(data))},
            )
            url = r.headers.get("Location", "")
            self.manifest.put(key, f"{md5} {url}")
        out = resumable.send(self._put, url, data, mime, start=start)
        self.manifest.put(key, "")
        return out

    def _put(self, url: str, data: bytes, headers: dict[str, str]) -> requests.Response:
        """One PUT to an upload session, no retries (resumable.send resumes instead)."""
        import requests
        from google.auth.exceptions import TransportError

        self.requests += 1
        try:
            r = self._session().request(
                "PUT", url, data=data, headers=headers, timeout=self.conf.timeout_s
            )
        except (requests.ConnectionError, requests.Timeout, TransportError) as e:
            raise DriveError(f"unggahan terputus ({type(e).__name__})", status=0) from None
        if r.status_code < 400 or r.status_code == 308:
            return r
        raise self._error(r, "mengunggah")

    def _one(self, f: LocalFile, row: tuple | None, res: SyncResult) -> None:
        md5 = f.md5()
        folder_id, complete = self._folder(f.folder)
        file_id = row[3] if row and row[4] == folder_id and row[3] else ""
        pending = bool(row and row[5] == "pending")
        if not file_id and (pending or not complete):
            q = (
                f"appProperties has {{ key='aduan_doc' and value={_q(_prop(f.key))} }} and "
                f"{_q(folder_id)} in parents and trashed=false"
            )
            found = self._list(q, f"mencari {f.rel}")
            if not found:
                found = self._by_name(f.name, folder_id, f"mencari {f.rel}")
            if found and _ID.match(found[0]["id"]):
                file_id = found[0]["id"]
                if found[0].get("md5Checksum") == md5:
                    self.manifest.done(f, md5, file_id, folder_id, file_url(file_id))
                    res.found += 1
                    return
        if file_id:
            try:
                meta = self._upload(f, file_id=file_id)
                res.updated += 1
            except DriveError as e:
                if e.status != 404:
                    raise
                file_id = ""  # deleted on Drive by someone: upload it anew
        if not file_id:
            self.manifest.pending(f, folder_id)
            try:
                meta = self._upload(f, folder_id=folder_id)
            except DriveError as e:
                if e.status != 404:
                    raise
                # the ticket's folder was deleted on Drive: make it again (if the
                # configured folder itself is gone, this raises the clear message)
                self.manifest.forget_folder(f.folder)
                folder_id, _ = self._folder(f.folder)
                self.manifest.pending(f, folder_id)
                meta = self._upload(f, folder_id=folder_id)
            res.created += 1
        fid = str(meta.get("id") or "")
        self.manifest.done(f, md5, fid, folder_id, file_url(fid) if _ID.match(fid) else "")

    # ------------------------------------------------------------ public
    def scan(self) -> list[LocalFile]:
        """Every document and attachment on disk (temporary and lock files, symlinks
        and the raw email skipped). os.scandir and plain strings: a steady cycle
        looks at thousands of files, and pathlib costs ten times more per file."""
        out: list[LocalFile] = []
        for prefix, root in (("d", self.documents), ("a", self.attachments)):
            if root.is_dir():
                walk(prefix, str(root), "", out)
        return out

    def sync(self) -> SyncResult:
        """Upload what is new or changed; no request at all when nothing is."""
        res = SyncResult()
        rows = self.manifest.files()
        todo = []
        for f in self.scan():
            row = rows.get(f.key)
            if row and row[5] == "done" and row[0] == f.size and row[1] == f.mtime_ns:
                continue
            if row and row[5] == "done" and row[2] == f.md5():
                self.manifest.touch(f)  # touched, same content (e.g. a copy restored)
                continue
            todo.append((f, row))
        for i, (f, row) in enumerate(todo):
            try:
                self._one(f, row, res)
            except DriveError as e:
                if e.stop:
                    res.problems.append(f"Drive: {e}")
                    res.failed += len(todo) - i
                    break
                res.problems.append(f"Drive: {f.rel} tidak terunggah: {e}")
                res.failed += 1
            except ConfigError as e:
                res.problems.append(f"Drive: {e}")
                res.failed += len(todo) - i
                break
            except OSError as e:
                res.problems.append(f"Drive: {f.rel} tidak terbaca ({e.strerror})")
                res.failed += 1
        res.requests = self.requests
        return res

    def links(self) -> tuple[dict[str, str], dict[str, str]]:
        """(document path -> file link, ticket folder name -> folder link)."""
        docs = {k[2:]: u for k, u in self.manifest.links().items() if k.startswith("d:")}
        return docs, self.manifest.folders()

    def check(self) -> str:
        """One line for ``aduan check``: who we are and whether the folder is writable."""
        r = self._call(
            "GET",
            f"{self.api}/drive/v3/files/{self.root}",
            "memeriksa folder",
            params={"fields": "id,name,driveId,capabilities(canAddChildren)"},
        )
        meta = r.json()
        who = gauth.identity(self.account)
        if not (meta.get("capabilities") or {}).get("canAddChildren", True):
            raise DriveError(
                f"{who} hanya bisa melihat folder '{meta.get('name')}': bagikan sebagai Editor",
                status=403,
                stop=True,
            )
        where = "Shared Drive" if meta.get("driveId") else "My Drive"
        note = ""
        if where == "My Drive" and not self.account.oauth:
            note = (
                "; PERINGATAN: akun layanan tidak bisa mengunggah ke My Drive "
                "(storageQuotaExceeded): pakai Shared Drive atau oauth_user"
            )
        return f"folder Drive '{meta.get('name')}' ({where}) dapat ditulis oleh {who}{note}"

    def close(self) -> None:
        self.manifest.close()
        if self._http is not None:
            self._http.close()


def sync_cycle(
    drive: Drive | Callable[[], Drive | None], snap: Snapshot, writes: WriteSet
) -> CycleSync | None:
    """The cycle's one call: upload, then link into ``writes``. ``drive`` is an open
    Drive, or a function opening one (closed again here; None: Drive not
    configured, and None is returned)."""
    out = CycleSync()
    if isinstance(drive, Drive):
        d, own = drive, False
    else:
        try:
            opened = drive()
        except (AduanError, sqlite3.Error) as e:
            return CycleSync(problems=[f"Drive: {e}"])
        if opened is None:
            return None
        d, own = opened, True
    try:
        res = d.sync()
        out.problems += res.problems
        out.uploaded, out.requests = res.created + res.updated, res.requests
        docs, folders = d.links()
        out.links, out.dropped = link_documents(snap, writes, docs, folders)
    except sqlite3.Error as e:  # a broken manifest must not stop the run
        out.problems.append(f"Drive: manifes lokal rusak ({e}); hapus state/drive.sqlite")
    finally:
        if own:
            d.close()
    return out
