"""Crash anywhere: a run SIGKILLed at any boundary loses nothing and doubles nothing.

Each scenario is one office (Dinsos Blitar SOP, Maildir + xlsx + file outbox).
Phase 1: three complaints arrive; a run is killed at the boundary, the next
run (no crash) finishes. Phase 2: staff fill the register so the complaints
cross later steps (documents, forwarding, the head's disposition); again a
run is killed at the same boundary and the next one finishes. A reference
office runs the same script without crashes; the crashed offices must end
with the same register rows and the same set of emails (by Message-ID).

The runs are the real CLI (``aduan --config X run --now T``) in forked child
processes of the test (a fork skips the 0.8 s of imports a fresh interpreter
pays; the child is a separate process all the same, and SIGKILL leaves it no
chance to clean up). All offices run concurrently.

The file outbox names a message by its Message-ID and recipients and replaces
the file when the same message is sent again, so a second send shows as a new
inode of the same file: that is how duplicates are counted.
"""

from __future__ import annotations

import contextlib
import email
import os
import signal
import sys
import zipfile
from collections.abc import Iterator
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import openpyxl
import pytest
import yaml
from docx import Document

from aduan.config import load_settings
from aduan.core.ids import REGISTER_ID_META, message_id
from aduan.core.layout import REGISTER_TAB, C, build_layout
from aduan.core.state import tracked_rows
from aduan.register.sheets import SheetsRegister, a1_col
from aduan.run.wiring import open_register
from aduan.support.crash import CRASH_ENV
from tests.conftest import settings_dict
from tests.sheets_server import SheetsServer
from tests.test_register_sheets import key_file

# (crash point, how often the boundary may pass before the kill)
POINTS = [
    "after_poll",
    "before_documents",
    "mid_document",
    "mid_document:2",
    "before_write",
    "after_write",
    "before_mark",
    "mid_send:2",
    "after_send",
]

# documents and sends do not depend on the backend: on Sheets, the register's boundaries
SHEETS_POINTS = ["after_poll", "before_write", "after_write", "before_mark", "after_send"]
_REAL_INIT = SheetsRegister.__init__

PHASE1 = ("2026-11-24T09:01", "2026-11-24T09:02")  # a Tuesday, office hours
PHASE2 = ("2026-11-24T09:03", "2026-11-24T09:04")

COMPLAINTS = [
    ("Siti Aminah", "siti@contoh.id", "Bantuan sosial belum cair"),
    ("Budi Santoso", "budi@contoh.id", "Jalan berlubang di Sananwetan"),
    ("Rina Wati", "rina@contoh.id", "Lansia terlantar di Kepanjenkidul"),
]

# phase 2: what staff type, per complaint (crosses steps 1 -> 2, 1 -> close, 1 -> 4)
EDITS = [
    {"Kewenangan": "Kewenangan Dinas"},
    {"Kewenangan": "Bukan Kewenangan", "Instansi Tujuan": "Dinas PUPR Kota Blitar"},
    {
        "Kewenangan": "Kewenangan Dinas",
        "Diteruskan ke Kepala Dinas": "Ya",
        "Disposisi": "Segera rapat tim, kunjungi lokasi",
    },
]


def _mail(i: int, name: str, addr: str, subject: str) -> bytes:
    m = EmailMessage()
    m["From"] = f"{name} <{addr}>"
    m["To"] = "aduan@blitar.example.go.id"
    m["Subject"] = subject
    m["Date"] = "Tue, 24 Nov 2026 09:00:00 +0700"
    m["Message-ID"] = f"<crash-{i}@contoh.id>"
    m.set_content(f"Yth. Dinas Sosial,\n\n{subject}. Mohon ditindaklanjuti.\n\n{name}\n")
    m.add_attachment(b"%PDF-1.4 bukti\n", maintype="application", subtype="pdf", filename="ktp.pdf")
    return m.as_bytes()


class Office:
    """One office folder and what its runs left behind."""

    def __init__(self, root: Path, crash: str | None, server: SheetsServer | None = None) -> None:
        self.root, self.crash, self.server = root, crash, server
        root.mkdir(parents=True)
        self.config = root / "settings.yaml"
        data = settings_dict(root, "blitar")
        if server:
            self.key = server.create_spreadsheet("Register Dinsos", tabs=["Sheet1"])
            data["register"] = {
                "type": "google",
                "spreadsheet_id": self.key,
                "credentials_file": str(key_file(root)),
            }
        self.config.write_text(yaml.safe_dump(data, allow_unicode=True))
        self.settings = load_settings(self.config)
        self._local_sheets()
        reg = open_register(self.settings, build_layout(self.settings.load_sop(), []))
        try:
            reg.init()
        finally:
            reg.close()
        md = root / "maildir"
        for d in ("new", "cur", "tmp"):
            (md / d).mkdir(parents=True, exist_ok=True)
        for i, c in enumerate(COMPLAINTS):
            (md / "new" / f"crash-{i}").write_bytes(_mail(i, *c))
        self.codes: list[int] = []
        self.rewrites: list[list[str]] = []  # per run: outbox files replaced (= sent again)
        self._inodes: dict[str, int] = {}

    @property
    def outbox(self) -> Path:
        return self.root / "outbox"

    def _local_sheets(self) -> None:
        """Point the Sheets backend at the local server (gspread's transport only;
        the CLI, the cycle and SheetsRegister run unchanged)."""
        if not self.server:
            return
        server, real = self.server, _REAL_INIT

        def init(reg, settings, layout, **kw):
            kw.setdefault("client", server.client())
            kw.setdefault("backoff_s", 0.001)
            real(reg, settings, layout, **kw)

        SheetsRegister.__init__ = init  # the fixture puts the real one back

    def start(self, now: str, crash: bool) -> int:
        """Fork a child that runs `aduan run`; return its pid."""
        log = self.root / f"run-{now[-5:].replace(':', '')}.log"
        pid = os.fork()
        if pid:
            return pid
        code = 70
        try:  # the child: never return into pytest
            fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
            os.dup2(fd, 1)
            os.dup2(fd, 2)
            sys.stdout = sys.stderr = open(fd, "w", closefd=False)  # noqa: SIM115 (pytest swapped them)
            self._local_sheets()
            if crash and self.crash:
                os.environ[CRASH_ENV] = self.crash
            else:
                os.environ.pop(CRASH_ENV, None)
            from aduan.cli import cli

            cli.main(["--config", str(self.config), "run", "--now", now], prog_name="aduan")
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else 1
        except BaseException:
            import traceback

            traceback.print_exc()
        finally:
            os._exit(code)

    def finished(self, status: int) -> None:
        self.codes.append(os.waitstatus_to_exitcode(status))
        now = {p.name: p.stat().st_ino for p in self.outbox.glob("*.eml")}
        self.rewrites.append([n for n, ino in now.items() if self._inodes.get(n, ino) != ino])
        self._inodes = now

    def edit(self) -> None:
        """Staff fill their columns (openpyxl load + save, as LibreOffice would; or
        typed into the Google Sheet)."""
        if self.server:
            head, *data = self._table(REGISTER_TAB)
            for r, row in enumerate(data, start=2):
                for i, cells in enumerate(EDITS):
                    if f"<crash-{i}@contoh.id>" in row:
                        for k, v in cells.items():
                            a1 = f"{a1_col(head.index(k))}{r}"
                            self.server.set_cells(self.key, REGISTER_TAB, [[v]], a1)
            return
        path = self.root / "register.xlsx"
        wb = openpyxl.load_workbook(path)
        ws = wb[REGISTER_TAB]
        cols = {cell.value: cell.column for cell in ws[1]}
        for row in ws.iter_rows(min_row=2):
            src = row[cols[C.SOURCE] - 1].value or ""
            for i, cells in enumerate(EDITS):
                if src == f"<crash-{i}@contoh.id>":
                    for k, v in cells.items():
                        ws.cell(row=row[0].row, column=cols[k], value=v)
        wb.save(path)

    # ------------------------------------------------------------ what is left
    def _table(self, tab: str) -> list[list[str]]:
        assert self.server
        return [["" if v is None else str(v) for v in r] for r in self.server.cells(self.key, tab)]

    def rows(self) -> list[dict[str, str]]:
        if self.server:
            head, *data = self._table(REGISTER_TAB)
            return [dict(zip(head, r + [""] * (len(head) - len(r)), strict=True)) for r in data]
        wb = openpyxl.load_workbook(self.root / "register.xlsx", read_only=True)
        try:
            ws = wb[REGISTER_TAB]
            it = ws.iter_rows(values_only=True)
            head = next(it)
            return [
                {h: ("" if v is None else str(v)) for h, v in zip(head, r, strict=False) if h}
                for r in it
                if any(v not in (None, "") for v in r)
            ]
        finally:
            wb.close()

    def history_keys(self) -> list[str]:
        if self.server:
            head, *data = self._table("Riwayat")
            k = head.index("Kunci")
            return [r[k] for r in data if len(r) > k and r[k]]
        wb = openpyxl.load_workbook(self.root / "register.xlsx", read_only=True)
        try:
            rows = list(wb["Riwayat"].iter_rows(values_only=True))
        finally:
            wb.close()
        k = rows[0].index("Kunci")
        return [r[k] for r in rows[1:] if r and r[k]]

    def message_ids(self) -> dict[str, str]:
        """outbox file name -> Message-ID (every file must parse)."""
        out = {}
        for p in sorted(self.outbox.glob("*.eml")):
            msg = email.message_from_bytes(p.read_bytes(), policy=default)
            assert msg["Message-ID"], p
            assert msg.get_body(("plain",)) is not None, f"{p.name}: no text body"
            out[p.name] = str(msg["Message-ID"])
        return out

    def message_keys(self) -> list[str]:
        """The outbox's Message-IDs as the idempotency keys they were made from with this
        register's own id (issue 17: two registers never share a Message-ID)."""
        reg = open_register(self.settings, build_layout(self.settings.load_sop(), []))
        try:
            snap = reg.read()
        finally:
            reg.close()
        rid = snap.meta.get(REGISTER_ID_META, "")
        assert rid, "the register has no id of its own"
        domain = self.settings.mail_identity.from_address.rpartition("@")[2]
        keys = {
            message_id(f"{t}|{s}", domain, rid): f"{t}|{s}"
            for t, _row, st in tracked_rows(snap.rows)
            for s in st.sent
        }
        return sorted(keys.get(m, m) for m in self.message_ids().values())

    def documents(self) -> list[str]:
        docs = sorted((self.root / "dokumen").rglob("*.docx"))
        for p in docs:
            assert zipfile.is_zipfile(p), f"half-written document {p}"
            Document(str(p))  # opens as Word would
        return [str(p.relative_to(self.root / "dokumen")) for p in docs]


def _run_all(offices: list[Office], now: str, crash: bool) -> None:
    pids = {o.start(now, crash): o for o in offices}
    while pids:
        pid, status = os.wait()
        if pid in pids:
            pids.pop(pid).finished(status)


@pytest.fixture(scope="module", params=["xlsx", "sheets"])
def offices(request, tmp_path_factory) -> Iterator[dict[str | None, Office]]:
    base = tmp_path_factory.mktemp(f"crash-{request.param}")
    with contextlib.ExitStack() as stack:
        server = stack.enter_context(SheetsServer()) if request.param == "sheets" else None
        stack.callback(setattr, SheetsRegister, "__init__", _REAL_INIT)
        yield _play(base, server)
        if server and server.errors:
            pytest.fail("sheets_server errors:\n" + "\n".join(server.errors))


def _play(base: Path, server: SheetsServer | None) -> dict[str | None, Office]:
    all_ = [Office(base / "ref", None, server)] + [
        Office(base / p.replace(":", "-"), p, server) for p in (SHEETS_POINTS if server else POINTS)
    ]
    for phase in (PHASE1, PHASE2):
        if phase is PHASE2:
            for o in all_:
                o.edit()
        _run_all(all_, phase[0], crash=True)
        _run_all(all_, phase[1], crash=False)
    return {o.crash: o for o in all_}


def test_reference_run_crosses_the_steps(offices):
    ref = offices[None]
    assert ref.codes == [0, 0, 0, 0], [p.read_text() for p in ref.root.glob("run-*.log")]
    rows = {r[C.SOURCE]: r for r in ref.rows()}
    assert len(rows) == 3
    # staff edits moved each complaint on: step 2, forwarded (closed), step 4
    assert rows["<crash-0@contoh.id>"][C.STEP].startswith("2.")
    assert rows["<crash-1@contoh.id>"][C.STATUS] == "Disalurkan"
    assert rows["<crash-2@contoh.id>"][C.STEP].startswith("4.")
    kinds = {n.split("-")[2] for n in ref.message_ids()}
    assert {"tanda_terima", "tugas", "penyaluran"} <= kinds
    docs = {d.rsplit("/", 1)[-1].split("-", 1)[1] for d in ref.documents()}
    assert docs == {"formulir_aduan.docx", "formulir_penyaluran.docx", "lembar_disposisi.docx"}
    assert not any(ref.rewrites)  # without a crash nothing is ever sent twice


@pytest.mark.parametrize("point", POINTS)
def test_crash_then_rerun(offices, point):
    if point not in offices:
        pytest.skip("a boundary that does not depend on the register: tested on xlsx")
    ref, o = offices[None], offices[point]
    logs = "\n".join(p.read_text() for p in sorted(o.root.glob("run-*.log")))
    # the crashed runs died by SIGKILL (or passed no such boundary), the reruns finished
    assert o.codes[1] == 0 and o.codes[3] == 0, logs
    assert o.codes[0] in (0, -signal.SIGKILL) and o.codes[2] in (0, -signal.SIGKILL), logs
    assert -signal.SIGKILL in (o.codes[0], o.codes[2]), f"{point} was never reached"

    # every complaint exactly once, in the same state as without the crash
    rows = o.rows()
    assert sorted(r[C.SOURCE] for r in rows) == sorted(r[C.SOURCE] for r in ref.rows())
    assert len({r[C.TICKET] for r in rows}) == 3
    # (deadlines may differ by the minute the killed run lost)
    keep = (C.TICKET, C.SOURCE, C.STEP, C.STATUS, C.ASSIGNEE, C.DOCUMENTS, C.ATTACHMENTS)
    by_src = {r[C.SOURCE]: {k: r.get(k) for k in keep} for r in rows}
    ref_src = {r[C.SOURCE]: {k: r.get(k) for k in keep} for r in ref.rows()}
    assert by_src == ref_src
    hist = o.history_keys()
    twice = sorted(k for k in set(hist) if hist.count(k) > 1)
    assert not twice, f"logged twice in Riwayat: {twice}"
    assert set(hist) >= {k for k in ref.history_keys() if "|kirim" not in k}

    # every email the SOP implies was sent; a duplicate is only the one in flight
    keys = o.message_keys()
    assert all("|" in k for k in keys), keys  # each made from this register's id
    assert keys == ref.message_keys()
    in_flight = 1 if point.startswith("after_send") else 0
    assert all(len(r) <= in_flight for r in o.rewrites), o.rewrites

    # no half-written document, register or spool entry; the mails are processed
    assert o.documents() == ref.documents()
    assert not list((o.root / "maildir" / "new").iterdir())
    assert not list((o.root / "maildir" / "cur").iterdir())
    assert len(list((o.root / "maildir" / ".Diproses" / "cur").iterdir())) == 3
    spool = o.root / "state" / "spool"
    assert not list(spool.glob("staged/*.json")) and not list(spool.glob("failed/*.json"))
