"""The run lock: two runs never overlap. Kept apart from aduan.run.cycle so the CLI
can refuse a second run before importing anything heavy (it exits in well under a
second even on a busy server)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from filelock import FileLock, Timeout

from aduan.errors import RunLocked

if TYPE_CHECKING:  # the CLI imports this before anything heavy
    from aduan.config import Settings

__all__ = ["lock", "probe"]


def lock(settings: Settings) -> FileLock:
    """The run lock. The kernel releases it when a killed run's process dies, so a
    stale lock file never blocks the next run."""
    state = settings.path(settings.paths.state)
    state.mkdir(parents=True, exist_ok=True)
    return FileLock(str(state / "aduan.lock"), timeout=0)


def busy(lk: FileLock) -> RunLocked:
    return RunLocked(
        f"run lain sedang berjalan (kunci: {lk.lock_file}); run ini berhenti tanpa mengubah apa pun"
    )


def probe(settings: Settings) -> None:
    """Raise RunLocked at once when another run holds the lock (a quick look only:
    the run itself takes the lock properly)."""
    lk = lock(settings)
    try:
        lk.acquire()
    except Timeout:
        raise busy(lk) from None
    lk.release()
