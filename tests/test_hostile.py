"""Hostile and broken input, one table: every case with its expected outcome.

Mail cases: the hostile email and an ordinary complaint arrive in the same
run. Staff cases: an ordinary complaint is registered, staff do something odd
to the register, then the next run also takes a new ordinary complaint. Every
case must end with a clear logged outcome, the run finishing (exit 0 or 1;
the one exception is a renamed register tab, where the run refuses with the
documented exit code 4 and touches nothing), and the ordinary complaint
registered and acknowledged as usual.

The runs are the real :func:`aduan.run.cycle.run_cycle` in-process (the crash and
lock tests cover the CLI process); big inputs are generated in tmp_path.
"""

from __future__ import annotations

import base64
import email
import io
import logging
import os
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import openpyxl
import pytest

from aduan.core.layout import REGISTER_TAB, C, build_layout
from aduan.errors import RegisterError
from aduan.run.cycle import run_cycle
from aduan.run.wiring import open_register

NOW = datetime.fromisoformat("2026-11-24T09:10:00+07:00")  # a Tuesday, office hours
LATER = datetime.fromisoformat("2026-11-24T09:20:00+07:00")
OFFICE = "aduan@blitar.example.go.id"
MB = 1024 * 1024
ORDINARY = "Warga Biasa <warga@contoh.id>"


# ------------------------------------------------------------------ the office
@dataclass
class Outcome:
    """What a run left: exit code, register rows, Riwayat, outbox, logs, files."""

    root: Path
    code: int
    logs: str
    rows: list[dict[str, str]] = field(default_factory=list)
    history: list[dict[str, str]] = field(default_factory=list)
    sent: list[EmailMessage] = field(default_factory=list)

    def row(self, source: str) -> dict[str, str]:
        found = [r for r in self.rows if r.get(C.SOURCE) == source]
        assert len(found) == 1, f"{source}: {len(found)} rows"
        return found[0]

    def files(self) -> list[Path]:
        return sorted(p for p in (self.root / "lampiran").rglob("*") if p.is_file())

    def mails_to(self, addr: str) -> list[EmailMessage]:
        return [m for m in self.sent if addr in str(m["To"])]


def _mail(
    mid: str,
    *,
    sender: str = "Penguji <penguji@contoh.id>",
    subject: str = "Lampu jalan mati",
    body: str = "Lampu jalan di RT 02 mati sejak seminggu.",
    date: str = "Tue, 24 Nov 2026 09:05:00 +0700",
) -> EmailMessage:
    m = EmailMessage()
    m["From"] = sender
    m["To"] = OFFICE
    m["Subject"] = subject
    m["Date"] = date
    m["Message-ID"] = f"<{mid}@contoh.id>"
    m.set_content(body)
    return m


class Office:
    def __init__(self, settings, root: Path) -> None:
        self.s, self.root = settings, root
        reg = open_register(settings, build_layout(settings.load_sop(), settings.categories))
        try:
            reg.init()
        finally:
            reg.close()
        self.maildir = root / "maildir"
        for d in ("new", "cur", "tmp"):
            (self.maildir / d).mkdir(parents=True, exist_ok=True)
        self.xlsx = root / "register.xlsx"

    def deliver(self, name: str, raw: bytes) -> None:
        (self.maildir / "tmp" / name).write_bytes(raw)
        (self.maildir / "tmp" / name).rename(self.maildir / "new" / name)

    def run(self, now: datetime, caplog) -> Outcome:
        caplog.clear()
        try:
            rep = run_cycle(self.s, now=now)
            code, text = rep.exit_code, "\n".join(rep.problems + rep.log)
        except RegisterError as e:  # the CLI turns this into exit 4
            code, text = 4, str(e)
        out = Outcome(self.root, code, text + "\n" + caplog.text)
        wb = openpyxl.load_workbook(self.xlsx, read_only=True)
        try:
            tabs = {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}
        finally:
            wb.close()
        for name, key in ((REGISTER_TAB, "rows"), ("Riwayat", "history")):
            data = tabs.get(name) or [()]
            head = [str(h or "") for h in data[0]]
            setattr(
                out,
                key,
                [
                    {h: "" if v is None else str(v) for h, v in zip(head, r, strict=False)}
                    for r in data[1:]
                ],
            )
        # what staff read in Riwayat is part of the logged outcome
        out.logs += "\n".join(h.get("Keterangan", "") for h in out.history)
        out.sent = [
            email.message_from_bytes(p.read_bytes(), policy=default)
            for p in sorted((self.root / "outbox").glob("*.eml"))
        ]
        return out

    # staff at the keyboard (openpyxl, as LibreOffice would save it)
    def edit(self, fn: Callable) -> None:
        wb = openpyxl.load_workbook(self.xlsx)
        fn(wb)
        wb.save(self.xlsx)


def _col(ws, header: str) -> int:
    return next(c.column for c in ws[1] if c.value == header)


def _row_of(ws, ticket: str) -> int:
    col = _col(ws, C.TICKET)
    return next(r for r in range(2, ws.max_row + 1) if ws.cell(r, col).value == ticket)


def _set(ticket: str, **cells: str) -> Callable:
    def fn(wb):
        ws = wb[REGISTER_TAB]
        r = _row_of(ws, ticket)
        for k, v in cells.items():
            ws.cell(r, _col(ws, k.replace("_", " "))).value = v

    return fn


def _formulas(xlsx: Path) -> list[str]:
    """Every <f> element in the workbook's sheets: a formula anyone could have put there."""
    with zipfile.ZipFile(xlsx) as z:
        return [
            n
            for n in z.namelist()
            if n.startswith("xl/worksheets/") and re.search(rb"<(\w+:)?f[ >]", z.read(n))
        ]


def _ordinary_is_fine(out: Outcome, mid: str = "<biasa@contoh.id>") -> None:
    """The other complaint of the run is registered and acknowledged as always."""
    row = out.row(mid)
    assert row[C.TICKET].startswith("ADU/2026/11/")
    assert row[C.SUBJECT] == "Lampu jalan mati"
    acks = [m for m in out.mails_to("warga@contoh.id") if m["X-Aduan-Kind"] == "tanda_terima"]
    assert len(acks) == 1 and row[C.TICKET] in str(acks[0]["Subject"])


# ------------------------------------------------------------ hostile emails
FORMULA = '=HYPERLINK("http://jahat.example/x","klik")'


def m_formula(tmp: Path) -> bytes:
    m = _mail(
        "rumus",
        sender='"=1+2" <rumus@contoh.id>',
        subject=FORMULA,
        body="=cmd|' /C calc'!A0\n+SUM(1,2)\n@IMPORTXML(x)\n-2+3",
    )
    m.add_attachment(b"x", maintype="text", subtype="plain", filename="=1+1.txt")
    return m.as_bytes()


def x_formula(out: Outcome) -> None:
    row = out.row("<rumus@contoh.id>")
    assert row[C.SUBJECT] == FORMULA  # kept as the text the person wrote
    assert row[C.NAME] == "=1+2"
    assert row[C.TEXT].startswith("=cmd|")
    assert "=1+1.txt" in row[C.ATTACHMENTS]
    assert _formulas(out.root / "register.xlsx") == []  # stored as text, never a formula


BAD_NAMES = [
    "../../../../etc/passwd",
    "/etc/shadow",
    "..\\..\\windows\\win.ini",
    "nul\x00byte.pdf",
    "CON.txt",
    "aux",
    "LPT1.doc",
    "a" * 500 + ".jpg",
    "\u202egpj.exe",  # right-to-left override: looks like exe.jpg
]


def m_names(tmp: Path) -> bytes:
    m = _mail("nama", sender="Nama Berkas <nama@contoh.id>", subject="Berkas bukti")
    for i, name in enumerate(BAD_NAMES):
        m.add_attachment(
            f"bukti {i}".encode(), maintype="application", subtype="octet-stream", filename=name
        )
    return m.as_bytes()


def x_names(out: Outcome) -> None:
    row = out.row("<nama@contoh.id>")
    folder = out.root / "lampiran" / "2026" / row[C.TICKET].replace("/", "-")
    saved = [p for p in out.files() if p.parent == folder and p.name != "email-asli.eml"]
    assert len(saved) == len(BAD_NAMES)  # every one kept, under a safe name
    assert sorted(p.read_bytes() for p in saved) == sorted(
        f"bukti {i}".encode() for i in range(len(BAD_NAMES))
    )
    for p in saved:
        n = p.name
        assert p.resolve().parent == folder.resolve()
        assert "/" not in n and "\\" not in n and "\x00" not in n and "\u202e" not in n
        assert n.split(".")[0].upper() not in {"CON", "AUX", "NUL", "LPT1"}, n
        assert len(n.encode()) <= 240 and not n.startswith(".")
    assert not (out.root / "etc").exists() and not Path("/etc/passwd").read_bytes().startswith(
        b"bukti"
    )


def m_crlf(tmp: Path) -> bytes:
    # encoded words that decode to CR/LF: a header-injection attempt on our replies
    return (
        b"From: =?utf-8?q?Budi=0D=0AX-Jahat=3A_1?= <crlf@contoh.id>\r\n"
        b"To: " + OFFICE.encode() + b"\r\n"
        b"Subject: =?utf-8?q?Jalan_rusak=0D=0ABcc:_korban@contoh.id=0D=0A=0D=0Aisi?=\r\n"
        b"Date: Tue, 24 Nov 2026 09:05:00 +0700\r\n"
        b"Message-ID: <crlf@contoh.id>\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
        b"Jalan rusak parah.\r\n"
    )


def x_crlf(out: Outcome) -> None:
    row = out.row("<crlf@contoh.id>")
    assert "\n" not in row[C.SUBJECT] and "\r" not in row[C.SUBJECT]
    assert "\n" not in row[C.NAME] and "\r" not in row[C.NAME]
    for m in out.sent:
        assert m["Bcc"] is None and "korban" not in str(m["To"]) + str(m["Cc"] or "")
        assert "\n" not in str(m["Subject"])
    assert row[C.CONTACT] == "crlf@contoh.id" and row[C.NAME] == "Budi X-Jahat: 1"
    assert len(out.mails_to("crlf@contoh.id")) == 1
    assert not [m for m in out.sent if m["X-Jahat"] is not None]


def m_at_in_name(tmp: Path) -> bytes:
    # an encoded display name that holds an address: the <angle address> is the sender
    return (
        b"From: =?utf-8?q?Budi_korban@contoh.id?= <pengirim@contoh.id>\r\n"
        b"To: " + OFFICE.encode() + b"\r\n"
        b"Subject: Alamat di nama\r\n"
        b"Date: Tue, 24 Nov 2026 09:05:00 +0700\r\n"
        b"Message-ID: <nama-alamat@contoh.id>\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
        b"Isi.\r\n"
    )


def x_at_in_name(out: Outcome) -> None:
    row = out.row("<nama-alamat@contoh.id>")
    assert row[C.CONTACT] == "pengirim@contoh.id", row[C.CONTACT]
    assert not [m for m in out.sent if "korban" in str(m["To"])]


def m_big_body(tmp: Path) -> bytes:
    line = "Saluran air tersumbat di depan rumah warga sejak hujan deras kemarin. "
    return _mail(
        "besar", subject="Isi sangat panjang", body=line * (10 * MB // len(line))
    ).as_bytes()


def x_big_body(out: Outcome) -> None:
    row = out.row("<besar@contoh.id>")
    assert 30_000 <= len(row[C.TEXT]) < 32_767  # an xlsx cell holds 32,767 characters
    assert "dipotong" in row[C.TEXT]
    orig = [p for p in out.files() if p.name == "email-asli.eml" and "0001" in str(p.parent)]
    assert orig and orig[0].stat().st_size > 10 * MB  # the whole email is kept


def m_big_attachment(tmp: Path) -> bytes:
    # written by hand: EmailMessage folds 50 MB of base64 in Python, which takes seconds
    video = base64.encodebytes(os.urandom(1024) * (50 * 1024)).replace(b"\n", b"\r\n")
    return (
        b"From: Penguji <penguji@contoh.id>\r\nTo: " + OFFICE.encode() + b"\r\n"
        b"Subject: Video kejadian\r\nDate: Tue, 24 Nov 2026 09:05:00 +0700\r\n"
        b"Message-ID: <lampiran-besar@contoh.id>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nVideo banjir terlampir.\r\n"
        b'--b\r\nContent-Type: video/mp4\r\nContent-Disposition: attachment; filename="video.mp4"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\n" + video + b"--b\r\n"
        b'Content-Type: image/jpeg\r\nContent-Disposition: attachment; filename="foto.jpg"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\nZm90bw==\r\n--b--\r\n"
    )


def x_big_attachment(out: Outcome) -> None:
    row = out.row("<lampiran-besar@contoh.id>")
    assert "video.mp4" in row[C.ATTACHMENTS] and "tidak disimpan" in row[C.ATTACHMENTS]
    assert "foto.jpg" in row[C.ATTACHMENTS]
    files = out.files()
    assert [p.stat().st_size for p in files if p.name == "foto.jpg"] == [4]
    assert not [p for p in files if p.name == "video.mp4"]
    # nor inside a copy of the whole email: it stays in the inbox only
    assert all(p.stat().st_size < MB for p in files), [(p.name, p.stat().st_size) for p in files]


def _zip_bomb() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr("isi.txt", bytes(100 * MB))  # 100 MB of zeros in ~100 kB
    return buf.getvalue()


def m_zip_bomb(tmp: Path) -> bytes:
    m = _mail("bom", subject="Dokumen pendukung")
    bomb = _zip_bomb()
    (tmp / "bom.zip").write_bytes(bomb)
    m.add_attachment(bomb, maintype="application", subtype="zip", filename="dokumen.zip")
    return m.as_bytes()


def x_zip_bomb(out: Outcome) -> None:
    out.row("<bom@contoh.id>")
    saved = [p for p in out.files() if p.name == "dokumen.zip"]
    bomb = (out.root.parent / "bom.zip").read_bytes()
    assert len(saved) == 1 and saved[0].read_bytes() == bomb  # kept as received, never opened
    assert not [p for p in out.files() if p.name == "isi.txt"]
    assert sum(p.stat().st_size for p in out.files()) < 5 * MB


def m_charsets(tmp: Path) -> bytes:
    return (
        b"From: =?koi8-r?b?8NLJ18XU?= =?iso-8859-1?q?J=F6rg?= <charset@contoh.id>\r\n"
        b"To: " + OFFICE.encode() + b"\r\n"
        b"Subject: =?utf-8?b?SmFsYW4g/v4gcnVzYWs=?= =?x-unknown?q?caf=E9?= \xff\xfe mentah\r\n"
        b"Date: Tue, 24 Nov 2026 09:05:00 +0700\r\n"
        b"Message-ID: <charset@contoh.id>\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        b"Bagian utf-8 rusak: \xc3\x28 \xa0\xa1 \xf0\x28\x8c\x28 selesai.\r\n"
        b"--b\r\nContent-Type: text/plain; charset=windows-1252\r\n\r\n"
        b"Bagian cp1252: caf\xe9 \x93kutip\x94\r\n"
        b"--b\r\nContent-Type: text/plain; charset=bogus-charset-9\r\n\r\n"
        b"Bagian charset palsu \xe9\r\n"
        b"--b--\r\n"
    )


def x_charsets(out: Outcome) -> None:
    row = out.row("<charset@contoh.id>")
    assert "Jörg" in row[C.NAME] and "Привет" in row[C.NAME]
    assert "Jalan" in row[C.SUBJECT] and "mentah" in row[C.SUBJECT]
    text = row[C.TEXT]
    assert "Bagian utf-8 rusak" in text and "selesai" in text
    assert "café “kutip”" in text and "Bagian charset palsu" in text


def m_recipients(tmp: Path) -> bytes:
    m = _mail("penerima", subject="Surat berantai")
    del m["To"]
    m["To"] = ", ".join(f"orang{i}@contoh.id" for i in range(1000))
    m["Cc"] = ", ".join(f"tembusan{i}@contoh.id" for i in range(1000))
    return m.as_bytes()


def x_recipients(out: Outcome) -> None:
    row = out.row("<penerima@contoh.id>")
    # the acknowledgement goes to the sender only, never to the 2,000 others
    acks = [
        m
        for m in out.sent
        if row[C.TICKET] in str(m["Subject"]) and m["X-Aduan-Kind"] == "tanda_terima"
    ]
    assert len(acks) == 1 and str(acks[0]["To"]) == "penguji@contoh.id" and acks[0]["Cc"] is None
    assert not any("orang1@" in str(m["To"]) + str(m["Cc"] or "") for m in out.sent)


def m_headers(tmp: Path) -> bytes:
    junk = b"".join(b"X-Sampah-%d: nilai %d\r\n" % (i, i) for i in range(10_000))
    return junk + _mail("kepala", subject="Banyak kepala surat").as_bytes()


def x_headers(out: Outcome) -> None:
    row = out.row("<kepala@contoh.id>")
    assert row[C.SUBJECT] == "Banyak kepala surat"


def m_future(tmp: Path) -> bytes:
    return _mail(
        "masa-depan", subject="Dari masa depan", date="Fri, 01 Jan 2038 10:00:00 +0700"
    ).as_bytes()


def x_future(out: Outcome) -> None:
    row = out.row("<masa-depan@contoh.id>")
    assert row[C.RECEIVED] == "24/11/2026 09.10"  # the arrival run's time, not 2038


def m_1970(tmp: Path) -> bytes:
    return _mail("epoch", subject="Dari 1970", date="Thu, 01 Jan 1970 00:00:00 +0000").as_bytes()


def x_1970(out: Outcome) -> None:
    row = out.row("<epoch@contoh.id>")
    assert row[C.RECEIVED] == "24/11/2026 09.10"
    assert row[C.LATE] != "Ya"  # not 56 years late


def m_garbage(tmp: Path) -> bytes:
    return b"\x00\xff\xfe" * 1000 + b"\r\n\r\n\x00 bukan email"


def x_garbage(out: Outcome) -> None:
    # parsed as a headerless message: registered for a person to read, flagged,
    # and never answered (there is no one to answer)
    row = next(r for r in out.rows if "bukan email" in r.get(C.TEXT, ""))
    assert row[C.CONTACT] == "" and row[C.TICKET].startswith("ADU/2026/11/")
    assert not [
        m
        for m in out.sent
        if m["X-Aduan-Kind"] == "tanda_terima" and row[C.TICKET] in str(m["Subject"])
    ]


# ------------------------------------------------------------- staff actions
def s_unknown_status(o: Office, ticket: str) -> None:
    o.edit(_set(ticket, Status="Beres deh", Kewenangan="Terserah saya"))


def x_unknown_status(out: Outcome, ticket: str) -> None:
    row = next(r for r in out.rows if r[C.TICKET] == ticket)
    assert row[C.STATUS] == "Baru"  # a system column: the tool puts its own value back
    assert row[C.STEP].startswith("1.")  # an unknown choice moves nothing


def s_bad_date(o: Office, ticket: str) -> None:
    def fn(wb):
        ws = wb[REGISTER_TAB]
        r = ws.max_row + 1
        for k, v in (
            (C.CHANNEL, "WhatsApp"),
            (C.NAME, "Pak Tani"),
            (C.CONTACT, "0812-3456-7890"),
            (C.SUBJECT, "Irigasi rusak"),
            (C.TEXT, "Saluran irigasi jebol."),
            (C.RECEIVED, "kemarin sore jam 3"),
        ):
            ws.cell(r, _col(ws, k)).value = v

    o.edit(fn)
    o.edit(_set(ticket, Tenggat="31/02/2026 25.99"))


def x_bad_date(out: Outcome, ticket: str) -> None:
    typed = next(r for r in out.rows if r[C.SUBJECT] == "Irigasi rusak")
    assert typed[C.TICKET].startswith("ADU/2026/11/")
    assert typed[C.RECEIVED] == "24/11/2026 09.20"  # unreadable: the time it was found
    row = next(r for r in out.rows if r[C.TICKET] == ticket)
    assert row[C.DEADLINE] == "24/11/2026 09.10"  # the tool's own deadline is back


def s_delete_header(o: Office, ticket: str) -> None:
    def fn(wb):
        ws = wb[REGISTER_TAB]
        ws.cell(1, _col(ws, "Kewenangan")).value = None

    o.edit(fn)


def x_delete_header(out: Outcome, ticket: str) -> None:
    assert out.code == 1 and "Kewenangan" in out.logs


def s_rename_tab(o: Office, ticket: str) -> None:
    def fn(wb):
        wb[REGISTER_TAB].title = "Sheet1"

    o.edit(fn)


def x_rename_tab(out: Outcome, ticket: str) -> None:
    assert out.code == 4 and REGISTER_TAB in out.logs
    # nothing was taken: the new mail waits in the inbox for the repaired register
    assert len(list((out.root / "maildir" / "new").iterdir())) == 1


def s_delete_row(o: Office, ticket: str) -> None:
    o.edit(_set(ticket, Kewenangan="Kewenangan Dinas"))  # step 2 ...
    o.run(datetime.fromisoformat("2026-11-24T09:15:00+07:00"), _NoLog())

    def fn(wb):  # ... then the row is deleted
        ws = wb[REGISTER_TAB]
        ws.delete_rows(_row_of(ws, ticket))

    o.edit(fn)


def x_delete_row(out: Outcome, ticket: str) -> None:
    assert not [r for r in out.rows if r[C.TICKET] == ticket]
    assert ticket in out.logs  # said out loud, not silently forgotten


def s_formula_cells(o: Office, ticket: str) -> None:
    o.edit(
        _set(
            ticket,
            Kewenangan="Kewenangan Dinas",
            Catatan='=HYPERLINK("http://jahat.example","x")',
            Instansi_Tujuan="=1+1",
        )
    )


def x_formula_cells(out: Outcome, ticket: str) -> None:
    row = next(r for r in out.rows if r[C.TICKET] == ticket)
    assert row[C.STEP].startswith("2.")
    # what the tool wrote stays text; the staff's own formula cells are theirs
    assert all("=" not in v for k, v in row.items() if k in (C.STEP, C.STATUS, C.DEADLINE))
    tugas = [m for m in out.sent if m["X-Aduan-Kind"] == "tugas" and ticket in str(m["Subject"])]
    assert tugas


class _NoLog:
    text = ""

    def clear(self) -> None:
        pass


# ------------------------------------------------------------------ the table
MAIL_CASES = {
    # id: (build the raw email, check the outcome, what the log must say)
    "formula_injection": (m_formula, x_formula, ""),
    "attachment_names": (m_names, x_names, ""),
    "crlf_in_headers": (m_crlf, x_crlf, ""),
    "at_sign_in_encoded_name": (m_at_in_name, x_at_in_name, ""),
    "body_10mb": (m_big_body, x_big_body, ""),
    "attachment_50mb": (m_big_attachment, x_big_attachment, "MB melebihi 25 MB; tidak disalin"),
    "zip_bomb": (m_zip_bomb, x_zip_bomb, ""),
    "invalid_utf8_mixed_charsets": (m_charsets, x_charsets, ""),
    "recipients_1000": (m_recipients, x_recipients, ""),
    "headers_10000": (m_headers, x_headers, ""),
    "date_future": (m_future, x_future, "tanggal email 2038-01-01T10:00:00+07:00 tidak wajar"),
    "date_1970": (m_1970, x_1970, "implausible date 'Thu, 01 Jan 1970"),
    "not_an_email": (m_garbage, x_garbage, "no sender address"),
}

STAFF_CASES = {
    "unknown_status": (s_unknown_status, x_unknown_status, "'Terserah saya' bukan pilihan"),
    "date_wrong_format": (s_bad_date, x_bad_date, "Diterima 'kemarin sore jam 3' tidak terbaca"),
    "header_deleted": (s_delete_header, x_delete_header, "kolom 'Kewenangan' tidak ditemukan"),
    "tab_renamed": (s_rename_tab, x_rename_tab, "tab 'Register Aduan' tidak ditemukan"),
    "row_deleted_mid_sop": (s_delete_row, x_delete_row, "hilang dari register"),
    "formula_in_staff_cells": (s_formula_cells, x_formula_cells, ""),
}


def _spec(v):
    return v.values[0] if hasattr(v, "values") else v


@pytest.fixture
def office(make_settings, tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="aduan")
    s = make_settings("blitar")
    return Office(s, tmp_path / "blitar")


@pytest.mark.parametrize(
    "case",
    [pytest.param(k, marks=v.marks) if hasattr(v, "marks") else k for k, v in MAIL_CASES.items()],
)
def test_hostile_mail(office, caplog, tmp_path, case):
    build, check, said = _spec(MAIL_CASES[case])
    office.deliver("hostile", build(tmp_path))
    office.deliver("biasa", _mail("biasa", sender=ORDINARY).as_bytes())
    out = office.run(NOW, caplog)
    assert out.code in (0, 1), out.logs
    assert "Traceback" not in out.logs
    check(out)
    if said:
        assert said in out.logs, out.logs
    _ordinary_is_fine(out)
    # both mails were consumed: nothing is left to trip the next run
    assert not list((office.maildir / "new").iterdir())


@pytest.mark.parametrize(
    "case",
    [pytest.param(k, marks=v.marks) if hasattr(v, "marks") else k for k, v in STAFF_CASES.items()],
)
def test_staff_does_something_odd(office, caplog, case):
    act, check, said = _spec(STAFF_CASES[case])
    office.deliver("pertama", _mail("pertama", sender="Bu Ani <ani@contoh.id>").as_bytes())
    first = office.run(NOW, caplog)
    ticket = first.row("<pertama@contoh.id>")[C.TICKET]
    act(office, ticket)
    office.deliver("biasa", _mail("biasa", sender=ORDINARY).as_bytes())
    out = office.run(LATER, caplog)
    assert "Traceback" not in out.logs
    check(out, ticket)
    if said:
        assert said in out.logs, out.logs
    if case != "tab_renamed":
        assert out.code in (0, 1), out.logs
        _ordinary_is_fine(out)
