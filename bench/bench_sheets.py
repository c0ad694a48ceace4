"""Benchmark the Google Sheets register against the local Sheets API server.

Prints one ``name: value unit`` line per figure, for registers of 100, 1,000 and
10,000 rows:

* ``sheets_requests_steady_<n>``: API requests of one cycle's register work
  (read, then write a tenth of the rows changed, two new complaints, their
  Riwayat events and a counter) through :class:`aduan.register.sheets.SheetsRegister`;
* ``sheets_requests_naive_<n>``: the same changes made by a straightforward
  gspread script (open, ``get_all_values``, one ``update`` per changed row run,
  ``append_rows``, ``update_cell`` per meta key);
* ``cycle_steady_10k_s``: wall time of one real cycle (``run_cycle``: one new
  email, five rows edited by staff) on a 10,000-row register, local server.

Not a test: Google's latency (~100-300 ms a request) is not simulated, so the
request counts are the figure that transfers to production.
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import yaml  # noqa: E402

from aduan.config import load_settings  # noqa: E402
from aduan.core.engine import decide  # noqa: E402
from aduan.core.layout import HISTORY_TAB, META_TAB, REGISTER_TAB, C, build_layout  # noqa: E402
from aduan.core.model import InboundMail, RowUpdate, Snapshot, WriteSet  # noqa: E402
from aduan.run.cycle import run_cycle  # noqa: E402
from aduan.run.wiring import engine_config, sheets_register  # noqa: E402
from tests.conftest import settings_dict  # noqa: E402
from tests.sheets_server import SheetsServer  # noqa: E402

SIZES = (100, 1_000, 10_000)
WIB = ZoneInfo("Asia/Jakarta")
MON = datetime(2026, 11, 2, 8, 0, tzinfo=WIB)
TEXT = (
    "Jalan di depan rumah kami rusak berat sejak banjir minggu lalu; mohon segera "
    "ditindaklanjuti karena membahayakan pengendara motor dan anak sekolah. "
)


def office(root: Path, key: str):
    data = settings_dict(root, "bpbd", register={"type": "google", "spreadsheet_id": key})
    f = root / "settings.yaml"
    f.write_text(yaml.safe_dump(data, allow_unicode=True))
    return load_settings(f)


def mail(n: int, when: datetime) -> InboundMail:
    return InboundMail(
        source_key=f"k{n}",
        message_id=f"<bench.{n}@desa.example.id>",
        from_addr=f"warga{n}@desa.example.id",
        from_name=f"Warga {n}",
        subject="Jalan rusak",
        date=when,
        text=TEXT,
    )


def engine_rows(settings, layout, n: int) -> tuple[list[dict[str, str]], dict[str, str]]:
    """``n`` complaints as the engine itself writes them (step 2, waiting for the
    officer): one decided for real, then copied under new numbers."""
    sop = settings.load_sop()
    cfg = engine_config(settings, sop, layout, settings.calendar())
    d = decide(Snapshot(layout.headers, [], {}), [mail(1, MON)], cfg, MON)
    template = d.writes.appends[0]
    t1, src1 = template[C.TICKET], template[C.SOURCE]
    rows = []
    for i in range(1, n + 1):
        t = f"ADU/2026/11/{i:04d}"
        rows.append(
            {
                k: v.replace(t1, t).replace(src1, f"<bench.{i}@desa.example.id>")
                for k, v in template.items()
            }
        )
    return rows, {"seq:2026-11": str(n)}


def seed(server: SheetsServer, settings, layout, rows, meta) -> None:
    key = settings.register_.spreadsheet_id
    sheets_register(settings, layout, client=server.client()).init()
    table = [[r.get(h, "") for h in layout.headers] for r in rows]
    server.set_cells(key, REGISTER_TAB, table, "A2")
    server.set_cells(key, META_TAB, [[k, v] for k, v in meta.items()], "A6")


def changes(rows: list[dict[str, str]]) -> WriteSet:
    """What a busy cycle writes: a tenth of the rows turn late, two new complaints."""
    ws = WriteSet()
    for r in rows[::10]:
        values = {C.LATE: "Ya", C.STATUS: "Diproses", C.STATE: r[C.STATE] + " "}
        ws.updates.append(RowUpdate(values, ticket=r[C.TICKET]))
        ws.history.append({"No. Aduan": r[C.TICKET], "Peristiwa": "Pengingat terkirim"})
    for i in (1, 2):
        t = f"ADU/2026/11/9{i:04d}"
        ws.appends.append({C.TICKET: t, C.NAME: f"Baru {i}", C.TEXT: TEXT, C.STATUS: "Baru"})
        ws.history.append({"No. Aduan": t, "Peristiwa": "Aduan diterima"})
    ws.meta["seq:2026-11"] = str(len(rows) + 2)
    return ws


def naive(server: SheetsServer, key: str, layout, ws: WriteSet) -> None:
    """The same changes the way a first gspread script would make them."""
    gc = server.client()
    sh = gc.open_by_key(key)
    sheet = sh.worksheet(REGISTER_TAB)
    values = sheet.get_all_values()
    col = {h: i + 1 for i, h in enumerate(values[0])}
    where = {r[0]: i + 1 for i, r in enumerate(values)}
    for upd in ws.updates:
        r = where[upd.ticket]
        cols = sorted(col[k] for k in upd.values)
        runs: list[list[int]] = []
        for c in cols:
            if runs and runs[-1][-1] == c - 1:
                runs[-1].append(c)
            else:
                runs.append([c])
        by_col = {col[k]: v for k, v in upd.values.items()}
        for run in runs:
            if len(run) == 1:
                sheet.update_cell(r, run[0], by_col[run[0]])
            else:
                a1 = f"{_letter(run[0])}{r}:{_letter(run[-1])}{r}"
                sheet.update([[by_col[c] for c in run]], a1, raw=True)
    sheet.append_rows([[a.get(h, "") for h in values[0]] for a in ws.appends])
    sh.worksheet(HISTORY_TAB).append_rows(
        [[e.get(h, "") for h in ("Waktu", "No. Aduan", "Peristiwa")] for e in ws.history]
    )
    meta = sh.worksheet(META_TAB)
    keys = [r[0] for r in meta.get_all_values()]
    for k, v in ws.meta.items():
        meta.update_cell(keys.index(k) + 1 if k in keys else len(keys) + 1, 2, v)


def _letter(c: int) -> str:
    out = ""
    while c:
        c, rem = divmod(c - 1, 26)
        out = chr(65 + rem) + out
    return out


def requests_figures(n: int) -> tuple[int, int]:
    with tempfile.TemporaryDirectory() as d, SheetsServer() as server:
        counts = []
        for mode in ("steady", "naive"):
            key = server.create_spreadsheet(f"Register {mode}", tabs=["Sheet1"])
            root = Path(d) / mode
            root.mkdir()
            settings = office(root, key)
            layout = build_layout(settings.load_sop(), settings.categories)
            rows, meta = engine_rows(settings, layout, n)
            seed(server, settings, layout, rows, meta)
            ws = changes(rows)
            server.reset_counts()
            if mode == "steady":
                reg = sheets_register(settings, layout, client=server.client())
                reg.read()
                res = reg.write(ws)
                assert res.updated == len(ws.updates) and not res.skipped, res
            else:
                naive(server, key, layout, ws)
            counts.append(server.count())
        return counts[0], counts[1]


def cycle_seconds(n: int) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as d, SheetsServer() as server:
        key = server.create_spreadsheet("Register", tabs=["Sheet1"])
        root = Path(d)
        settings = office(root, key)
        layout = build_layout(settings.load_sop(), settings.categories)
        rows, meta = engine_rows(settings, layout, n)
        for r in rows[100:105]:  # five complaints the officer triaged since the last run
            r["Perlu Tindak Lanjut"] = "Tidak"
            r["Tanggapan"] = "Sudah kami jawab lewat telepon."
        seed(server, settings, layout, rows, meta)
        inbox = settings.path(settings.inbox.path)
        for sub in ("tmp", "new", "cur"):
            (inbox / sub).mkdir(parents=True, exist_ok=True)
        (inbox / "new" / "1.bench").write_bytes(
            b"From: Warga <warga@desa.example.id>\r\nSubject: Lampu jalan mati\r\n"
            b"Message-ID: <bench.new@desa.example.id>\r\n\r\nLampu jalan di RT 2 mati.\r\n"
        )
        server.reset_counts()
        t0 = time.perf_counter()
        rep = run_cycle(
            settings,
            now=MON + timedelta(minutes=3),
            register=sheets_register(settings, layout, client=server.client()),
        )
        seconds = time.perf_counter() - t0
        assert not rep.problems, rep.problems
        assert rep.counts["registered_mail"] == 1 and rep.counts["rows"] == n, rep.counts
        busy = (seconds, server.count())
        # then the steady state cron sees most of the day: nothing new, nothing due
        # (one more cycle first logs the emails the busy one sent)
        reg = sheets_register(settings, layout, client=server.client())
        run_cycle(settings, now=MON + timedelta(minutes=3), register=reg)
        server.reset_counts()
        t0 = time.perf_counter()
        rep = run_cycle(settings, now=MON + timedelta(minutes=3), register=reg)
        steady = (time.perf_counter() - t0, server.count())
        assert not rep.problems, rep.problems
        return busy, steady


def main() -> None:
    for n in SIZES:
        steady, naive_n = requests_figures(n)
        print(f"sheets_requests_steady_{n}: {steady} requests")
        print(f"sheets_requests_naive_{n}: {naive_n} requests")
    (busy_s, busy_n), (steady_s, steady_n) = cycle_seconds(10_000)
    print(f"cycle_steady_10k_s: {steady_s:.2f} s")
    print(f"cycle_steady_10k_requests: {steady_n} requests")
    # a cycle with work: five rows triaged by staff, one new email
    print(f"cycle_busy_10k_s: {busy_s:.2f} s")
    print(f"cycle_busy_10k_requests: {busy_n} requests")


if __name__ == "__main__":
    main()
