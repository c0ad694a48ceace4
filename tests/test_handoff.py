"""Complaints handed between offices that both run Aduan (issue 19 part 2), end to end:
office A (Dinsos Kota Blitar) forwards a complaint outside its authority to office B
(BPBD), whose address book entry names B's office id; the mail goes out through a real
SMTP server, signed; B registers it as *Penyaluran dari <A>* and answers the citizen as
its own; B's status (registered, closed) goes back to A by email, and A's Riwayat and
register show it. A forged or altered hand-off is refused: kept as ordinary mail, never
believed."""

from __future__ import annotations

import email
import hashlib
import json
from email.message import EmailMessage
from email.policy import default

import pytest

from aduan.core.handoff import (
    HEADER,
    PAYLOAD_NAME,
    SIG_HEADER,
    HandoffKeys,
    header_value,
    payload_bytes,
    sign,
    verify,
)
from aduan.core.layout import C

from .test_notifications_e2e import COMPLAINANT, PENGADU, Office, Sent, at, kinds

KEY = "kunci-pemda-karanganyar-0123456789abcdef"
B_ID = "bpbd-karanganyar"
A_ID = "dinsos-blitar"


# ------------------------------------------------------------------ the signature
def _signed(kind: str = "aduan", payload: dict | None = None, key: bytes = KEY.encode()):
    payload = payload or {"jenis": kind, "tiket_asal": "ADU/2026/11/0001", "lampiran": []}
    data = payload_bytes(payload)
    header = header_value(kind, A_ID, B_ID, "ADU/2026/11/0001", data)
    mid = "<aduan.0123@blitar.example.go.id>"
    return header, sign(key, header, mid), mid, [(PAYLOAD_NAME, data)]


def test_a_signed_hand_off_is_accepted_and_every_alteration_refused():
    keys = HandoffKeys(KEY.encode())
    header, sig, mid, atts = _signed()
    assert verify(keys, B_ID, header, sig, mid, atts).accepted
    # folded by a mail server: the same header
    assert verify(keys, B_ID, header.replace("; ", ";\n "), sig, mid, atts).accepted
    refused = {
        "another key": verify(HandoffKeys(b"x" * 32), B_ID, header, sig, mid, atts),
        "another office": verify(keys, "dpupr-karanganyar", header, sig, mid, atts),
        "another message": verify(keys, B_ID, header, sig, "<other@x>", atts),
        "another ticket": verify(keys, B_ID, header.replace("0001", "0002"), sig, mid, atts),
        "no signature": verify(keys, B_ID, header, "", mid, atts),
        "payload changed": verify(
            keys, B_ID, header, sig, mid, [(PAYLOAD_NAME, atts[0][1].replace(b"0001", b"0003"))]
        ),
        "no payload": verify(keys, B_ID, header, sig, mid, []),
        "no key at all": verify(None, B_ID, header, sig, mid, atts),
    }
    for what, v in refused.items():
        assert not v.accepted, what
        assert v.reason, what
    # a peer key replaces the pemda key for that office
    peer = HandoffKeys(b"", {A_ID: b"k" * 32})
    h2, s2, m2, a2 = _signed(key=b"k" * 32)
    assert verify(peer, B_ID, h2, s2, m2, a2).accepted
    assert not verify(peer, B_ID, header, sig, mid, atts).accepted


def test_a_listed_attachment_that_was_swapped_is_refused():
    photo = b"\x89PNG foto jalan"
    p = {
        "jenis": "aduan",
        "tiket_asal": "ADU/2026/11/0001",
        "lampiran": [{"nama": "foto.png", "sha256": hashlib.sha256(photo).hexdigest()}],
    }
    header, sig, mid, atts = _signed(payload=p)
    keys = HandoffKeys(KEY.encode())
    assert verify(keys, B_ID, header, sig, mid, [*atts, ("foto.png", photo)]).accepted
    v = verify(keys, B_ID, header, sig, mid, [*atts, ("foto.png", b"another picture")])
    assert not v.accepted and "foto.png" in v.reason


# ------------------------------------------------------------------ two offices
@pytest.fixture
def pair(make_settings, smtp_server, tmp_path):
    key = tmp_path / "pemda.key"
    key.write_text(KEY)
    handoff = {"key_file": str(key)}
    bpbd = {
        "name": "BPBD Kabupaten Karanganyar",
        "aliases": ["BPBD"],
        "email": "aduan@bpbd.example.go.id",
        "office_id": B_ID,
    }
    a = Office(make_settings, smtp_server, "blitar", agencies=[bpbd], handoff=handoff)
    b = Office(make_settings, smtp_server, "bpbd", handoff=handoff)
    return a, b


def _deliver(to: Office, sent: Sent, name: str) -> bytes:
    raw = sent.message.as_bytes()
    (to.root / "maildir" / "new" / name).write_bytes(raw)
    return raw


def _forward(a: Office, *, confidential: bool = False) -> tuple[str, Sent]:
    t = at("2026-11-25 09:00")
    a.complaint(t, "Tanggul sungai di belakang rumah kami retak, air mulai merembes.")
    a.run(t.replace(minute=1))
    ticket = a.ticket()
    a.sent()
    cells = {"Kewenangan": "Bukan Kewenangan", "Instansi_Tujuan": "BPBD"}
    if confidential:
        cells["Rahasiakan_Identitas"] = "Ya"
    a.edit(ticket, **cells)
    a.run(t.replace(minute=5))
    out = {s.kind: s for s in a.sent()}
    return ticket, out["salur_instansi"]


def _row(o: Office, ticket: str) -> dict[str, str]:
    return next(r for r in o.rows() if r[C.TICKET] == ticket)


def test_the_agency_registers_the_hand_off_and_its_status_comes_back(pair):
    a, b = pair
    a_ticket, fwd = _forward(a)
    assert fwd.message[HEADER] and fwd.message[SIG_HEADER]
    assert PAYLOAD_NAME in fwd.attachment_names()
    _deliver(b, fwd, "salur")

    b.run(at("2026-11-25 09:10"))
    row = b.rows()[-1]
    b_ticket = row[C.TICKET]
    assert row[C.CHANNEL] == "Penyaluran dari Dinsos Kota Blitar"
    assert (row[C.NAME], row[C.CONTACT]) == ("Budi Santoso", COMPLAINANT)
    assert "Tanggul sungai" in row[C.TEXT]
    assert a_ticket in row[C.NOTE]
    sent = b.sent()
    by = {s.kind: s for s in sent}
    assert ("tanda_terima", (PENGADU,)) in kinds(sent)  # the citizen hears from B itself
    ack = by["tanda_terima"].text()
    assert b_ticket in ack and "disalurkan kepada kami oleh Dinsos Kota Blitar" in ack
    status = by["status_penyaluran"]
    assert status.to == (a.s.mail_identity.from_address,)
    assert b_ticket in status.text() and COMPLAINANT not in status.text()

    _deliver(a, status, "status-1")
    a.run(at("2026-11-25 09:15"))
    tahap = _row(a, a_ticket)[C.STEP]
    assert f"Di BPBD Kabupaten Karanganyar: {b_ticket} — dicatat" in tahap
    hist = [h for h in a.history() if h["No. Aduan"] == a_ticket]
    assert any(h["Peristiwa"] == "Dicatat di BPBD Kabupaten Karanganyar" for h in hist), hist
    assert a.sent() == []  # the citizen was told by B; nothing more from A

    # B answers directly and closes: the outcome reaches A
    b.edit(b_ticket, Perlu_Tindak_Lanjut="Tidak", Tanggapan="Tim kami memeriksa tanggul besok.")
    b.run(at("2026-11-25 10:00"))
    sent = b.sent()
    assert ("jawaban_langsung", (PENGADU,)) in kinds(sent)
    closing = next(s for s in sent if s.kind == "status_penyaluran")
    assert "Tim kami memeriksa tanggul besok." in closing.text()
    _deliver(a, closing, "status-2")
    a.run(at("2026-11-25 10:05"))
    tahap = _row(a, a_ticket)[C.STEP]
    assert f"Di BPBD Kabupaten Karanganyar: {b_ticket} — Selesai (" in tahap, tahap
    assert a.sent() == []

    # the same hand-off delivered again (a resend): one row, not two
    _deliver(b, fwd, "salur-lagi")
    b.run(at("2026-11-25 10:10"))
    assert [r[C.TICKET] for r in b.rows()].count(b_ticket) == 1
    assert len(b.rows()) == 1


def test_a_confidential_complaint_is_handed_over_without_its_identity(pair):
    a, b = pair
    a_ticket, fwd = _forward(a, confidential=True)
    raw = _deliver(b, fwd, "salur")
    for secret in ("Budi", "Santoso", COMPLAINANT):
        assert secret.encode() not in raw, secret
    b.run(at("2026-11-25 09:10"))
    row = b.rows()[-1]
    assert row[C.CHANNEL].startswith("Penyaluran dari")
    assert row[C.CONFIDENTIAL] == "Ya" and row[C.CONTACT] == ""
    assert "Budi" not in json.dumps(row)
    sent = b.sent()
    assert "tanda_terima" not in {s.kind for s in sent}  # B has no way to reach the citizen
    status = next(s for s in sent if s.kind == "status_penyaluran")
    assert "melalui kantor Anda" in status.text()
    _deliver(a, status, "status-1")
    a.run(at("2026-11-25 09:15"))

    b_ticket = row[C.TICKET]
    b.edit(b_ticket, Perlu_Tindak_Lanjut="Tidak", Tanggapan="Tanggul akan diperbaiki pekan ini.")
    b.run(at("2026-11-25 10:00"))
    closing = next(s for s in b.sent() if s.kind == "status_penyaluran")
    _deliver(a, closing, "status-2")
    a.run(at("2026-11-25 10:05"))
    # A knows the citizen: A passes the agency's answer on
    told = a.sent()
    assert kinds(told) == [("hasil_instansi", (PENGADU,))]
    assert "Tanggul akan diperbaiki pekan ini." in told[0].text()


def _tampered(fwd: Sent, change) -> bytes:
    msg = email.message_from_bytes(fwd.message.as_bytes(), policy=default)
    assert isinstance(msg, EmailMessage)
    for part in msg.iter_attachments():
        if part.get_filename() == PAYLOAD_NAME:
            data = json.loads(part.get_content() if isinstance(part.get_content(), str)
                              else part.get_content().decode())  # fmt: skip
            change(data)
            part.set_content(
                json.dumps(data).encode(), maintype="application", subtype="json",
                filename=PAYLOAD_NAME,
            )  # fmt: skip
    return msg.as_bytes()


def test_an_altered_hand_off_is_kept_as_ordinary_mail_never_believed(pair):
    a, b = pair
    _a_ticket, fwd = _forward(a)

    def swap(d: dict) -> None:
        d["pengadu"] = {"nama": "Penyusup", "email": "penyusup@jahat.example", "telepon": ""}

    (b.root / "maildir" / "new" / "palsu").write_bytes(_tampered(fwd, swap))
    rep = b.run(at("2026-11-25 09:10"))
    row = b.rows()[-1]
    assert row[C.CHANNEL] == "Email"  # registered, but as the mail it is
    assert "Penyusup" not in json.dumps(row) and "penyusup@" not in row[C.CONTACT]
    assert row[C.CONTACT] == a.s.mail_identity.from_address
    assert any("tidak sama dengan yang ditandatangani" in p for p in rep.problems), rep.problems
    assert "status_penyaluran" not in {s.kind for s in b.sent()}


def test_a_stranger_cannot_forge_a_status(pair):
    a, b = pair
    a_ticket, _fwd = _forward(a)
    payload = {
        "jenis": "status",
        "tiket_asal": a_ticket,
        "tiket": "PALSU/1",
        "status": "ditutup",
        "hasil": "selesai",
    }
    data = payload_bytes(payload)
    header = header_value("status", B_ID, A_ID, a_ticket, data)
    msg = EmailMessage()
    msg["From"] = "aduan@bpbd.example.go.id"  # the agency's address, spoofed
    msg["To"] = a.s.mail_identity.from_address
    msg["Subject"] = f"[{a_ticket}] Aduan selesai"
    msg["Message-ID"] = "<palsu.1@jahat.example>"
    msg[HEADER] = header
    msg[SIG_HEADER] = sign(b"bukan-kunci-pemda-sama-sekali", header, msg["Message-ID"])
    msg.set_content("Aduan sudah selesai.")
    msg.add_attachment(data, maintype="application", subtype="json", filename=PAYLOAD_NAME)
    (a.root / "maildir" / "new" / "palsu").write_bytes(msg.as_bytes())
    a.run(at("2026-11-25 09:20"))
    assert "PALSU" not in _row(a, a_ticket)[C.STEP]
    hist = [h for h in a.history() if h["No. Aduan"] == a_ticket]
    assert any(h["Peristiwa"] == "Kabar penyaluran ditolak" for h in hist), hist
    assert len(a.rows()) == 1  # not a complaint either
