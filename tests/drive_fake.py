"""A local Google Drive v3 + OAuth token server for the tests (issue 11).

Google cannot be reached from here, so :mod:`aduan.google.drive` and :mod:`aduan.google.auth` talk to
this stdlib HTTP server on 127.0.0.1 (its own port; ``Drive(api_base=server.base_url)``,
and ``token_uri`` in the key/token files points at ``server.token_uri``). It keeps real
state (files, folders, shared drives, who may see what) and speaks the subset Aduan uses:

* ``POST /token``: ``refresh_token`` (answers ``invalid_grant`` once revoked),
  ``authorization_code`` (with an id_token carrying the email), and the service
  account's ``jwt-bearer`` grant (the assertion's ``iss`` must be a known key);
* ``GET /drive/v3/files`` with ``q`` (``appProperties has { key='k' and value='v' }``,
  ``'id' in parents``, ``mimeType = '...'``, ``name = '...'``, ``trashed = false``,
  joined by ``and``), ``GET /drive/v3/files/ID``, ``POST /drive/v3/files`` (folders);
* uploads: ``POST /upload/drive/v3/files`` (``multipart`` and ``resumable``),
  ``PATCH /upload/drive/v3/files/ID`` (``media``, ``multipart``, ``resumable``) — a new
  version of the same file — and ``PUT`` to the resumable session address.

Faithful where Aduan's behaviour depends on it: a caller sees only what is shared with it
(else 404 ``File not found``), items in a Shared Drive need ``supportsAllDrives=true``, a
service account uploading outside a Shared Drive gets Google's 403 ``storageQuotaExceeded``,
a bad or missing bearer token is a 401. Every request is recorded (``count(kind)``) and
``fail_next(status, n, match)`` injects Google's error bodies (500, 503, 429).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple
from urllib.parse import parse_qs, urlsplit

import pytest

from tests import google_schema

__all__ = ["DriveServer", "FakeFile", "drive_server", "UPLOAD_KINDS"]

FOLDER = "application/vnd.google-apps.folder"
UPLOAD_KINDS = ("upload.create", "upload.update", "upload.session")
QUOTA_MESSAGE = (
    "Service Accounts do not have storage quota. Leverage shared drives "
    "(https://developers.google.com/workspace/drive/api/guides/about-shareddrives), "
    "or use OAuth delegation (http://support.google.com/a/answer/7281227) instead."
)
_FAULTS = {
    429: ("rateLimitExceeded", "Rate Limit Exceeded"),
    500: ("backendError", "Internal Error"),
    503: ("backendError", "The service is currently unavailable."),
}


class Req(NamedTuple):
    """One request as received."""

    method: str
    path: str
    query: dict[str, str]
    kind: str
    who: str
    project: str = ""  # the Google Cloud project (OAuth client / SA) the token is for


@dataclass
class FakeFile:
    id: str
    name: str
    mime: str
    parents: list[str]
    props: dict[str, str] = field(default_factory=dict)
    data: bytes = b""
    owner: str = ""
    drive_id: str = ""  # the Shared Drive it lives in ("" = someone's My Drive)
    shared_with: set[str] = field(default_factory=set)
    trashed: bool = False
    version: int = 1
    props_project: str = ""  # appProperties are private to the project that wrote them


class _Resume(Exception):
    """A resumable session not complete yet: 308 with how much it holds."""

    def __init__(self, held: int) -> None:
        self.held = held


class _Err(Exception):
    def __init__(self, code: int, message: str, reason: str = "", status: str = ""):
        super().__init__(message)
        self.code, self.message, self.reason, self.status = code, message, reason, status

    def body(self) -> dict:
        err: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.reason:
            err["errors"] = [{"domain": "global", "reason": self.reason, "message": self.message}]
        if self.status:
            err["status"] = self.status
        return {"error": err}


@lru_cache(maxsize=1)
def _rsa_pem() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def _b64(obj: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()


def _jwt_payload(token: str) -> dict:
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


_LIT = r"'((?:[^'\\]|\\.)*)'"
_CLAUSES = [
    (
        "prop",
        re.compile(
            rf"appProperties\s+has\s*\{{\s*key\s*=\s*{_LIT}\s+and\s+value\s*=\s*{_LIT}\s*\}}"
        ),
    ),
    ("parent", re.compile(rf"{_LIT}\s+in\s+parents")),
    ("mime", re.compile(rf"mimeType\s*=\s*{_LIT}")),
    ("name", re.compile(rf"name\s*=\s*{_LIT}")),
    ("trashed", re.compile(r"trashed\s*=\s*(true|false)")),
]


def _unescape(s: str) -> str:
    return re.sub(r"\\(.)", r"\1", s)


def parse_q(q: str) -> list[tuple[str, tuple[str, ...]]]:
    """The query's clauses; _Err(400) for anything outside the supported subset."""
    out, pos, q = [], 0, q.strip()
    while pos < len(q):
        for kind, rx in _CLAUSES:
            m = rx.match(q, pos)
            if m:
                out.append((kind, tuple(_unescape(g) for g in m.groups())))
                pos = m.end()
                break
        else:
            raise _Err(400, f"Invalid Value: q at {pos}: {q[pos : pos + 30]!r}", "invalid")
        m = re.compile(r"\s+and\s+|\s*$").match(q, pos)
        if not m or (m.end() == pos and pos < len(q)):
            raise _Err(400, "Invalid Value: expected 'and'", "invalid")
        pos = m.end()
    return out


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        # headers and body go out in two writes: without this, Nagle + delayed ACK
        # cost 40 ms per request on loopback
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _any(self) -> None:
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        status, headers, body = self.server.owner._serve(self.command, self.path, self.headers, raw)
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _any

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    owner: DriveServer


class DriveServer:
    """Drive v3 + token endpoint on 127.0.0.1 with state and test hooks.

    Example::

        with DriveServer() as server:
            token = server.user_token("bpbd@gmail.com")  # the token file's content
            root = server.create_folder("Aduan", owner="bpbd@gmail.com")
    """

    CLIENT_ID = "aduan-test.apps.googleusercontent.com"
    CLIENT_SECRET = "test-secret"

    def __init__(self) -> None:
        self.files: dict[str, FakeFile] = {}
        self.requests: list[Req] = []
        self.errors: list[str] = []
        self.violations: list[google_schema.Violation] = []  # breaches of drive.v3.json
        self._faults: list[list[Any]] = []  # [status, remaining, match, reason, message]
        self._tokens: dict[str, str] = {}  # access token -> identity
        self._refresh: dict[str, str] = {}  # refresh token -> identity
        self._revoked: set[str] = set()
        self._codes: dict[str, str] = {}  # authorization code -> identity
        self._accounts: set[str] = set()  # service-account emails with a valid key
        self._drives: dict[str, set[str]] = {}  # shared drive id -> members
        self._sessions: dict[str, list[Any]] = {}  # resumable: [target, meta, who, project, bytes]
        # -- issue 18: what Google does that the happy path never shows
        self._projects: dict[str, str] = {}  # access token -> its project
        self.clients: dict[str, str] = {self.CLIENT_ID: self.CLIENT_SECRET}  # OAuth clients
        self.incomplete = 0  # the next N cross-drive searches answer incompleteSearch
        self.break_at: int | None = None  # the next session PUT keeps this many bytes, then 503
        self._lock = threading.RLock()
        self._httpd: _HTTPServer | None = None

    # ---- lifecycle
    def __enter__(self) -> DriveServer:
        self._httpd = _HTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.owner = self
        threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        ).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._httpd is not None
        self._httpd.shutdown()
        self._httpd.server_close()

    @property
    def base_url(self) -> str:
        assert self._httpd is not None
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def token_uri(self) -> str:
        return self.base_url + "/token"

    # ---- identities
    def user_token(self, email: str, scopes: list[str] | None = None, client_id: str = "") -> dict:
        """A stored-token dict (as ``aduan auth google`` writes it) for a Google account;
        ``client_id``: another OAuth client of :attr:`clients` (another project)."""
        rt = "1//rt-" + secrets.token_urlsafe(12)
        self._refresh[rt] = email
        cid = client_id or self.CLIENT_ID
        return {
            "refresh_token": rt,
            "token_uri": self.token_uri,
            "client_id": cid,
            "client_secret": self.clients[cid],
            "scopes": scopes
            or [
                "https://www.googleapis.com/auth/drive",
                "https://www.googleapis.com/auth/spreadsheets",
            ],
            "account": email,
        }

    def access_token(self, email: str) -> str:
        """A bearer token for ``email`` (tests that speak HTTP to the fake directly)."""
        at = "ya29." + secrets.token_urlsafe(16)
        self._tokens[at] = email
        return at

    def revoke(self, refresh_token: str) -> None:
        """As when the user removes Aduan at myaccount.google.com/permissions."""
        self._revoked.add(refresh_token)

    def authorization_code(self, email: str) -> str:
        """A code as Google would put into the redirect after consent."""
        code = "4/code-" + secrets.token_urlsafe(8)
        self._codes[code] = email
        return code

    def client_secrets(self) -> dict:
        """An OAuth client (Desktop app) JSON whose token endpoint is this server."""
        return {
            "installed": {
                "client_id": self.CLIENT_ID,
                "client_secret": self.CLIENT_SECRET,
                "auth_uri": "https://accounts.google.com/o/oauth2/auth",
                "token_uri": self.token_uri,
                "redirect_uris": ["http://localhost"],
            }
        }

    def service_account(self, email: str = "aduan@kantor-123.iam.gserviceaccount.com") -> dict:
        """A service-account key JSON (real RSA key) whose token_uri is this server."""
        self._accounts.add(email)
        return {
            "type": "service_account",
            "project_id": "kantor-123",
            "private_key_id": "k1",
            "private_key": _rsa_pem(),
            "client_email": email,
            "client_id": "1",
            "token_uri": self.token_uri,
        }

    def delete_key(self, email: str) -> None:
        self._accounts.discard(email)

    # ---- state
    def _new_id(self) -> str:
        return "1" + secrets.token_urlsafe(24).replace("-", "x").replace("_", "y")

    def create_folder(
        self, name: str, owner: str, parent: str = "", shared_with: tuple[str, ...] = ()
    ) -> str:
        """A folder in ``owner``'s My Drive (or under ``parent``), shared with others."""
        fid = self._new_id()
        drive = self.files[parent].drive_id if parent else ""
        self.files[fid] = FakeFile(
            fid,
            name,
            FOLDER,
            [parent] if parent else [],
            owner=owner,
            drive_id=drive,
            shared_with=set(shared_with),
        )
        return fid

    def create_shared_drive(self, name: str, members: tuple[str, ...]) -> str:
        """A Shared Drive; its id is also its root folder's id, as in Drive."""
        did = "0A" + secrets.token_urlsafe(12).replace("-", "x").replace("_", "y")
        self._drives[did] = set(members)
        self.files[did] = FakeFile(did, name, FOLDER, [], owner="", drive_id=did)
        return did

    def children(self, folder_id: str) -> list[FakeFile]:
        return [f for f in self.files.values() if folder_id in f.parents and not f.trashed]

    def by_name(self, name: str) -> list[FakeFile]:
        return [f for f in self.files.values() if f.name == name and not f.trashed]

    # ---- hooks
    def count(self, kind: str | tuple[str, ...] | Callable[[Req], bool] | None = None) -> int:
        with self._lock:
            return sum(1 for r in self.requests if self._match(kind, r))

    def uploads(self) -> int:
        """Requests that carry file content (what "one upload per document" counts)."""
        return self.count(UPLOAD_KINDS)

    def reset_counts(self) -> None:
        with self._lock:
            self.requests.clear()

    def fail_next(self, status: int, n: int = 1, match: Any = None, reason: str = "") -> None:
        r, msg = _FAULTS.get(status, ("backendError", "Injected failure."))
        with self._lock:
            self._faults.append([status, n, match, reason or r, msg])

    @staticmethod
    def _match(kind: Any, r: Req) -> bool:
        if kind is None:
            return True
        if isinstance(kind, str):
            return r.kind == kind
        if isinstance(kind, tuple):
            return r.kind in kind
        return bool(kind(r))

    # ---- serving
    def _serve(self, method: str, raw: str, headers: Any, body: bytes) -> tuple[int, dict, bytes]:
        parts = urlsplit(raw)
        q = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        path = parts.path
        kind = _kind(method, path, q)
        auth = headers.get("Authorization") or ""
        token = auth.removeprefix("Bearer ").strip()
        who = self._tokens.get(token, "")
        req = Req(method, path, q, kind, who, self._projects.get(token, ""))
        with self._lock:
            self.requests.append(req)
            fault = next((f for f in self._faults if self._match(f[2], req)), None)
            if fault is not None:
                fault[1] -= 1
                if fault[1] <= 0:
                    self._faults.remove(fault)
        extra: dict[str, str] = {}
        try:
            if fault is not None:
                raise _Err(fault[0], fault[4], fault[3])
            if kind not in ("token", "upload.session"):
                # issue 18: Google's own description judges the request first
                found = _schema_check(method, path, parse_qs(parts.query), headers, body)
                google_schema.LOG.add(found)
                self.violations += found
                refused = [v for v in found if v.kind == "schema"]
                if refused:
                    data = json.dumps(google_schema.error_body(refused)).encode()
                    return 400, {"Content-Type": "application/json"}, data
            with self._lock:
                if kind == "token":
                    return self._token(body)
                if not who:
                    raise _Err(
                        401,
                        "Request had invalid authentication credentials.",
                        "authError",
                        "UNAUTHENTICATED",
                    )
                out = self._route(req, headers, body, extra)
            return 200, {"Content-Type": "application/json", **extra}, json.dumps(out).encode()
        except _Resume as e:  # Google's "308 Resume Incomplete"
            head = {"Range": f"bytes=0-{e.held - 1}"} if e.held else {}
            return 308, {"Content-Length": "0", **head}, b""
        except _Err as e:
            return e.code, {"Content-Type": "application/json"}, json.dumps(e.body()).encode()
        except Exception as e:  # a bug here: fail the test, not only the call
            self.errors.append(f"{method} {raw}: {e!r}")
            return 500, {}, json.dumps(_Err(500, repr(e)).body()).encode()

    def _token(self, body: bytes) -> tuple[int, dict, bytes]:
        form = {k: v[-1] for k, v in parse_qs(body.decode()).items()}
        grant = form.get("grant_type", "")
        who, extra = "", {}
        project = "client:" + self.CLIENT_ID
        if grant == "refresh_token":
            rt = form.get("refresh_token", "")
            if rt not in self._refresh or rt in self._revoked:
                return _oauth_error("invalid_grant", "Token has been expired or revoked.")
            if form.get("client_id") not in self.clients:
                return _oauth_error("invalid_client", "The OAuth client was not found.", 401)
            who = self._refresh[rt]
            project = "client:" + form["client_id"]
        elif grant == "authorization_code":
            who = self._codes.pop(form.get("code", ""), "")
            if not who:
                return _oauth_error("invalid_grant", "Malformed auth code.")
            rt = "1//rt-" + secrets.token_urlsafe(12)
            self._refresh[rt] = who
            header = _b64({"alg": "RS256", "typ": "JWT"})
            extra = {
                "refresh_token": rt,
                "id_token": f"{header}.{_b64({'email': who, 'aud': self.CLIENT_ID})}.c2ln",
            }
        elif grant == "urn:ietf:params:oauth:grant-type:jwt-bearer":
            who = str(_jwt_payload(form.get("assertion", "")).get("iss", ""))
            if who not in self._accounts:
                return _oauth_error("invalid_grant", "Invalid JWT Signature.")
            project = "sa:" + who.partition("@")[2].split(".")[0]
        else:
            return _oauth_error("unsupported_grant_type", grant)
        at = "ya29." + secrets.token_urlsafe(16)
        self._tokens[at] = who
        self._projects[at] = project
        out = {"access_token": at, "expires_in": 3599, "token_type": "Bearer", **extra}
        return 200, {"Content-Type": "application/json"}, json.dumps(out).encode()

    # ---- access
    def _visible(self, who: str, f: FakeFile, q: dict[str, str]) -> bool:
        if f.drive_id and q.get("supportsAllDrives") != "true":
            return False
        seen: set[str] = set()
        cur: FakeFile | None = f
        while cur is not None and cur.id not in seen:
            seen.add(cur.id)
            if who == cur.owner or who in cur.shared_with:
                return True
            if cur.drive_id and who in self._drives.get(cur.drive_id, set()):
                return True
            cur = self.files.get(cur.parents[0]) if cur.parents else None
        return False

    def _get(self, who: str, fid: str, q: dict[str, str]) -> FakeFile:
        f = self.files.get(fid)
        if f is None or f.trashed or not self._visible(who, f, q):
            raise _Err(404, f"File not found: {fid}.", "notFound")
        return f

    def _meta(self, f: FakeFile, project: str | None = None) -> dict:
        """The file as ``project`` sees it: appProperties only its own (Google)."""
        out = {
            "id": f.id,
            "name": f.name,
            "mimeType": f.mime,
            "parents": f.parents,
            "appProperties": f.props if project is None or project == f.props_project else {},
            "webViewLink": (
                f"https://drive.google.com/drive/folders/{f.id}"
                if f.mime == FOLDER
                else f"https://drive.google.com/file/d/{f.id}/view?usp=drivesdk"
            ),
            "capabilities": {"canAddChildren": f.mime == FOLDER},
        }
        if f.mime != FOLDER:
            out["md5Checksum"] = hashlib.md5(f.data).hexdigest()
        if f.drive_id:
            out["driveId"] = f.drive_id
        return out

    def _new_file(
        self, who: str, meta: dict, data: bytes, q: dict[str, str], project: str = ""
    ) -> dict:
        parents = meta.get("parents") or []
        if len(parents) != 1:
            raise _Err(400, "A file must have exactly one parent here.", "invalid")
        parent = self._get(who, parents[0], q)
        mime = meta.get("mimeType") or "application/octet-stream"
        if mime != FOLDER and not parent.drive_id and who.endswith(".gserviceaccount.com"):
            raise _Err(403, QUOTA_MESSAGE, "storageQuotaExceeded")
        f = FakeFile(
            self._new_id(),
            str(meta.get("name") or "Untitled"),
            mime,
            [parent.id],
            dict(meta.get("appProperties") or {}),
            data,
            owner=who,
            drive_id=parent.drive_id,
            props_project=project,
        )
        for k, v in f.props.items():
            if len((k + v).encode()) > 124:
                raise _Err(400, "Property too large.", "invalidProperty")
        self.files[f.id] = f
        return self._meta(f, project)

    def _route(self, req: Req, headers: Any, body: bytes, extra: dict) -> Any:
        who, q, kind = req.who, req.query, req.kind
        m = re.fullmatch(r"/(?:upload/)?drive/v3/files(?:/([^/]+))?", req.path)
        fid = m.group(1) if m else None
        if kind == "files.list":
            clauses = parse_q(q.get("q", ""))
            hits = []
            for f in self.files.values():
                if f.drive_id and q.get("includeItemsFromAllDrives") != "true":
                    continue
                if not self._visible(who, f, q) or not _holds(clauses, f, req.project):
                    continue
                hits.append(self._meta(f, req.project))
            if self.incomplete and q.get("corpora") != "drive":
                # Google searching across drives may give up on some: results missing
                self.incomplete -= 1
                return {"files": [], "incompleteSearch": True}
            return {"files": hits[: int(q.get("pageSize") or 100)]}
        if kind == "files.get":
            return self._meta(self._get(who, fid or "", q), req.project)
        if kind == "files.create":
            return self._new_file(who, json.loads(body or b"{}"), b"", q, req.project)
        if kind in ("upload.create", "upload.update"):
            target = self._get(who, fid, q) if fid else None
            up = q.get("uploadType")
            ctype = headers.get("Content-Type") or ""
            if up == "resumable":
                sid = secrets.token_urlsafe(8)
                meta = json.loads(body) if body.strip() else {}
                self._sessions[sid] = [target.id if target else "", meta, who, req.project, b""]
                extra["Location"] = f"{self.base_url}/upload/session/{sid}"
                return {}
            if up == "multipart":
                meta, data = _multipart(ctype, body)
            elif up == "media":
                meta, data = {}, body
            else:
                raise _Err(400, f"Invalid uploadType {up!r}", "invalid")
            if target is None:
                return self._new_file(who, meta, data, q, req.project)
            return self._new_version(target, data)
        if kind == "upload.session":
            sid = req.path.rsplit("/", 1)[-1]
            if sid not in self._sessions:
                raise _Err(404, "No such upload session.", "notFound")
            return self._session_put(sid, headers, body, q)
        raise _Err(404, f"Method not found: {req.method} {req.path}", "notFound")

    def _session_put(self, sid: str, headers: Any, body: bytes, q: dict[str, str]) -> dict:
        """A PUT to a resumable session: the whole file, a chunk (``Content-Range:
        bytes a-b/N``) or the offset query (``bytes */N``); :attr:`break_at` cuts an
        upload mid-way (the bytes up to there are kept, the answer is a 503)."""
        session = self._sessions[sid]
        target_id, meta, owner, project, held = session
        rng = headers.get("Content-Range") or ""
        m = re.fullmatch(r"bytes (?:(\d+)-(\d+)|\*)/(\d+)", rng.strip())
        if rng and not m:
            raise _Err(400, f"Invalid Content-Range {rng!r}", "badContent")
        total = int(m.group(3)) if m else len(body)
        if m and m.group(1) is None:  # how much do you hold?
            if body:
                raise _Err(400, "An offset query has no body.", "badContent")
            raise _Resume(len(held))
        start = int(m.group(1)) if m else 0
        if start != len(held):
            raise _Err(
                400, f"Chunk starts at {start}, the session holds {len(held)}.", "badContent"
            )
        data = held + body
        if self.break_at is not None and len(held) < self.break_at < len(data):
            session[4] = data[: self.break_at]
            self.break_at = None
            raise _Err(503, "Service Unavailable", "backendError")
        session[4] = data
        if len(data) < total:
            raise _Resume(len(data))
        del self._sessions[sid]
        if target_id:
            return self._new_version(self.files[target_id], data)
        return self._new_file(owner, meta, data, q, project)

    def _new_version(self, f: FakeFile, data: bytes) -> dict:
        f.data, f.version = data, f.version + 1
        return self._meta(f)


def _kind(method: str, path: str, q: dict[str, str]) -> str:
    if path == "/token":
        return "token"
    if path.startswith("/upload/session/"):
        return "upload.session"
    if path == "/upload/drive/v3/files" and method == "POST":
        return "upload.create"
    if path.startswith("/upload/drive/v3/files/") and method == "PATCH":
        return "upload.update"
    if path == "/drive/v3/files":
        return {"GET": "files.list", "POST": "files.create"}.get(method, "other")
    if path.startswith("/drive/v3/files/") and method == "GET":
        return "files.get"
    return "other"


def _schema_check(
    method: str, path: str, query: dict[str, list[str]], headers: Any, body: bytes
) -> list[google_schema.Violation]:
    """The request against drive.v3.json; an upload's metadata part is its JSON body."""
    meta: Any = None
    up = (query.get("uploadType") or [""])[-1]
    try:
        if up == "multipart":
            meta, _ = _multipart(headers.get("Content-Type") or "", body)
        elif body.strip() and up != "media":
            meta = json.loads(body)
    except (_Err, ValueError):
        meta = None  # the route answers a malformed body itself
    return google_schema.drive().check(method, path, query, meta)


def _holds(clauses: list[tuple[str, tuple[str, ...]]], f: FakeFile, project: str = "") -> bool:
    for kind, args in clauses:
        # another project's appProperties are invisible to the search as well
        if kind == "prop" and (f.props_project != project or f.props.get(args[0]) != args[1]):
            return False
        if kind == "parent" and args[0] not in f.parents:
            return False
        if kind == "mime" and f.mime != args[0]:
            return False
        if kind == "name" and f.name != args[0]:
            return False
        if kind == "trashed" and f.trashed != (args[0] == "true"):
            return False
    return True


def _multipart(ctype: str, body: bytes) -> tuple[dict, bytes]:
    """multipart/related: a JSON metadata part, then the media part (bytes kept exactly)."""
    m = re.search(r'boundary="?([^";]+)"?', ctype)
    if not ctype.startswith("multipart/related") or not m:
        raise _Err(400, "Expected multipart/related with a boundary.", "badContent")
    sep = b"--" + m.group(1).encode()
    chunks = body.split(sep)
    parts = [c for c in chunks[1:] if not c.startswith(b"--")]
    if len(parts) != 2:
        raise _Err(400, f"Expected 2 parts, got {len(parts)}.", "badContent")
    out = []
    for p in parts:
        head, _, content = p.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        out.append(content.removesuffix(b"\r\n"))
    return json.loads(out[0]), out[1]


def _oauth_error(code: str, desc: str, status: int = 400) -> tuple[int, dict, bytes]:
    body = json.dumps({"error": code, "error_description": desc}).encode()
    return status, {"Content-Type": "application/json"}, body


@pytest.fixture
def drive_server() -> Iterator[DriveServer]:
    """A fresh fake Drive; fails the test on an internal error of the fake."""
    with DriveServer() as server:
        yield server
    if server.errors:
        pytest.fail("drive_fake errors:\n" + "\n".join(server.errors))
