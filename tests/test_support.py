"""The shared helpers every edge uses: the one atomic write and the one retry policy."""

from __future__ import annotations

import os
import stat

import pytest

from aduan.errors import DriveError, InboxError, RegisterError, permanent_http
from aduan.support import retry
from aduan.support.atomic import atomic_path, write_atomic


def test_write_atomic_replaces_whole_and_sets_mode_first(tmp_path):
    target = tmp_path / "sub" / "token.json"
    write_atomic(target, "lama")
    write_atomic(target, '{"rahasia": 1}', mode=0o600)
    assert target.read_text() == '{"rahasia": 1}'
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [p.name for p in target.parent.iterdir()] == ["token.json"]  # no temp left


def test_atomic_path_keeps_the_old_file_when_the_writer_fails(tmp_path):
    target = tmp_path / "register.xlsx"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_path(target, fsync=False) as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("killed half-way")
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["register.xlsx"]


def _flaky(errors):
    calls = []

    def fn():
        calls.append(1)
        if errors:
            raise errors.pop(0)
        return "ok"

    return fn, calls


def test_retry_retries_transient_errors_only():
    waits: list[float] = []
    policy = retry.Policy(attempts=4, base_s=1, max_s=8, sleep=waits.append)
    fn, calls = _flaky([RegisterError("502", permanent=False), InboxError("reset")])
    assert retry.call("sheets", fn, policy) == "ok"
    assert len(calls) == 3 and len(waits) == 2 and all(0 < w <= 8 for w in waits)

    fn, calls = _flaky([RegisterError("403 ditolak", permanent=True)])
    with pytest.raises(RegisterError, match="403"):
        retry.call("sheets", fn, policy)
    assert len(calls) == 1  # a refusal is never retried


def test_retry_is_bounded_and_hooks_run():
    policy = retry.Policy(attempts=3, sleep=lambda s: None)
    seen: list[str] = []
    fn, calls = _flaky([InboxError(f"putus {i}") for i in range(10)])
    with pytest.raises(InboxError, match="putus 2"):
        retry.call("imap", fn, policy, on_retry=lambda e: seen.append(str(e)))
    assert len(calls) == 3 and seen == ["putus 0", "putus 1"]

    fn, calls = _flaky([RegisterError("timeout", permanent=False)])
    with pytest.raises(RegisterError):  # an ambiguous write: the caller vetoes the retry
        retry.call("write", fn, policy, retry_if=lambda e: "timeout" not in str(e))
    assert len(calls) == 1


def test_http_status_decides_permanence():
    assert not permanent_http(0) and not permanent_http(502) and not permanent_http(429)
    assert permanent_http(400) and permanent_http(403) and permanent_http(404)
    # a lost connection to Drive (no status) is retried, not refused
    assert not DriveError("tidak dapat dihubungi").permanent
    assert DriveError("ditolak", status=403).permanent
