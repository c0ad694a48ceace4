"""End to end through the embedded default: Maildir -> xlsx register -> file outbox,
with real cycles on a frozen clock and staff editing the .xlsx between runs."""

from __future__ import annotations

import email
import email.policy
import shutil
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from aduan.core.layout import HISTORY_TAB, REGISTER_TAB, C, build_layout
from aduan.core.state import RowState
from aduan.inbox.parse import parse_message
from aduan.run.cycle import run_cycle
from aduan.run.wiring import open_inbox, open_register
from tests.conftest import require_corpus

WIB = ZoneInfo("Asia/Jakarta")
T0 = datetime(2026, 11, 2, 8, 0, tzinfo=WIB)  # Monday


def complaint(n: int, subject: str, sender: str = "warga@contoh.id") -> bytes:
    return (
        f"From: Warga {n} <{sender}>\r\nTo: aduan@example.go.id\r\nSubject: {subject}\r\n"
        f"Message-ID: <c{n}@contoh.id>\r\nDate: Mon, 02 Nov 2026 07:58:00 +0700\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        f"Mohon ditindaklanjuti: {subject}.\r\n"
    ).encode()


def deliver(settings, name: str, raw: bytes) -> None:
    md = settings.path(settings.inbox.path)
    for sub in ("new", "cur", "tmp"):
        (md / sub).mkdir(parents=True, exist_ok=True)
    (md / "tmp" / name).write_bytes(raw)
    (md / "tmp" / name).rename(md / "new" / name)


def staff_edit(path: Path, ticket: str, cells: dict[str, str]) -> None:
    """What a staff member does in LibreOffice: type into staff columns of a row."""
    wb = openpyxl.load_workbook(path)
    ws = wb[REGISTER_TAB]
    cols = {c.value: c.column for c in ws[1]}
    for row in ws.iter_rows(min_row=2):
        if row[cols[C.TICKET] - 1].value == ticket:
            for k, v in cells.items():
                ws.cell(row=row[0].row, column=cols[k], value=v)
            break
    else:
        raise AssertionError(f"{ticket} not in register")
    wb.save(path)


def rows(path: Path, tab: str = REGISTER_TAB) -> list[dict[str, str]]:
    data = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(tab).to_python()
    head = [str(h) for h in data[0]]
    return [dict(zip(head, (str(v) for v in r), strict=False)) for r in data[1:] if any(r)]


def outbox(settings) -> list[email.message.EmailMessage]:
    folder = settings.path(settings.mail.outbox)
    return [
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
        for p in sorted(folder.glob("*.eml"))
    ]


def setup_office(make_settings, name: str):
    s = make_settings(name)
    reg = open_register(s, build_layout(s.load_sop(), s.categories))
    reg.init()
    reg.close()
    return s


SCRIPTS = {
    "bpbd": [
        ({"Perlu Tindak Lanjut": "Ya"}, "3.", "petugas@bpbd.example.go.id"),
        ({"Kategori": "Bencana"}, "4.", "kalak@bpbd.example.go.id"),
        ({"Disposisi": "Tim cek lokasi"}, "5.", "tim@bpbd.example.go.id"),
        ({"Rencana Tindak Lanjut": "Berangkat 09.00"}, "6.", "tim@bpbd.example.go.id"),
        (
            {
                "Hasil Tindak Lanjut": "Pohon sudah dipotong",
                "Jawaban untuk Pengadu": "Pohon sudah dipotong",
            },
            "7.",
            "tim@bpbd.example.go.id",
        ),
        ({"Laporan Pelaksanaan": "Dilaporkan ke Kalak"}, "Selesai", "kalak@bpbd.example.go.id"),
    ],
    "blitar": [
        ({"Kewenangan": "Kewenangan Dinas"}, "2.", "sekretaris@dinsos.example.go.id"),
        ({"Diteruskan ke Kepala Dinas": "Ya"}, "3.", "kadis@dinsos.example.go.id"),
        ({"Disposisi": "Rapatkan segera"}, "4.", "tim@dinsos.example.go.id"),
        ({"Keputusan Penyelesaian": "Diberi bantuan"}, "5.", "tim@dinsos.example.go.id"),
        ({"Jawaban untuk Pengadu": "Disampaikan kepada pengadu"}, "Selesai", "warga@contoh.id"),
    ],
}
FIRST_TASK = {"bpbd": "petugas@bpbd.example.go.id", "blitar": "petugas@dinsos.example.go.id"}
DOCS = {
    "bpbd": [
        "03-formulir_aduan.docx",
        "04-lembar_disposisi.docx",
        "05-rencana_tindak_lanjut.docx",
        "07-laporan_pelaksanaan.docx",
    ],
    "blitar": [
        "01-formulir_aduan.docx",
        "03-lembar_disposisi.docx",
        "04-hasil_keputusan.docx",
        "05-berita_acara.docx",
    ],
}


@pytest.mark.parametrize("name", ["bpbd", "blitar"])
def test_sop_end_to_end_on_the_embedded_default(make_settings, name):
    s = setup_office(make_settings, name)
    reg_path = s.path(s.register_.path)
    deliver(s, "m1", complaint(1, "Pohon tumbang di jalan desa"))
    rep = run_cycle(s, now=T0)
    assert rep.problems == []
    (row,) = rows(reg_path)
    ticket = row[C.TICKET]
    assert ticket == "ADU/2026/11/0001"
    first = outbox(s)
    assert sorted(m["To"] for m in first) == sorted(["warga@contoh.id", FIRST_TASK[name]])
    ack = next(m for m in first if m["To"] == "warga@contoh.id")
    assert ticket in ack["Subject"] and ack["Auto-Submitted"] == "auto-generated"
    now = T0
    for cells, tahap, notified in SCRIPTS[name]:
        seen = {m["Message-ID"] for m in outbox(s)}
        staff_edit(reg_path, ticket, cells)
        now += timedelta(minutes=3)
        rep = run_cycle(s, now=now)
        assert rep.problems == [], rep.problems
        (row,) = rows(reg_path)
        assert row[C.STEP].startswith(tahap), (cells, row[C.STEP])
        new = [m for m in outbox(s) if m["Message-ID"] not in seen]
        assert notified in [m["To"] for m in new], (cells, [m["To"] for m in new])
        if tahap != "Selesai":
            st = RowState.loads(row[C.STATE])
            assert row[C.DEADLINE] == st.deadline.strftime("%d/%m/%Y %H.%M")
    (row,) = rows(reg_path)
    assert row[C.STATUS] == "Selesai" and row[C.LATE] == "Tidak"
    docs = sorted(p.name for p in s.path(s.paths.documents).rglob("*.docx"))
    assert docs == DOCS[name]
    assert row[C.DOCUMENTS].count(".docx") == len(DOCS[name])
    # every step reached in order, recorded in Riwayat
    events = [h["Peristiwa"] for h in rows(reg_path, HISTORY_TAB) if h["No. Aduan"] == ticket]
    n_steps = max(st.number for st in s.load_sop().steps)  # an office-added wait shares one
    for i in range(1, n_steps + 1):
        assert events.index(f"Tahap {i} dimulai") < events.index(f"Tahap {i} selesai")
    assert events[-1] in ("Aduan ditutup", "Email terkirim")
    # one more run flushes the send records; after that nothing changes at all
    run_cycle(s, now=now + timedelta(minutes=5))
    mtime = reg_path.stat().st_mtime_ns
    n_mail = len(outbox(s))
    rep = run_cycle(s, now=now + timedelta(minutes=10))
    assert reg_path.stat().st_mtime_ns == mtime, "a run with nothing to do must not rewrite"
    assert len(outbox(s)) == n_mail and rep.problems == []


def test_typed_row_late_step_escalates_to_the_head(make_settings):
    s = setup_office(make_settings, "blitar")
    reg_path = s.path(s.register_.path)
    wb = openpyxl.load_workbook(reg_path)
    ws = wb[REGISTER_TAB]
    cols = {c.value: c.column for c in ws[1]}
    for k, v in {
        C.CHANNEL: "WhatsApp",
        C.NAME: "Pak Darto",
        C.CONTACT: "0857 3311 2200",
        C.TEXT: "BPNT tidak cair",
    }.items():
        ws.cell(row=2, column=cols[k], value=v)
    wb.save(reg_path)
    run_cycle(s, now=T0)
    (row,) = rows(reg_path)
    assert row[C.TICKET] == "ADU/2026/11/0001" and row[C.CONTACT] == "0857 3311 2200"
    # nobody acts on step 1 (5 minutes): reminder, then the secretary, then the head
    for minutes in (5, 10, 15):
        run_cycle(s, now=T0 + timedelta(minutes=minutes))
    # (the acknowledgement for this WhatsApp complainant is a relay task: issue 16)
    to = [m["To"] for m in outbox(s) if m["X-Aduan-Kind"] != "kabar"]
    # task + a reminder on each of the three rungs; the superiors told from rung 2
    assert to.count("petugas@dinsos.example.go.id") == 4
    assert "sekretaris@dinsos.example.go.id" in to
    assert "kadis@dinsos.example.go.id" in to
    (row,) = rows(reg_path)
    assert row[C.LATE] == "Ya"


def test_night_mail_acknowledged_at_once_staff_told_at_opening(make_settings):
    s = setup_office(make_settings, "bpbd")
    deliver(s, "m1", complaint(1, "Banjir malam hari"))
    night = datetime(2026, 11, 2, 22, 0, tzinfo=WIB)
    run_cycle(s, now=night)
    assert [m["To"] for m in outbox(s)] == ["warga@contoh.id"]
    run_cycle(s, now=night + timedelta(hours=2))
    assert len(outbox(s)) == 1, "no midnight task email"
    run_cycle(s, now=datetime(2026, 11, 3, 7, 30, tzinfo=WIB))
    assert sorted(m["To"] for m in outbox(s)) == ["petugas@bpbd.example.go.id", "warga@contoh.id"]


def test_register_open_in_libreoffice_defers_without_losing_mail(make_settings):
    s = setup_office(make_settings, "bpbd")
    reg_path = s.path(s.register_.path)
    lock = reg_path.with_name(f".~lock.{reg_path.name}#")
    lock.write_text("staf,komputer-depan,01.11.2026 08:00,staf;")
    deliver(s, "m1", complaint(1, "Pohon tumbang"))
    rep = run_cycle(s, now=T0)
    assert rep.exit_code == 1 and any("register" in p for p in rep.problems)
    assert rows(reg_path) == [] and outbox(s) == []
    box = open_inbox(s)
    assert len(box.poll()) == 1, "the mail stays in the inbox until its row is written"
    lock.unlink()
    rep = run_cycle(s, now=T0 + timedelta(minutes=5))
    assert [r[C.TICKET] for r in rows(reg_path)] == ["ADU/2026/11/0001"]
    assert open_inbox(s).poll() == []


def test_every_corpus_email_goes_through_intake(make_settings):
    corpus = require_corpus()
    s = setup_office(make_settings, "bpbd")
    files = sorted(
        p
        for p in corpus.rglob("*")
        if p.is_file()
        and p.suffix in (".eml", ".txt")
        and p.name not in ("INDEX.md", "LICENSE-NOTE.txt", "LICENSE")
    )
    assert len(files) > 100
    for i, p in enumerate(files):
        deliver(s, f"corpus{i:03d}", p.read_bytes())
    rep = run_cycle(s, now=T0)
    assert rep.problems == [], rep.problems[:5]
    reg_rows = rows(s.path(s.register_.path))
    registered = {r[C.SOURCE] for r in reg_rows}
    md = s.path(s.inbox.path)
    processed = list((md / ".Diproses").glob("*/*"))
    quarantined = [p for p in (md / ".Karantina").glob("*/*")]
    assert open_inbox(s).poll() == [], "nothing left unhandled"
    assert len(processed) + len(quarantined) == len(files), "nothing silently dropped"
    for p in quarantined:
        assert (md / ".Karantina" / f"{p.name.split(':')[0]}.alasan.txt").exists()
    kinds = {}
    for p in processed:
        mail = parse_message(p.read_bytes(), p.name)
        kinds[mail.kind] = kinds.get(mail.kind, 0) + 1
        if mail.kind == "complaint":
            assert mail.message_id in registered, f"{p.name}: complaint not registered"
    assert kinds.get("bounce", 0) >= 8 and kinds.get("delay", 0) >= 2, kinds
    assert len(reg_rows) == len(registered)


def test_second_concurrent_run_exits_at_once(make_settings):
    from aduan.errors import RunLocked
    from aduan.run.cycle import lock

    s = setup_office(make_settings, "bpbd")
    held = lock(s)
    held.acquire()
    try:
        with pytest.raises(RunLocked, match="run lain sedang berjalan"):
            run_cycle(s, now=T0)
    finally:
        held.release()
    assert run_cycle(s, now=T0).exit_code == 0


def test_demo_month_leaves_both_offices_files(tmp_path):
    from aduan.demo.run import run_demo

    out: list[str] = []
    res = run_demo(tmp_path / "demo", echo=out.append)
    assert [r.office_id for r in res] == ["bpbd-karanganyar", "dinsos-blitar", "dpupr-karanganyar"]
    for r in res:
        tickets = [row for row in r.rows if row.get(C.TICKET)]
        assert len(tickets) >= 12
        statuses = {row[C.STATUS] for row in tickets}
        assert {"Selesai", "Disalurkan", "Diproses"} <= statuses
        assert {row[C.LATE] for row in tickets} == {"Ya", "Tidak"}
        assert {row[C.CHANNEL] for row in tickets} >= {"Email", "Telepon", "Formulir Online"}
        names = [p.name for p in (r.root / "outbox").glob("*.eml")]
        for kind in (
            "tanda_terima",
            "tugas",
            "pengingat",
            "eskalasi",
            "hasil",
            "penyaluran",
            "balasan_pengadu",
            "pantulan",
        ):
            assert any(f"-{kind}-" in n for n in names), f"{r.office_id}: no {kind} email"
        assert r.documents >= 10
        assert (r.root / "register.xlsx").exists()
        assert r.recap is not None and r.recap.exists()
        assert not r.problems, r.problems[:3]
    shutil.rmtree(tmp_path / "demo")
