"""Benchmark the fleet and steady cycles (issue 19). Prints ``name: value unit`` lines.

* ``fleet_50_steady_s``: ``aduan run --all DIR`` over 50 offices (25 copies of each demo
  office after the demo month, so each register holds its month of complaints), one
  steady pass (nothing new, nothing due) once two passes have flushed everything;
  default --jobs (one per CPU);
* ``fleet_50_peak_rss_mb``: the peak of the summed resident memory of that pass's whole
  process tree (the parent and every forked office), sampled every 20 ms; forked pages
  shared with the parent are counted in every child, so this is an upper bound;
* ``cycle_steady_xlsx_100k_s`` / ``cycle_steady_xlsx_100k_nocd_s``: one steady
  ``run_cycle`` on a 100,000-row xlsx register with change detection on / off (median of
  3, after the warm-up cycles that do everything due);
* ``cycle_steady_100k_s`` / ``cycle_steady_100k_nocd_s``: the same on a 100,000-row Google
  Sheet on the local Sheets server (``tests/sheets_server.py``, no latency simulated), and
  ``cycle_steady_100k_requests``: the API requests of that steady cycle. The sheet is
  seeded straight into the server's storage (``set_cells``, not 100,000 rows over HTTP),
  with the rows as the engine leaves them (decided in memory until nothing changes), so
  the warm-up cycles need not write 100,000 rows through the API.

Both registers hold the same 100,000 complaints (``bench_recap.states``: Oct-Dec 2026, the
newest few hundred still open). ``BENCH_ROWS`` changes the size; ``bench_fleet.py steady``
prints only the 100k figures.

Not a test.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import yaml  # noqa: E402

OFFICES = 50
ROWS = int(os.environ.get("BENCH_ROWS", "100000"))
ADUAN = Path(sys.executable).with_name("aduan")
NOW = "2026-12-01T09:00"  # after the demo month: a steady Tuesday morning


def _tree_rss_kb(pid: int) -> int:
    """Resident memory of a process and all its descendants (kB, from /proc)."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, ValueError):
            continue  # the process ended meanwhile
    return total


def _pass(fleet: Path) -> tuple[float, float, str]:
    """One ``run --all`` pass: (seconds, peak tree RSS in MB, output)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [str(ADUAN), "run", "--all", str(fleet), "--now", NOW],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    peak = 0
    while proc.poll() is None:
        peak = max(peak, _tree_rss_kb(proc.pid))
        time.sleep(0.02)  # sampling the memory, not timing a result
    out = proc.stdout.read() if proc.stdout else ""
    return time.perf_counter() - t0, peak / 1024, out


def fleet_figures() -> tuple[float, float]:
    from aduan.demo.run import run_demo

    with tempfile.TemporaryDirectory() as d:
        demo, fleet = Path(d) / "demo", Path(d) / "pemda"
        run_demo(demo, echo=lambda *_a: None)
        seeds = sorted(p for p in demo.iterdir() if (p / "settings.yaml").is_file())
        for i in range(OFFICES):
            src = seeds[i % len(seeds)]
            dst = fleet / f"{src.name}-{i:02d}"
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns("kiriman", "dokumen"))
            data = yaml.safe_load((dst / "settings.yaml").read_text(encoding="utf-8"))
            data["base"] = str(dst)
            (dst / "settings.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))
        for _ in range(2):  # the first passes log the copies' last sends
            _pass(fleet)
        seconds, rss, out = _pass(fleet)
        if f"armada {OFFICES} kantor: {OFFICES} ok" not in out:
            raise SystemExit(f"the steady pass was not clean:\n{out[-2000:]}")
        return seconds, rss


def steady_xlsx(rows: int) -> tuple[float, float]:
    """A steady run_cycle on a ``rows``-row register: (with, without change detection)."""
    import bench_recap

    from aduan.config import load_settings
    from tests.conftest import settings_dict

    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        (root / "settings.yaml").write_text(yaml.safe_dump(settings_dict(root, "bpbd")))
        on = load_settings(root / "settings.yaml")
        off = on.model_copy(
            update={"register_": on.register_.model_copy(update={"change_detection": False})}
        )
        for sub in ("new", "cur", "tmp"):
            (root / "maildir" / sub).mkdir(parents=True)
        bench_recap.build(on, bench_recap.states(on, rows))
        now = datetime(2027, 1, 4, 10, tzinfo=on.tz)  # a Monday, office hours
        _warm(on, now)  # until a cycle neither writes nor sends: it keeps the agenda
        return _timed(on, now), _timed(off, now, steady=False)


def _timed(settings, now: datetime, register=None, steady: bool = True) -> float:
    """Median of 3 steady cycles (each must be steady, or not, as asked)."""
    from aduan.run.cycle import run_cycle

    times = []
    for _ in range(3):
        reg = register() if register else None
        t0 = time.perf_counter()
        rep = run_cycle(settings, now=now, register=reg)
        times.append(time.perf_counter() - t0)
        assert not rep.problems, rep.problems
        assert rep.counts.get("register_steady", 0) == steady, dict(rep.counts)
    return statistics.median(times)


def _warm(settings, now: datetime, register=None) -> None:
    """Cycles until one does nothing (it keeps the agenda, with change detection)."""
    from aduan.run.cycle import run_cycle

    for _warm in range(8):
        rep = run_cycle(settings, now=now, register=register() if register else None)
        c = rep.counts
        if "rows_written" not in c and not c.get("emails_sent") and not c.get("digests"):
            return  # nothing written, nothing sent
    raise SystemExit(f"no steady state after 8 cycles: {dict(rep.counts)}")


def fixed_point(settings, rows: list[dict[str, str]], now: datetime):
    """The rows and meta as the engine leaves them at ``now`` (decided in memory)."""
    from aduan.core.engine import decide
    from aduan.core.engine.agenda import idle
    from aduan.core.layout import C, build_layout
    from aduan.core.model import Row, Snapshot
    from aduan.run.wiring import engine_config

    sop = settings.load_sop()
    layout = build_layout(sop, settings.categories)
    cfg = engine_config(settings, sop, layout, settings.calendar())
    rows = [{h: r.get(h, "") for h in layout.headers} for r in rows]
    meta: dict[str, str] = {}
    by_ticket = {r[C.TICKET]: r for r in rows}
    for _ in range(5):
        snap = Snapshot(layout.headers, [Row(i, dict(r)) for i, r in enumerate(rows)], dict(meta))
        d = decide(snap, [], cfg, now)
        if idle(d):
            return rows, meta
        for u in d.writes.updates:
            by_ticket[u.ticket].update(u.values)
        meta.update(d.writes.meta)
    raise SystemExit("the engine did not settle")


def steady_sheets(rows: int) -> tuple[float, float, int]:
    """A steady run_cycle on a ``rows``-row Google Sheet on the local server: (with, without
    change detection, the requests of the steady cycle with it)."""
    import bench_recap
    from bench_sheets import office, seed

    from aduan.core.layout import build_layout
    from aduan.run.wiring import sheets_register
    from tests.sheets_server import SheetsServer

    with tempfile.TemporaryDirectory() as d, SheetsServer() as server:
        root = Path(d)
        key = server.create_spreadsheet("Register", tabs=["Sheet1"])
        settings = office(root, key)
        for sub in ("new", "cur", "tmp"):
            (root / "maildir" / sub).mkdir(parents=True, exist_ok=True)
        layout = build_layout(settings.load_sop(), settings.categories)
        now = datetime(2027, 1, 4, 10, tzinfo=settings.tz)  # a Monday, office hours
        data, meta = fixed_point(settings, bench_recap.states(settings, rows), now)
        seed(server, settings, layout, data, meta)
        snapshot = settings.path(settings.paths.state) / "register-snapshot.pickle"

        def with_cd():
            return sheets_register(settings, layout, client=server.client(), snapshot_file=snapshot)

        def without():
            return sheets_register(settings, layout, client=server.client())

        _warm(settings, now, with_cd)
        server.reset_counts()
        on = _timed(settings, now, with_cd)
        requests = server.count() // 3
        off = _timed(settings, now, without, steady=False)
        return on, off, requests


def main() -> None:
    label = f"{ROWS // 1000}k"
    if sys.argv[1:] != ["steady"]:
        seconds, rss = fleet_figures()
        print(f"fleet_{OFFICES}_steady_s: {seconds:.2f} s")
        print(f"fleet_{OFFICES}_peak_rss_mb: {rss:.0f} MB")
    on, off = steady_xlsx(ROWS)
    print(f"cycle_steady_xlsx_{label}_s: {on:.2f} s")
    print(f"cycle_steady_xlsx_{label}_nocd_s: {off:.2f} s")
    on, off, requests = steady_sheets(ROWS)
    print(f"cycle_steady_{label}_s: {on:.2f} s")
    print(f"cycle_steady_{label}_nocd_s: {off:.2f} s")
    print(f"cycle_steady_{label}_requests: {requests} requests")


if __name__ == "__main__":
    main()
