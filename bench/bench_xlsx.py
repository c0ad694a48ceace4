"""Benchmark the xlsx register on a 10,000-row, 30-column register.

Prints one ``name: value unit`` line per figure: our read() (calamine), a
write() of one update (openpyxl load + atomic save) and a bare openpyxl load
for comparison. Not a test.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import openpyxl  # noqa: E402

from aduan.layout import C, Column, build_layout  # noqa: E402
from aduan.model import RowUpdate, WriteSet  # noqa: E402
from aduan.sop import load_sop  # noqa: E402
from aduan.xlsx import XlsxRegister  # noqa: E402

ROWS = 10_000
COLUMNS = 30
HISTORY_ROWS = 50_000
TEXT = (
    "Jalan di depan rumah kami rusak berat sejak banjir minggu lalu; mohon segera "
    "ditindaklanjuti karena membahayakan pengendara motor dan anak sekolah. "
)


def timed(fn, repeat: int = 3) -> float:
    """Median wall time of ``repeat`` calls."""
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs)


def build(path: Path) -> XlsxRegister:
    layout = build_layout(load_sop(REPO / "config/sop/bpbd-karanganyar.yaml"))
    for i in range(COLUMNS - len(layout.columns)):
        layout.columns.insert(-2, Column(f"Kolom Staf {i + 1}", "staff"))
    reg = XlsxRegister(path, layout)
    reg.init()
    wb = openpyxl.load_workbook(path)
    ws = wb["Register Aduan"]
    headers = layout.headers
    for n in range(ROWS):
        row = {
            C.TICKET: f"ADU/2026/{n // 1000 + 1:02d}/{n:04d}",
            C.RECEIVED: "2026-11-03 09:05",
            C.CHANNEL: "Email",
            C.NAME: f"Pengadu {n}",
            C.CONTACT: f"08123{n:06d}",
            C.SUBJECT: "Jalan rusak",
            C.TEXT: TEXT * 2,
            C.CATEGORY: "Infrastruktur",
            C.STEP: "3. Mencatat aduan",
            C.STATUS: "Diproses",
            C.LATE: "Tidak",
            C.STATE: '{"step": "catat", "started": "2026-11-03T09:05:00+07:00", "rung": 0}',
        }
        ws.append([row.get(h, "x" if h.startswith("Kolom Staf") else None) for h in headers])
    wb.save(path)
    return reg


def add_history(path: Path, n: int) -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb["Riwayat"]
    for i in range(n):
        ws.append(
            ["2026-11-03 09:05", f"ADU/2026/11/{i // 5:04d}", "tahap", "sistem", TEXT, f"k{i}"]
        )
    wb.save(path)


def main() -> None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "register.xlsx"
        reg = build(path)
        assert len(reg.read().rows) == ROWS
        read_s = timed(reg.read)
        write_s = timed(
            lambda: reg.write(
                WriteSet(updates=[RowUpdate({C.STATUS: "Selesai"}, ticket="ADU/2026/06/5000")])
            )
        )
        load_s = timed(lambda: openpyxl.load_workbook(path))
        size_mb = path.stat().st_size / 1e6
        add_history(path, HISTORY_ROWS)
        hist_s = timed(
            lambda: reg.write(
                WriteSet(updates=[RowUpdate({C.STATUS: "Diproses"}, ticket="ADU/2026/06/5000")])
            ),
            repeat=1,
        )
    print(f"xlsx_read_10k_s: {read_s:.2f} s")
    print(f"xlsx_write_10k_s: {write_s:.2f} s")
    print(f"openpyxl_load_10k_s: {load_s:.2f} s")
    print(f"xlsx_size_10k_mb: {size_mb:.1f} MB")
    # Riwayat grows ~5 events per complaint and openpyxl loads every tab on write
    print(f"xlsx_write_10k_hist50k_s: {hist_s:.2f} s")


if __name__ == "__main__":
    main()
