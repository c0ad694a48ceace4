"""Benchmark the monthly recap on a register of 10,000 complaints with their Riwayat.

Complaints are spread over October-December 2026 with realistic RowStates (every
step of the BPBD SOP, working-time durations, a tenth of them late, the newest
still open) and five Riwayat rows each. Prints one ``name: value unit`` line
per figure: the whole ``run_recap`` for December (xlsx read, compute, Rekap tab
written, Word report with two charts) and the pure computation alone. Not a test.
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import openpyxl  # noqa: E402
import yaml  # noqa: E402

from aduan.config import load_settings  # noqa: E402
from aduan.core.layout import HISTORY_TAB, REGISTER_TAB, C, build_layout  # noqa: E402
from aduan.core.recap import compute_recap  # noqa: E402
from aduan.register.xlsx import XlsxRegister  # noqa: E402
from aduan.run.recap import run_recap  # noqa: E402
from tests.conftest import settings_dict  # noqa: E402

COMPLAINTS = 10_000
HISTORY_PER_COMPLAINT = 5
MONTH = (2026, 12)
CHANNELS = ["Email", "WhatsApp", "SMS", "Telepon", "Instagram", "Datang Langsung"]
CATEGORIES = ["Bencana", "Infrastruktur", "Pelayanan", "Administrasi", "Lainnya"]
TEXT = "Jalan di depan rumah kami rusak berat sejak banjir minggu lalu; mohon segera dibantu."


def _iso(d: datetime) -> str:
    return d.isoformat(timespec="seconds")


def states(settings, n: int, seed: int = 7) -> list[dict[str, str]]:
    """Register rows whose Data Sistem is what the engine would have written."""
    rnd = random.Random(seed)
    sop = settings.load_sop()
    cal = settings.calendar()
    tz = settings.tz
    first = datetime(2026, 10, 1, tzinfo=tz)
    span = (datetime(2027, 1, 1, tzinfo=tz) - first).total_seconds()
    end = datetime(2027, 1, 2, 9, tzinfo=tz)
    rows = []
    for i in range(n):
        recv = first + timedelta(seconds=rnd.random() * span)
        t = recv
        hist = []
        outcome = "ditindaklanjuti" if rnd.random() < 0.7 else "terlayani_langsung"
        steps = sop.steps if outcome == "ditindaklanjuti" else sop.steps[:2]
        current = None
        for step in steps:
            late = rnd.random() < 0.1
            minutes = step.standard_minutes * (rnd.uniform(1.1, 6) if late else rnd.random())
            done = cal.add(t, minutes=max(0, round(minutes))) if step.number > 1 else t
            due = cal.deadline(t, step.allowance)
            if done > end:
                current = (step.id, t, due)
                break
            hist.append([step.id, _iso(t), _iso(due), _iso(done)])
            t = done
        state = {"v": 1, "recv": _iso(recv), "hist": hist, "sent": [], "docs": []}
        if current:
            state |= {"step": current[0], "since": _iso(current[1]), "due": _iso(current[2])}
        else:
            last = hist[-1]
            state |= {"step": last[0], "since": last[1], "due": last[2]}
            state |= {"closed": last[3], "outcome": outcome}
        rows.append(
            {
                C.TICKET: f"ADU/{recv:%Y/%m}/{i:05d}",
                C.RECEIVED: f"{recv:%d/%m/%Y %H.%M}",
                C.CHANNEL: rnd.choice(CHANNELS),
                C.NAME: f"Pengadu {i}",
                C.CONTACT: f"08123{i:06d}",
                C.SUBJECT: "Jalan rusak",
                C.TEXT: TEXT,
                C.CATEGORY: rnd.choice(CATEGORIES),
                C.STATUS: "Diproses" if current else "Selesai",
                C.STATE: json.dumps(state, separators=(",", ":")),
            }
        )
    return rows


def build(settings, rows: list[dict[str, str]]) -> None:
    layout = build_layout(settings.load_sop(), settings.categories)
    path = settings.path(settings.register_.path)
    XlsxRegister(path, layout).init()
    wb = openpyxl.load_workbook(path)
    ws = wb[REGISTER_TAB]
    for r in rows:
        ws.append([r.get(h) for h in layout.headers])
    hist = wb[HISTORY_TAB]
    for r in rows:
        for k in range(HISTORY_PER_COMPLAINT):
            hist.append(
                ["01/12/2026 09.00", r[C.TICKET], f"Tahap {k + 1} selesai", "Sistem", "", ""]
            )
    wb.save(path)


def main() -> None:
    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        (root / "settings.yaml").write_text(yaml.safe_dump(settings_dict(root, "bpbd")))
        settings = load_settings(root / "settings.yaml")
        rows = states(settings, COMPLAINTS)
        build(settings, rows)
        now = datetime(2027, 1, 2, 9, tzinfo=settings.tz)
        t0 = time.perf_counter()
        rep = run_recap(settings, MONTH, now=now)
        run_s = time.perf_counter() - t0
        assert not rep.problems, rep.problems
        reg = XlsxRegister(
            settings.path(settings.register_.path),
            build_layout(settings.load_sop(), settings.categories),
        )
        snap = reg.read()
        cal = settings.calendar()
        sop = settings.load_sop()
        runs = []
        for _ in range(3):
            t0 = time.perf_counter()
            rc = compute_recap(snap.rows, sop, cal, MONTH, settings.tz, now=now)
            runs.append(time.perf_counter() - t0)
    print(f"recap_10k_s: {run_s:.2f} s")
    print(f"recap_compute_10k_s: {statistics.median(runs):.2f} s")
    print(f"recap_10k_received_dec: {rc.received} complaints")
    print(f"recap_10k_steps_dec: {rc.finished} steps")


if __name__ == "__main__":
    main()
