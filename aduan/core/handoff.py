"""Complaints handed between offices that both run Aduan (issue 19): the signed
*penyaluran* and the status changes the receiving office sends back.

Pure (no I/O, no clock). A hand-off email carries two headers and one attachment:

* ``X-Aduan-Penyaluran: v=1; jenis=aduan; dari=<office id>; untuk=<office id>;
  tiket=<ticket>; isi=<sha256 of the attachment>`` — what it is, from whom, for whom;
* ``X-Aduan-Penyaluran-Tanda: <HMAC-SHA256, base32>`` over that header and the mail's
  Message-ID, with the key the two offices share (one key per pair, or the pemda's);
* ``penyaluran-aduan.json`` — the complaint (``jenis=aduan``: complainant unless
  confidential, text, category, the attachments' SHA-256) or a status
  (``jenis=status``: the receiving office's number, registered or closed with its outcome).

A mail is a hand-off only when all of it holds: the header parses, names this office
in ``untuk``, names a sender office whose key this office holds, the signature matches
that key, and the attachment's hash is the one signed (so the attachment, and the
attachments it lists by hash, are what the sender signed). Anything else is refused
with a reason (:func:`verify`); the caller keeps such mail as ordinary mail, so a
stranger can never inject a "forwarded" complaint and a plain email still arrives.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "HEADER",
    "PAYLOAD_NAME",
    "SIG_HEADER",
    "STATUS_LABELS",
    "HandoffKeys",
    "Verdict",
    "fwd_text",
    "header_value",
    "parse_header",
    "payload_bytes",
    "sign",
    "verify",
]

HEADER = "X-Aduan-Penyaluran"
SIG_HEADER = "X-Aduan-Penyaluran-Tanda"
PAYLOAD_NAME = "penyaluran-aduan.json"
VERSION = "1"
KINDS = ("aduan", "status")
#: the payload a receiving office accepts at most (text is capped by the sender)
MAX_PAYLOAD = 512 * 1024
#: what a status says, as the origin office's staff read it
STATUS_LABELS = {"dicatat": "dicatat, sedang ditangani", "ditutup": "selesai"}
_FIELDS = ("v", "jenis", "dari", "untuk", "tiket", "isi")
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_SHA_RE = re.compile(r"^[0-9a-f]{64}$")
_SIG_RE = re.compile(r"^[a-z2-7]{52}$")


@dataclass(frozen=True)
class HandoffKeys:
    """The keys an office shares with other offices: one per partner office (by its
    office id), and the pemda's key for every office without a key of its own."""

    pemda: bytes = b""
    peers: Mapping[str, bytes] = field(default_factory=dict)

    def key_for(self, office_id: str) -> bytes:
        """The key shared with ``office_id`` (its own, else the pemda's); b"" when none."""
        return self.peers.get(office_id, b"") or self.pemda

    def __bool__(self) -> bool:
        return bool(self.pemda or any(self.peers.values()))


def payload_bytes(payload: Mapping[str, Any]) -> bytes:
    """The attachment's bytes: canonical JSON (sorted keys, UTF-8), so its hash is stable."""
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True, indent=1, default=str)
    return (text + "\n").encode("utf-8")


def header_value(kind: str, origin: str, target: str, ticket: str, payload: bytes) -> str:
    """The ``X-Aduan-Penyaluran`` header for a payload from ``origin`` to ``target``."""
    if kind not in KINDS:
        raise ValueError(f"unknown hand-off kind {kind!r}")
    for what, v in (("origin", origin), ("target", target)):
        if not _ID_RE.match(v):
            raise ValueError(f"{what} office id {v!r} is not an office id")
    safe_ticket = _ticket(ticket)
    if not safe_ticket:
        raise ValueError("a hand-off names the origin ticket")
    sha = hashlib.sha256(payload).hexdigest()
    return (
        f"v={VERSION}; jenis={kind}; dari={origin}; untuk={target}; tiket={safe_ticket}; isi={sha}"
    )


def _ticket(ticket: str) -> str:
    """A ticket number as the header carries it (no separators of the header itself)."""
    return re.sub(r"[^\w/.\-]", "", ticket)[:80]


def parse_header(value: str) -> dict[str, str] | None:
    """The header's fields, or None when it is not a well-formed version-1 header."""
    out: dict[str, str] = {}
    for part in (value or "").replace("\r", "").replace("\n", "").split(";"):
        k, eq, v = part.strip().partition("=")
        if not eq or k in out:
            return None
        out[k.strip()] = v.strip()
    if set(out) != set(_FIELDS) or out["v"] != VERSION or out["jenis"] not in KINDS:
        return None
    if not (_ID_RE.match(out["dari"]) and _ID_RE.match(out["untuk"])):
        return None
    if not _SHA_RE.match(out["isi"]) or not out["tiket"]:
        return None
    return out


def _canonical(value: str) -> str:
    """The header as signed: its fields in a fixed order (folding and spacing aside)."""
    f = parse_header(value)
    if f is None:
        return ""
    return ";".join(f"{k}={f[k]}" for k in _FIELDS)


def sign(key: bytes, header: str, message_id: str) -> str:
    """The signature of ``header`` for the mail ``message_id``: HMAC-SHA256, base32."""
    canon = _canonical(header)
    if not key or not canon:
        raise ValueError("a hand-off needs a key and a well-formed header")
    msg = f"aduan-penyaluran-v1\x1f{canon}\x1f{message_id.strip()}".encode()
    mac = hmac.new(key, msg, hashlib.sha256).digest()
    return base64.b32encode(mac).decode("ascii").rstrip("=").lower()


@dataclass(frozen=True)
class Verdict:
    """What :func:`verify` made of a mail: accepted (with its fields and payload) or
    refused with the reason staff read in the log and *Riwayat* (Indonesian)."""

    accepted: bool
    reason: str = ""
    fields: dict[str, str] = field(default_factory=dict)
    payload: dict[str, Any] = field(default_factory=dict)


def verify(
    keys: HandoffKeys | None,
    me: str,
    header: str,
    signature: str,
    message_id: str,
    attachments: Sequence[tuple[str, bytes]],
) -> Verdict:
    """Judge a mail that carries the hand-off header. ``attachments``: (filename, bytes)."""
    f = parse_header(header)
    if f is None:
        return Verdict(False, "kepala penyaluran tidak terbaca")
    if f["untuk"] != me:
        return Verdict(False, f"penyaluran untuk kantor lain ({f['untuk']})", f)
    key = keys.key_for(f["dari"]) if keys else b""
    if not key:
        return Verdict(False, f"tidak ada kunci penyaluran untuk kantor {f['dari']}", f)
    sig = (signature or "").strip().lower()
    if not _SIG_RE.match(sig) or not hmac.compare_digest(sign(key, header, message_id), sig):
        return Verdict(False, "tanda tangan penyaluran tidak sah", f)
    data = next((b for name, b in attachments if name == PAYLOAD_NAME), None)
    if data is None:
        return Verdict(False, f"lampiran {PAYLOAD_NAME} tidak ada", f)
    if len(data) > MAX_PAYLOAD or hashlib.sha256(data).hexdigest() != f["isi"]:
        return Verdict(False, f"isi {PAYLOAD_NAME} tidak sama dengan yang ditandatangani", f)
    try:
        payload = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return Verdict(False, f"{PAYLOAD_NAME} bukan JSON", f)
    if not isinstance(payload, dict) or payload.get("jenis") != f["jenis"]:
        return Verdict(False, f"{PAYLOAD_NAME} tidak sesuai kepala penyaluran", f)
    # both kinds name the origin office's ticket: the one the hand-off started from
    if _ticket(str(payload.get("tiket_asal", ""))) != f["tiket"]:
        return Verdict(False, "nomor aduan di lampiran tidak sesuai kepala penyaluran", f)
    if f["jenis"] == "aduan":
        # by hash, not name: each side sanitises file names in its own way
        have = {hashlib.sha256(b).hexdigest() for _name, b in attachments}
        bad = [
            str(a.get("nama"))
            for a in payload.get("lampiran") or []
            if not isinstance(a, dict) or str(a.get("sha256")) not in have
        ]
        if bad:
            return Verdict(False, f"lampiran tidak sesuai tanda tangan: {', '.join(bad)[:200]}", f)
    return Verdict(True, "", f, payload)


def fwd_text(f: Mapping[str, str]) -> str:
    """The line the *Tahap* column shows for a complaint handed on (``""`` when none)."""
    if not f:
        return ""
    state = STATUS_LABELS.get(f.get("status", ""), f.get("status", ""))
    if f.get("status") == "ditutup" and f.get("outcome"):
        state = f["outcome"]  # the outcome's own label, e.g. "Selesai (ditindaklanjuti)"
    return f"Di {f.get('office', 'instansi')}: {f.get('ticket', '')} — {state}"
