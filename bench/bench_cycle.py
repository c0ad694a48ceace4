"""Benchmark whole cycles: 500 new complaints, the memory of a steady 10,000-row
run, and the start-up of the command. Prints ``name: value unit`` lines. Not a test.

* ``cycle_500_new_s``: one run that takes 500 new emails from a Maildir into an
  empty xlsx register (parse, register, acknowledgement and task emails to the
  file outbox, the original emails saved as attachments);
* ``cycle_500_documents_s``: the next run, after staff judged all 500 (the
  Dinsos Blitar SOP then renders 500 *formulir aduan* and emails them);
* ``peak_rss_10k_mb``: the peak resident memory of a process that runs one
  steady cycle (nothing new) on a 10,000-row register, imports included;
* ``startup_s``: ``aduan --help`` in a fresh interpreter, best of 5.

(``cycle_steady_xlsx_10k_s`` is in bench_xlsx.py.)
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import openpyxl  # noqa: E402
import yaml  # noqa: E402

from aduan.config import load_settings  # noqa: E402
from aduan.core.layout import REGISTER_TAB, C, build_layout  # noqa: E402
from aduan.register.base import open_register  # noqa: E402
from aduan.run.cycle import run_cycle  # noqa: E402
from tests.conftest import settings_dict  # noqa: E402

N_NEW = 500
ROWS = 10_000
TEXT = (
    "Yth. Dinas Sosial,\n\nKami warga RT 03 RW 02 Kelurahan Sananwetan melaporkan bahwa "
    "bantuan sosial untuk lansia di lingkungan kami belum cair sejak tiga bulan. "
    "Mohon dapat ditindaklanjuti.\n\nTerima kasih.\n"
)


def _office(root: Path, name: str):
    (root / "settings.yaml").write_text(yaml.safe_dump(settings_dict(root, name)))
    settings = load_settings(root / "settings.yaml")
    for sub in ("new", "cur", "tmp"):
        (root / "maildir" / sub).mkdir(parents=True, exist_ok=True)
    return settings


def _init(settings) -> None:
    reg = open_register(settings, build_layout(settings.load_sop(), settings.categories))
    try:
        reg.init()
    finally:
        reg.close()


def _mail(i: int) -> bytes:
    m = EmailMessage()
    m["From"] = f"Warga {i} <warga{i}@contoh.id>"
    m["To"] = "aduan@blitar.example.go.id"
    m["Subject"] = f"Bantuan lansia belum cair ({i})"
    m["Date"] = "Tue, 24 Nov 2026 09:00:00 +0700"
    m["Message-ID"] = f"<bench-{i}@contoh.id>"
    m.set_content(TEXT)
    if i % 5 == 0:
        m.add_attachment(
            b"\x89PNG" + bytes(20_000), maintype="image", subtype="png", filename="foto.png"
        )
    return m.as_bytes()


def _timed_cycle(settings, now: datetime) -> tuple[tuple[float, float], dict]:
    """(wall, CPU) seconds of one run: on a shared machine the wall time swings
    with the load, the CPU time is the stable figure."""
    t0, c0 = time.perf_counter(), time.process_time()
    rep = run_cycle(settings, now=now)
    seconds = time.perf_counter() - t0, time.process_time() - c0
    if rep.problems:
        raise SystemExit(f"cycle had problems: {rep.problems[:3]}")
    return seconds, dict(rep.counts)


def cycle_500():
    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        settings = _office(root, "blitar")
        _init(settings)
        for i in range(N_NEW):
            (root / "maildir" / "new" / f"bench-{i}").write_bytes(_mail(i))
        tz = settings.tz
        new_s, new_counts = _timed_cycle(settings, datetime(2026, 11, 24, 9, 2, tzinfo=tz))
        if new_counts.get("registered_mail") != N_NEW:
            raise SystemExit(f"expected {N_NEW} registered: {new_counts}")
        # staff judge every complaint (step 1 -> 2 renders the formulir aduan)
        path = settings.path(settings.register_.path)
        wb = openpyxl.load_workbook(path)
        ws = wb[REGISTER_TAB]
        col = {c.value: c.column for c in ws[1]}
        for r in range(2, ws.max_row + 1):
            if ws.cell(r, col[C.TICKET]).value:
                ws.cell(r, col["Kewenangan"]).value = "Kewenangan Dinas"
        wb.save(path)
        docs_s, docs_counts = _timed_cycle(settings, datetime(2026, 11, 24, 9, 4, tzinfo=tz))
        if docs_counts.get("documents_rendered") != N_NEW:
            raise SystemExit(f"expected {N_NEW} documents: {docs_counts}")
        return new_s, new_counts, docs_s, docs_counts


# VmHWM, not ru_maxrss: Linux carries ru_maxrss over fork+exec, so a child of
# this (big) process would report the parent's peak; VmHWM starts afresh at exec
_RSS_CHILD = """
import resource, sys
from datetime import datetime
from aduan.config import load_settings
from aduan.run.cycle import run_cycle
s = load_settings(sys.argv[1])
rep = run_cycle(s, now=datetime.fromisoformat(sys.argv[2]))
try:
    with open("/proc/self/status") as f:
        kb = next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
except OSError:
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(kb, rep.counts.get("rows", 0))
"""


def peak_rss_10k() -> tuple[float, int]:
    """Peak RSS (MB) of a fresh process running one steady cycle on 10,000 rows."""
    import bench_recap

    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        settings = _office(root, "bpbd")
        bench_recap.build(settings, bench_recap.states(settings, ROWS))
        path = settings.path(settings.register_.path)
        now = datetime(2027, 1, 4, 10, tzinfo=settings.tz)  # a Monday, office hours
        for _ in range(5):  # until a cycle finds nothing to do (it then does not write)
            stamp = path.stat().st_mtime_ns
            run_cycle(settings, now=now)
            if path.stat().st_mtime_ns == stamp:
                break
        out = subprocess.run(
            [sys.executable, "-c", _RSS_CHILD, str(root / "settings.yaml"), now.isoformat()],
            capture_output=True,
            text=True,
            check=True,
            cwd=REPO,
        ).stdout.split()
        return int(out[0]) / 1024, int(out[1])  # kB


def startup() -> float:
    exe = Path(sys.executable).with_name("aduan")
    cmd = [str(exe), "--help"] if exe.exists() else [sys.executable, "-m", "aduan.cli", "--help"]
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=True, env={**os.environ})
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    logging.basicConfig(level=logging.ERROR)
    new_s, new_counts, docs_s, docs_counts = cycle_500()
    print(f"cycle_500_new_s: {new_s[0]:.2f} s")
    print(f"cycle_500_new_cpu_s: {new_s[1]:.2f} s")
    print(f"cycle_500_new_emails: {new_counts.get('emails_sent', 0)} emails")
    print(f"cycle_500_documents_s: {docs_s[0]:.2f} s")
    print(f"cycle_500_documents_cpu_s: {docs_s[1]:.2f} s")
    print(f"cycle_500_total_s: {new_s[0] + docs_s[0]:.2f} s")
    rss, rows = peak_rss_10k()
    if rows != ROWS:
        raise SystemExit(f"the steady run read {rows} rows, not {ROWS}")
    print(f"peak_rss_10k_mb: {rss:.0f} MB")
    print(f"startup_s: {startup():.2f} s")


if __name__ == "__main__":
    main()
