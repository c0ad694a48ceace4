"""A pemda's fleet on one host: one cycle (or check, or recap) for every office of a folder.

Offices share no state, so each runs in its own forked process, under its own
lock, from its own settings: a broken config, an unreachable inbox, a locked
register or even a crashed interpreter is that office's result, named in its
summary line, and never stops the others. At most ``jobs`` offices run at once.
Processes, not threads: a segfault or a runaway memory use ends one office's
process only, and the kernel frees what it held (its lock included).

The parent imports the heavy modules once before forking, so a child starts in
milliseconds and shares the parent's pages (50 offices cost 50 forks, not 50
interpreter start-ups).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any, NamedTuple

from aduan.config import Settings, load_settings
from aduan.errors import AduanError, ConfigError, RunLocked

__all__ = [
    "FleetOffice",
    "OfficeResult",
    "check_work",
    "cycle_line",
    "cycle_work",
    "default_jobs",
    "find_offices",
    "fleet_exit",
    "fleet_total",
    "run_fleet",
]

logger = logging.getLogger(__name__)

#: how long one office may take before its process is killed (a hung IMAP server
#: must not hold the whole fleet past the next timer tick forever)
DEFAULT_TIMEOUT_S = 600.0

#: statuses that do not make the fleet's pass partial: a busy office is still
#: running its previous cycle, which is normal when a cycle outlasts the interval
NOT_FAILED = ("ok", "sibuk")


class FleetOffice(NamedTuple):
    """One office of the fleet: its name (the folder's) and its settings file."""

    name: str
    settings_file: Path


@dataclass
class OfficeResult:
    """What one office's process reported (or what its death told)."""

    office: str
    status: str  # ok | sebagian | sibuk | konfigurasi | gagal | crash | waktu habis
    summary: str
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0
    data: Any = None  # the task's own result (the recap's figures)

    @property
    def line(self) -> str:
        """The one summary line for this office."""
        return f"{self.office}: {self.status.upper()} — {self.summary} ({self.seconds:.2f} s)"


def default_jobs() -> int:
    """Offices at once by default: one per CPU the process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def find_offices(target: Path) -> list[FleetOffice]:
    """The fleet: ``DIR/<office>/settings.yaml`` for a folder, or a list file with one
    settings file (or office folder) per line, relative to the list file; ``#`` comments."""
    target = Path(target)
    if target.is_dir():
        found = [FleetOffice(p.parent.name, p) for p in sorted(target.glob("*/settings.yaml"))]
        where = f"{target}/<kantor>/settings.yaml"
    elif target.is_file():
        found = []
        for n, raw in enumerate(target.read_text(encoding="utf-8").splitlines(), 1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            p = Path(os.path.expanduser(line))
            p = p if p.is_absolute() else target.parent / p
            if p.is_dir() or p.suffix not in (".yaml", ".yml"):
                p = p / "settings.yaml"
            found.append(FleetOffice(p.parent.name, p))
            logger.debug("%s:%d: office %s", target, n, p)
        where = str(target)
    else:
        raise ConfigError(
            f"{target} tidak ada", key="--all", fix="beri folder kantor atau berkas daftar kantor"
        )
    names = [o.name for o in found]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ConfigError(
            f"nama kantor ganda di {where}: {', '.join(twice)}",
            key="--all",
            fix="setiap kantor di folder sendiri dengan nama berbeda",
        )
    if not found:
        raise ConfigError(
            f"tidak ada kantor di {where}",
            key="--all",
            fix="satu folder per kantor, masing-masing berisi settings.yaml",
        )
    return found


# ------------------------------------------------------------------ the tasks
def office_now(settings: Settings, now: datetime | None) -> datetime | None:
    """A naive ``--now`` means the office's own clock (offices may be in WIB and WITA)."""
    if now is None or now.tzinfo is not None:
        return now
    return now.replace(tzinfo=settings.tz)


def cycle_line(rep: Any) -> str:
    """The terminal summary of one cycle (``aduan run`` and each office of ``run --all``)."""
    c = rep.counts
    return (
        f"{c.get('registered_mail', 0) + c.get('registered_typed', 0)} aduan baru, "
        f"{c.get('replies', 0)} balasan, {c.get('rows_updated', 0)} baris diperbarui, "
        f"{c.get('documents_rendered', 0)} dokumen, {c.get('emails_sent', 0)} email terkirim"
    )


def cycle_work(office: FleetOffice, now: datetime | None = None) -> OfficeResult:
    """One cycle of one office (run in the office's own process)."""
    from aduan.run.cycle import run_cycle

    s = load_settings(office.settings_file)
    rep = run_cycle(s, now=office_now(s, now))
    status = "ok" if rep.exit_code == 0 else "sebagian"
    summary = cycle_line(rep)
    if rep.problems:
        summary += f"; {len(rep.problems)} masalah, pertama: {rep.problems[0]}"
    return OfficeResult(office.name, status, summary, list(rep.problems))


def check_work(office: FleetOffice, now: datetime | None = None) -> OfficeResult:
    """``aduan check`` of one office: every check, failures named."""
    from aduan.run.check import run_checks

    s = load_settings(office.settings_file)
    checks = list(run_checks(s))
    bad = [f"{name}: {detail}" for name, good, detail in checks if not good]
    if not bad:
        return OfficeResult(office.name, "ok", f"{len(checks)} pemeriksaan baik")
    return OfficeResult(
        office.name, "gagal", f"{len(bad)} dari {len(checks)} pemeriksaan gagal: {bad[0]}", bad
    )


# ------------------------------------------------------------------ the runner
Work = Callable[[FleetOffice], OfficeResult]


def prewarm() -> None:
    """Load once, in the parent, what every office's cycle would load on its own: each
    fork then starts with it. The holidays package imports every country's module on
    first use (about 75 ms, a third of a small office's steady cycle)."""
    import holidays

    holidays.Indonesia(years=datetime.now().year, language="id")


def _guarded(work: Work, office: FleetOffice) -> OfficeResult:
    """Run one office's task; every failure becomes its result, never an exception."""
    t0 = time.perf_counter()
    try:
        res = work(office)
    except ConfigError as e:
        res = OfficeResult(office.name, "konfigurasi", str(e), [str(e)])
    except RunLocked as e:
        res = OfficeResult(office.name, "sibuk", str(e))
    except AduanError as e:
        res = OfficeResult(office.name, "gagal", str(e), [str(e)])
    except Exception as e:  # a bug in one office's run: named, logged, the others go on
        logger.exception("office %s: unexpected error", office.name)
        what = f"galat tak terduga ({type(e).__name__}); lihat log"
        res = OfficeResult(office.name, "crash", what, [what])
    res.seconds = time.perf_counter() - t0  # settings and SOP loading included
    return res


def _child(conn: Connection, work: Work, office: FleetOffice) -> None:
    res = _guarded(work, office)
    try:
        conn.send(res)
    except Exception as e:  # e.g. a result that does not pickle: still say something
        conn.send(OfficeResult(office.name, "crash", f"hasil tidak terkirim ({type(e).__name__})"))
    conn.close()


def run_fleet(
    offices: Iterable[FleetOffice],
    work: Work,
    *,
    jobs: int | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    on_result: Callable[[OfficeResult], None] | None = None,
) -> list[OfficeResult]:
    """Run ``work`` for every office, each in its own process, ``jobs`` at a time.

    Returns one result per office in the offices' order; ``on_result`` sees each
    as soon as its process is done (the CLI prints it then)."""
    todo = list(offices)
    jobs = max(1, jobs or default_jobs())
    prewarm()
    ctx = multiprocessing.get_context("fork")
    running: dict[Connection, tuple[Any, FleetOffice, float]] = {}
    done: dict[str, OfficeResult] = {}

    def finish(res: OfficeResult) -> None:
        done[res.office] = res
        if on_result is not None:
            on_result(res)

    queue = list(todo)
    while queue or running:
        while queue and len(running) < jobs:
            office = queue.pop(0)
            reader, writer = ctx.Pipe(duplex=False)
            proc = ctx.Process(
                target=_child, args=(writer, work, office), name=f"aduan-{office.name}"
            )
            proc.start()
            writer.close()  # the child's end: EOF here when the child dies
            running[reader] = (proc, office, time.monotonic())
        first_due = min(t0 for _p, _o, t0 in running.values()) + timeout_s
        ready = wait(list(running), timeout=max(0.0, first_due - time.monotonic()))
        for conn in ready:
            assert isinstance(conn, Connection)
            proc, office, t0 = running.pop(conn)
            try:
                res = conn.recv()
            except (EOFError, OSError):
                proc.join()
                code = proc.exitcode
                why = f"sinyal {-code}" if code is not None and code < 0 else f"kode {code}"
                res = OfficeResult(
                    office.name,
                    "crash",
                    f"proses kantor berhenti tanpa hasil ({why})",
                    seconds=time.monotonic() - t0,
                )
            conn.close()
            proc.join()
            finish(res)
        now = time.monotonic()
        for conn, (proc, office, t0) in list(running.items()):
            if now - t0 >= timeout_s:
                proc.kill()  # the kernel releases its lock; the next pass resumes its work
                proc.join()
                conn.close()
                del running[conn]
                finish(
                    OfficeResult(
                        office.name,
                        "waktu habis",
                        f"dihentikan setelah {timeout_s:.0f} s",
                        [f"waktu habis setelah {timeout_s:.0f} s"],
                        seconds=now - t0,
                    )
                )
    return [done[o.name] for o in todo]


def fleet_exit(results: list[OfficeResult]) -> int:
    """0 when every office is done (or busy with its previous cycle), else 1 (partial)."""
    return 0 if all(r.status in NOT_FAILED for r in results) else 1


def fleet_total(results: list[OfficeResult], seconds: float) -> str:
    """The closing line of a fleet pass: how many offices in each state."""
    by: dict[str, int] = {}
    for r in results:
        by[r.status] = by.get(r.status, 0) + 1
    parts = ", ".join(f"{n} {s}" for s, n in sorted(by.items(), key=lambda kv: kv[0] != "ok"))
    return f"armada {len(results)} kantor: {parts} ({seconds:.2f} s)"
