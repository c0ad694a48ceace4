"""IMAP intake figures against a real Dovecot (started here, as in the tests).

Prints:
  imap_idle_poll_commands_20k: N commands   (a poll finding nothing, 20,000 messages)
  imap_idle_poll_ms_20k: N ms
  imap_first_poll_commands_20k: N commands  (no state file yet: one keyword search)
  imap_fetch_parse_500_s: N s               (500 new messages polled, parsed, marked)
  imap_intake_500_s: N s                    (the same through one full run into xlsx)
"""

from __future__ import annotations

import imaplib
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from aduan.config import ImapInbox as ImapConfig  # noqa: E402
from aduan.inbox.imap import PROCESSED_FLAG, ImapInbox  # noqa: E402
from aduan.inbox.parse import parse_message  # noqa: E402
from tests.fixtures_imap import ImapAccount, run_dovecot  # noqa: E402

N_IDLE = 20_000
N_NEW = 500


class Counter:
    def __init__(self) -> None:
        self.n = 0
        self.real = imaplib.IMAP4._command

    def __enter__(self) -> Counter:
        real = self.real

        def counted(imap, name, *args):
            self.n += 1
            return real(imap, name, *args)

        imaplib.IMAP4._command = counted  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc) -> None:
        imaplib.IMAP4._command = self.real  # type: ignore[method-assign]


def message(i: int) -> bytes:
    return (
        f"From: Warga {i} <warga{i}@desa.example.id>\r\nTo: aduan@example.test\r\n"
        f"Subject: Aduan jalan rusak nomor {i}\r\nMessage-ID: <bench.{i}@desa.example.id>\r\n"
        f"Date: Wed, 25 Nov 2026 09:00:00 +0700\r\n\r\n"
        f"Jalan di RT {i % 20} rusak parah dan belum diperbaiki. Mohon ditindaklanjuti.\r\n"
    ).encode()


def fill(account: ImapAccount, n: int, *, flagged: bool) -> None:
    c = account.client()
    for start in range(0, n, 1000):
        c.multiappend("INBOX", [message(i) for i in range(start, min(n, start + 1000))])
    if flagged:
        c.select_folder("INBOX")
        c.add_flags("1:*", [PROCESSED_FLAG], silent=True)
    c.logout()


def inbox_for(account: ImapAccount, state: Path) -> ImapInbox:
    cfg = ImapConfig(**account.inbox_config())
    return ImapInbox(cfg, password=account.password, state_dir=state, batch=N_NEW)


def main() -> int:
    try:
        ctx = run_dovecot(extra_users=3)
        server = ctx.__enter__()
    except (FileNotFoundError, RuntimeError) as e:
        print(f"bench_imap: skipped: {e}", file=sys.stderr)
        return 0 if os.environ.get("CI") != "true" else 1
    tmp = Path(tempfile.mkdtemp(prefix="bench-imap-"))
    try:
        big = ImapAccount(server.host, server.port, "t1@example.test", server.password)
        fill(big, N_IDLE, flagged=True)
        with Counter() as first:
            inbox = inbox_for(big, tmp / "s1")
            assert inbox.poll() == []
            inbox.close()
        t0 = time.perf_counter()
        with Counter() as idle:
            inbox = inbox_for(big, tmp / "s1")
            assert inbox.poll() == []
            inbox.close()
        idle_ms = (time.perf_counter() - t0) * 1000
        print(f"imap_idle_poll_commands_20k: {idle.n} commands")
        print(f"imap_idle_poll_ms_20k: {idle_ms:.0f} ms")
        print(f"imap_first_poll_commands_20k: {first.n} commands")

        new = ImapAccount(server.host, server.port, "t2@example.test", server.password)
        fill(new, N_NEW, flagged=False)
        t0 = time.perf_counter()
        inbox = inbox_for(new, tmp / "s2")
        got = inbox.poll()
        kinds = {parse_message(m.data, m.key).kind for m in got}
        for m in got:
            inbox.mark_processed(m.key)
        inbox.close()
        assert len(got) == N_NEW and kinds == {"complaint"}, (len(got), kinds)
        print(f"imap_fetch_parse_500_s: {time.perf_counter() - t0:.2f} s")

        full = ImapAccount(server.host, server.port, "t3@example.test", server.password)
        fill(full, N_NEW, flagged=False)
        print(f"imap_intake_500_s: {intake_run(full, tmp / 'office')}")
    finally:
        ctx.__exit__(None, None, None)
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


def intake_run(account: ImapAccount, root: Path) -> str:
    """500 new mails through one full run (poll, parse, register into xlsx, mark)."""
    import yaml

    from aduan.config import load_settings
    from aduan.run.cycle import run_cycle
    from tests.conftest import settings_dict

    os.environ["ADUAN_TEST_IMAP_PASSWORD"] = account.password
    root.mkdir(parents=True)
    data = settings_dict(root, "bpbd", inbox=account.inbox_config())
    (root / "settings.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))
    settings = load_settings(root / "settings.yaml")
    from aduan.core.layout import build_layout
    from aduan.run.wiring import open_register

    reg = open_register(settings, build_layout(settings.load_sop(), settings.categories))
    reg.init()
    reg.close()
    t0 = time.perf_counter()
    try:
        report = run_cycle(settings)
    except Exception as e:  # the run is another module's; report, do not hide the IMAP figures
        return f"n/a ({type(e).__name__}: {e})"
    secs = time.perf_counter() - t0
    polled = report.counts.get("mail_polled", 0)
    if polled != N_NEW or report.problems:
        return f"{secs:.2f} s (polled {polled}, problems: {report.problems[:2]})"
    return f"{secs:.2f} s"


if __name__ == "__main__":
    sys.exit(main())
