"""Both SOPs end to end through the real cycle (``aduan.run.cycle.run_cycle``), on both
register backends: a Maildir inbox, a file outbox, and the register as an .xlsx
file or as a Google Sheet on the local Sheets API server. Staff fill their
columns between cycles, as they would in Excel or in the browser."""

from __future__ import annotations

import email
import os
from datetime import datetime, timedelta
from email import policy
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import python_calamine

from aduan.core.layout import HISTORY_TAB, REGISTER_TAB, C, build_layout
from aduan.register.sheets import SheetsRegister, a1_col
from aduan.register.xlsx import XlsxRegister
from aduan.run.cycle import run_cycle
from aduan.run.wiring import sheets_register

WIB = ZoneInfo("Asia/Jakarta")
MON = datetime(2026, 11, 2, 8, 0, tzinfo=WIB)  # Monday 2 November 2026, office hours


def complaint(n: int, subject: str = "Pohon tumbang") -> bytes:
    return (
        f"From: Budi Santoso <warga{n}@desa.example.id>\r\nTo: aduan@example.go.id\r\n"
        f"Subject: {subject}\r\nMessage-ID: <e2e.{n}@desa.example.id>\r\n"
        f"Date: Mon, 02 Nov 2026 07:5{n}:00 +0700\r\n\r\n"
        "Ada pohon tumbang menutup Jl. Lawu, mohon segera ditangani.\r\n"
    ).encode()


def deliver(root: Path, n: int, data: bytes) -> None:
    for d in ("tmp", "new", "cur"):
        (root / d).mkdir(parents=True, exist_ok=True)
    tmp = root / "tmp" / f"{n}.e2e"
    tmp.write_bytes(data)
    os.rename(tmp, root / "new" / f"{n}.e2e")


class XlsxOffice:
    """The register as an .xlsx file; staff edit it with openpyxl."""

    def __init__(self, settings, layout) -> None:
        self.settings, self.layout = settings, layout
        self.path = settings.path(settings.register_.path)
        XlsxRegister(self.path, layout).init()

    def register(self):
        return None  # the cycle opens it from the settings, as cron does

    def table(self, tab: str) -> list[list[str]]:
        with python_calamine.CalamineWorkbook.from_path(str(self.path)) as wb:
            data = wb.get_sheet_by_name(tab).to_python(skip_empty_area=False)
        return [[str(v) if v not in (None, "") else "" for v in r] for r in data]

    def edit(self, ticket: str | None, cells: dict[str, str]) -> None:
        wb = openpyxl.load_workbook(self.path)
        ws = wb[REGISTER_TAB]
        heads = [c.value for c in ws[1]]
        if ticket is None:
            r = ws.max_row + 1
        else:
            r = next(i for i in range(2, ws.max_row + 1) if ws.cell(i, 1).value == ticket)
        for k, v in cells.items():
            ws.cell(r, heads.index(k) + 1, v)
        wb.save(self.path)

    def check_cost(self) -> None:
        pass


class SheetsOffice:
    """The register as a Google Sheet on the local server; staff type in the browser."""

    def __init__(self, settings, layout, server, key: str) -> None:
        self.settings, self.layout, self.server, self.key = settings, layout, server, key
        reg = self.register()
        reg.init()
        server.reset_counts()

    def register(self) -> SheetsRegister:
        # a new object per cycle, as each cron run is a new process
        return sheets_register(self.settings, self.layout, client=self.server.client())

    def table(self, tab: str) -> list[list[str]]:
        rows = self.server.cells(self.key, tab)
        width = max((len(r) for r in rows), default=0)
        return [[v or "" for v in r] + [""] * (width - len(r)) for r in rows]

    def edit(self, ticket: str | None, cells: dict[str, str]) -> None:
        rows = self.table(REGISTER_TAB)
        if ticket is None:
            r = len(rows) + 1
        else:
            r = next(i for i, row in enumerate(rows, 1) if row[0] == ticket)
        for k, v in cells.items():
            cell = f"{a1_col(rows[0].index(k))}{r}"
            self.server.set_cells(self.key, REGISTER_TAB, [[v]], cell)

    def check_cost(self) -> None:
        """Every cycle: one batched read, at most one batched write, nothing else."""
        kinds = [r.kind for r in self.server.requests]
        assert kinds in (["values.batchGet"], ["values.batchGet", "batchUpdate"]), kinds
        self.server.reset_counts()


@pytest.fixture(params=["xlsx", "sheets"])
def office(request, make_settings, tmp_path):
    def make(name: str):
        if request.param == "xlsx":
            s = make_settings(name)
            return s, XlsxOffice(s, build_layout(s.load_sop(), s.categories))
        server = request.getfixturevalue("sheets_server")
        key = server.create_spreadsheet(f"Register {name}", tabs=["Sheet1"])
        s = make_settings(name, register={"type": "google", "spreadsheet_id": key})
        return s, SheetsOffice(s, build_layout(s.load_sop(), s.categories), server, key)

    return make


class Run:
    """Cycles at increasing times; what each one sent."""

    def __init__(self, settings, office) -> None:
        self.settings, self.office = settings, office
        self.outbox = settings.path(settings.mail.outbox)
        self.seen: set[str] = set()

    def cycle(self, now: datetime):
        rep = run_cycle(self.settings, now=now, register=self.office.register())
        assert rep.problems == [], rep.problems
        self.office.check_cost()
        return rep

    def sent(self) -> list[tuple[str, str]]:
        """(To, Subject) of the emails written since the last call."""
        out = []
        for p in sorted(self.outbox.glob("**/*.eml")) if self.outbox.exists() else []:
            if p.name in self.seen:
                continue
            self.seen.add(p.name)
            msg = email.message_from_bytes(p.read_bytes(), policy=policy.default)
            out.append((str(msg["To"]), str(msg["Subject"])))
        return out

    def row(self, ticket: str) -> dict[str, str]:
        rows = self.office.table(REGISTER_TAB)
        return next(dict(zip(rows[0], r, strict=False)) for r in rows[1:] if r[0] == ticket)


def to(sent, who: str) -> int:
    return sum(1 for addr, _ in sent if who in addr)


def test_bpbd_end_to_end(office):
    s, reg = office("bpbd")
    run = Run(s, reg)
    deliver(s.path(s.inbox.path), 1, complaint(1))
    now = MON + timedelta(minutes=2)
    rep = run.cycle(now)
    assert rep.counts["registered_mail"] == 1
    t = "ADU/2026/11/0001"
    row = run.row(t)
    assert row[C.CHANNEL] == "Email" and row[C.CONTACT] == "warga1@desa.example.id"
    assert row[C.STEP].startswith("2. ") and row[C.STATUS] == "Diproses"
    sent = run.sent()
    assert to(sent, "warga1@desa.example.id") == 1 and to(sent, "petugas@") == 1
    assert run.cycle(now + timedelta(seconds=30)).counts["registered_mail"] == 0

    # a WhatsApp complaint typed by the officer gets the next number
    reg.edit(
        None,
        {
            C.CHANNEL: "WhatsApp",
            C.NAME: "Bu Ani",
            C.CONTACT: "081234567890",
            C.SUBJECT: "Banjir",
            C.TEXT: "Air masuk rumah",
        },
    )
    now += timedelta(minutes=1)
    rep = run.cycle(now)
    assert rep.counts["registered_typed"] == 1
    typed = run.row("ADU/2026/11/0002")
    assert typed[C.NAME] == "Bu Ani" and typed[C.CONTACT] == "081234567890"
    assert typed[C.CHANNEL] == "WhatsApp"

    plan = [
        ({"Perlu Tindak Lanjut": "Ya"}, "3. ", "petugas@"),
        ({"Kategori": "Bencana"}, "4. ", "kalak@"),
        ({"Disposisi": "Tim segera cek lokasi"}, "5. ", "tim@"),
        ({"Rencana Tindak Lanjut": "Kirim regu"}, "6. ", "tim@"),
        (
            {"Hasil Tindak Lanjut": "Pohon dipotong", "Jawaban untuk Pengadu": "Pohon dipotong"},
            "7. ",
            "tim@",
        ),
        ({"Laporan Pelaksanaan": "Selesai pukul 10"}, "Selesai", "kalak@"),
    ]
    for cells, tahap, who in plan:
        now += timedelta(minutes=3)
        reg.edit(t, cells)
        run.cycle(now)
        row = run.row(t)
        assert row[C.STEP].startswith(tahap), row[C.STEP]
        assert to(run.sent(), who) >= 1, (tahap, who)
        for k, v in cells.items():
            assert row[k] == v, "staff input is never overwritten"
    assert run.row(t)[C.STATUS] == "Selesai"
    docs = run.row(t)[C.DOCUMENTS].split("\n")
    assert any("laporan_pelaksanaan" in d for d in docs)
    assert all((s.path(s.paths.documents) / d).is_file() for d in docs)
    events = [r[2] for r in reg.table(HISTORY_TAB)[1:] if r[1] == t]
    assert events[0] == "Aduan diterima" and "Tahap 7 selesai" in events
    assert "Email terkirim" in events
    # fed its own output, a later cycle changes nothing and sends nothing
    before = reg.table(REGISTER_TAB)
    run.cycle(now + timedelta(seconds=10))
    assert reg.table(REGISTER_TAB) == before and run.sent() == []


def test_blitar_end_to_end_with_forwarding(office):
    s, reg = office("blitar")
    run = Run(s, reg)
    deliver(s.path(s.inbox.path), 1, complaint(1, "Bantuan sosial belum cair"))
    deliver(s.path(s.inbox.path), 2, complaint(2, "Jalan rusak"))
    now = MON + timedelta(minutes=2)
    run.cycle(now)
    t1, t2 = "ADU/2026/11/0001", "ADU/2026/11/0002"
    assert run.row(t1)[C.STEP].startswith("1. ") and run.row(t2)[C.STEP].startswith("1. ")
    run.sent()
    plan = [
        ({"Kewenangan": "Kewenangan Dinas"}, "2. ", "sekretaris@"),
        ({"Diteruskan ke Kepala Dinas": "ya"}, "3. ", "kadis@"),
        ({"Disposisi": "Rapatkan"}, "4. ", "tim@"),
        ({"Keputusan Penyelesaian": "Bantuan diberikan"}, "5. ", "tim@"),
        ({"Jawaban untuk Pengadu": "Bantuan disalurkan 20 November"}, "Selesai", "warga1@"),
    ]
    for cells, tahap, who in plan:
        now += timedelta(minutes=4)
        reg.edit(t1, cells)
        run.cycle(now)
        assert run.row(t1)[C.STEP].startswith(tahap), run.row(t1)[C.STEP]
        assert to(run.sent(), who) >= 1, (tahap, who)
    assert run.row(t1)[C.STATUS] == "Selesai"
    # the second complaint is not the office's: forwarded, the complainant told
    reg.edit(t2, {"Kewenangan": "Bukan Kewenangan", "Instansi Tujuan": "Dinas PUPR Kota Blitar"})
    now += timedelta(minutes=1)
    run.cycle(now)
    assert run.row(t2)[C.STATUS] == "Disalurkan"
    assert to(run.sent(), "warga2@") == 1
    assert any("formulir_penyaluran" in d for d in run.row(t2)[C.DOCUMENTS].split("\n"))


def test_staff_sorting_during_every_write_never_mixes_complaints(sheets_server, make_settings):
    """Through the real cycle: staff re-sort the sheet right before each cycle's
    write lands. Every row keeps its own state: the Data Sistem of a row always
    belongs to the complaint on that row (its receipt time matches the row's)."""
    from aduan.core.idfmt import tanggal_pendek
    from aduan.core.state import RowState

    key = sheets_server.create_spreadsheet("Register", tabs=["Sheet1"])
    s = make_settings("bpbd", register={"type": "google", "spreadsheet_id": key})
    office = SheetsOffice(s, build_layout(s.load_sop(), s.categories), sheets_server, key)
    for n in range(1, 6):
        deliver(s.path(s.inbox.path), n, complaint(n))
    rep = run_cycle(s, now=MON + timedelta(minutes=1), register=office.register())
    assert rep.counts["registered_mail"] == 5
    flip = {"desc": True}

    def sort(req) -> None:
        sheets_server.sort_rows(key, REGISTER_TAB, "E" if flip["desc"] else "A", flip["desc"])
        flip["desc"] = not flip["desc"]

    sheets_server.reset_counts()
    now = MON + timedelta(minutes=1)
    tickets = [f"ADU/2026/11/000{i}" for i in range(1, 6)]
    for i, t in enumerate(tickets):
        now += timedelta(minutes=1)
        office.edit(t, {"Perlu Tindak Lanjut": "Ya" if i % 2 else "Tidak"})
        sheets_server.before_request(sort, match="batchUpdate", once=True)
        rep = run_cycle(s, now=now, register=office.register())
        assert rep.problems == [], rep.problems
        assert not [x for x in rep.log if x.startswith("dilewati")], rep.log
    assert sheets_server.count("values.batchGet") > len(tickets), "writes were repaired"
    rows = office.table(REGISTER_TAB)
    head = rows[0]
    seen = set()
    for r in rows[1:]:
        row = dict(zip(head, r, strict=False))
        st = RowState.loads(row[C.STATE])
        assert tanggal_pendek(st.received) == row[C.RECEIVED], row[C.TICKET]
        want = "3. " if row["Perlu Tindak Lanjut"] == "Ya" else "2. "
        assert row[C.STEP].startswith(want), (row[C.TICKET], row[C.STEP])
        seen.add(row[C.TICKET])
    assert seen == set(tickets)
