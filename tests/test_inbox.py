"""The Maildir inbox against real Maildir folders in tmp_path."""

from __future__ import annotations

import mailbox
import os
from pathlib import Path

import pytest

from aduan.errors import InboxError
from aduan.inbox.maildir import MaildirInbox
from aduan.run.wiring import open_inbox


def deliver(root: Path, name: str, data: bytes, *, sub: str = "new", mtime: int = 0) -> Path:
    """Deliver like an MDA: write into tmp/, rename into new/ (or cur/)."""
    tmp = root / "tmp" / name
    tmp.write_bytes(data)
    dst = root / sub / name
    os.rename(tmp, dst)
    if mtime:
        os.utime(dst, (mtime, mtime))
    return dst


def msg(n: int) -> bytes:
    return f"From: w{n}@warga.id\r\nSubject: aduan {n}\r\n\r\nisi {n}\r\n".encode()


def test_creates_maildir_and_folders(tmp_path):
    root = tmp_path / "a" / "maildir"
    inbox = MaildirInbox(root)
    for d in ("new", "cur", "tmp", ".Diproses/cur", ".Karantina/new"):
        assert (root / d).is_dir(), d
    assert (root / ".Diproses" / "maildirfolder").exists()
    assert inbox.poll() == []
    assert "0 pesan" in inbox.check()


def test_poll_oldest_first_from_new_and_cur(tmp_path):
    inbox = MaildirInbox(tmp_path)
    deliver(tmp_path, "300.b", msg(3), mtime=1_700_000_300)
    deliver(tmp_path, "100.a", msg(1), mtime=1_700_000_100)
    deliver(tmp_path, "200.c:2,S", msg(2), sub="cur", mtime=1_700_000_200)
    got = inbox.poll()
    assert [m.key for m in got] == ["100.a", "200.c", "300.b"]
    assert [m.data for m in got] == [msg(1), msg(2), msg(3)]
    # polling again without marking returns the same messages (nothing lost)
    assert [m.key for m in inbox.poll()] == ["100.a", "200.c", "300.b"]


def test_tmp_hidden_and_trashed_files_are_ignored(tmp_path):
    inbox = MaildirInbox(tmp_path)
    deliver(tmp_path, "9.z:2,ST", msg(9), sub="cur")
    (tmp_path / "tmp" / "half-written").write_bytes(b"From: x")
    (tmp_path / "new" / ".hidden").write_bytes(b"x")
    assert inbox.poll() == []


def test_mark_processed_moves_bytes_untouched(tmp_path):
    inbox = MaildirInbox(tmp_path)
    raw = b"From: a@b.id\r\nSubject: x\r\n\r\nCRLF body\r\n\x00\xff"
    deliver(tmp_path, "1.a", raw)
    deliver(tmp_path, "2.b:2,F", msg(2), sub="cur")
    keys = [m.key for m in inbox.poll()]
    for k in keys:
        inbox.mark_processed(k)
    assert inbox.poll() == []
    done = sorted(p.name for p in (tmp_path / ".Diproses" / "cur").iterdir())
    assert done == ["1.a:2,S", "2.b:2,FS"]
    assert (tmp_path / ".Diproses" / "cur" / "1.a:2,S").read_bytes() == raw
    # the stdlib (and so any mail client) sees them as a folder with 2 read messages
    folder = mailbox.Maildir(str(tmp_path), create=False).get_folder("Diproses")
    assert sorted(m.get_flags() for m in folder) == ["FS", "S"]


def test_mark_processed_twice_or_by_fresh_instance(tmp_path):
    MaildirInbox(tmp_path)
    deliver(tmp_path, "1.a", msg(1))
    MaildirInbox(tmp_path).mark_processed("1.a")  # never polled by this instance
    MaildirInbox(tmp_path).mark_processed("1.a")  # already done: no error
    assert MaildirInbox(tmp_path).poll() == []


def test_quarantine_keeps_original_and_writes_reason(tmp_path):
    inbox = MaildirInbox(tmp_path)
    deliver(tmp_path, "1.a", b"\x00garbage")
    deliver(tmp_path, "2.b", msg(2))
    inbox.poll()
    inbox.quarantine("1.a", "tidak dapat diurai: header rusak")
    assert [m.key for m in inbox.poll()] == ["2.b"]
    q = tmp_path / ".Karantina"
    assert (q / "new" / "1.a").read_bytes() == b"\x00garbage"
    note = (q / "1.a.alasan.txt").read_text(encoding="utf-8")
    assert "Alasan : tidak dapat diurai: header rusak" in note
    assert "Berkas : 1.a" in note
    inbox.quarantine("1.a", "lagi")  # already quarantined: harmless


def test_unreadable_message_is_quarantined_and_does_not_block(tmp_path, monkeypatch):
    inbox = MaildirInbox(tmp_path)
    bad = deliver(tmp_path, "1.a", msg(1), mtime=1_700_000_001)
    deliver(tmp_path, "2.b", msg(2), mtime=1_700_000_002)
    if os.geteuid() == 0:  # root reads files whatever their mode: fail the read itself
        real = Path.read_bytes

        def read_bytes(self):
            if self.name == "1.a":
                raise PermissionError(13, "Permission denied")
            return real(self)

        monkeypatch.setattr(Path, "read_bytes", read_bytes)
    else:
        bad.chmod(0)
    assert [m.key for m in inbox.poll()] == ["2.b"]
    assert (tmp_path / ".Karantina" / "new" / "1.a").exists()
    note = (tmp_path / ".Karantina" / "1.a.alasan.txt").read_text()
    assert "tidak dapat dibaca: Permission denied" in note


def test_directory_in_new_is_not_a_message(tmp_path):
    inbox = MaildirInbox(tmp_path)
    (tmp_path / "new" / "1.a").mkdir()
    deliver(tmp_path, "2.b", msg(2))
    assert [m.key for m in inbox.poll()] == ["2.b"]


def test_message_vanishing_between_scan_and_read_is_skipped(tmp_path):
    inbox = MaildirInbox(tmp_path)
    p = deliver(tmp_path, "1.a", msg(1))
    found = inbox._scan()
    p.unlink()
    inbox._scan = lambda: found  # type: ignore[method-assign]
    assert inbox.poll() == []


def test_batch_limits_one_poll(tmp_path):
    inbox = MaildirInbox(tmp_path, batch=2)
    for i in range(5):
        deliver(tmp_path, f"{i}.x", msg(i), mtime=1_700_000_000 + i)
    first = inbox.poll()
    assert [m.key for m in first] == ["0.x", "1.x"]
    for m in first:
        inbox.mark_processed(m.key)
    assert [m.key for m in inbox.poll()] == ["2.x", "3.x"]


def test_bad_keys_are_refused(tmp_path):
    inbox = MaildirInbox(tmp_path)
    for key in ("../x", "", ".Diproses"):
        with pytest.raises(InboxError):
            inbox.quarantine(key, "x")


def test_maildir_path_that_is_a_file(tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(InboxError, match="cannot open Maildir"):
        MaildirInbox(f)


def test_open_inbox_from_settings(make_settings, tmp_path):
    s = make_settings("bpbd")
    inbox = open_inbox(s)
    assert isinstance(inbox, MaildirInbox)
    assert inbox.path == Path(s.inbox.path)
    assert (inbox.path / "new").is_dir()
