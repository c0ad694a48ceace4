"""Crash points: where the crash-anywhere tests kill a run with SIGKILL."""

from __future__ import annotations

import os
import signal

CRASH_ENV = "ADUAN_TEST_CRASH_AT"


def crashpoint(name: str) -> None:
    """Kill this process with SIGKILL at boundary ``name`` when the crash test asks.

    Only the crash-anywhere tests set ADUAN_TEST_CRASH_AT; a real office never
    does. SIGKILL (not an exception) is the point: nothing gets to clean up, as
    in a power cut. ``name:N`` crashes at the N-th time the boundary is passed.
    """
    want = os.environ.get(CRASH_ENV)
    if not want:
        return
    point, _, nth = want.partition(":")
    if point != name:
        return
    seen = _CRASH_COUNTS.get(name, 0) + 1
    _CRASH_COUNTS[name] = seen
    if seen >= int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)


_CRASH_COUNTS: dict[str, int] = {}
