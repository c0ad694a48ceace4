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
  3, after the warm-up cycles that do everything due). ``BENCH_ROWS`` changes the size.

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
    from aduan.run.cycle import run_cycle
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
        path = on.path(on.register_.path)
        now = datetime(2027, 1, 4, 10, tzinfo=on.tz)  # a Monday, office hours
        for _warm in range(6):  # until a cycle neither writes nor sends
            stamp = path.stat().st_mtime_ns
            rep = run_cycle(on, now=now)
            if path.stat().st_mtime_ns == stamp and not rep.counts.get("emails_sent"):
                break
        figures = []
        for settings in (on, off):
            run_cycle(settings, now=now)  # the snapshot is kept by a full read first
            times = []
            for _ in range(3):
                t0 = time.perf_counter()
                rep = run_cycle(settings, now=now)
                times.append(time.perf_counter() - t0)
            cached = rep.counts.get("register_unchanged", 0)
            assert cached == (settings is on), (cached, dict(rep.counts))
            figures.append(statistics.median(times))
        return figures[0], figures[1]


def main() -> None:
    seconds, rss = fleet_figures()
    print(f"fleet_{OFFICES}_steady_s: {seconds:.2f} s")
    print(f"fleet_{OFFICES}_peak_rss_mb: {rss:.0f} MB")
    on, off = steady_xlsx(ROWS)
    label = f"{ROWS // 1000}k"
    print(f"cycle_steady_xlsx_{label}_s: {on:.2f} s")
    print(f"cycle_steady_xlsx_{label}_nocd_s: {off:.2f} s")


if __name__ == "__main__":
    main()
