"""The demo's staff deciding by reply (issue 21): find the task email of a step in
the outbox and write the reply its role would send, with the step's command."""

from __future__ import annotations

import email.policy
from collections.abc import Mapping, Sequence
from datetime import datetime
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.utils import format_datetime
from pathlib import Path

from aduan.core.sop import ReplyCommand, Sop, Step

__all__ = ["command_for", "confirm_kabars", "confirm_mail", "reply_mail", "task_mail"]


def _head(eml: Path) -> EmailMessage:
    """An outbox mail's headers (all a reply needs; the body is never parsed: the demo
    looks at the outbox at every moment of the month)."""
    msg = BytesHeaderParser(policy=email.policy.default).parsebytes(eml.read_bytes())
    assert isinstance(msg, EmailMessage)
    return msg


def task_mail(outbox: Path, ticket: str, number: int, role: str) -> EmailMessage | None:
    """The task email of ``ticket``'s step ``number`` to ``role`` in the outbox."""
    for eml in sorted(outbox.glob("*.eml")):
        if "-tugas-" not in eml.name:  # the outbox names each mail's kind
            continue
        msg = _head(eml)
        if (
            msg.get("X-Aduan-Kind") == "tugas"
            and msg.get("X-Aduan-Ticket") == ticket
            and msg.get("X-Aduan-Step") == str(number)
            and msg.get("X-Aduan-Role") == role
        ):
            return msg
    return None


def command_for(step: Step, cells: dict[str, str]) -> ReplyCommand | None:
    """The step's reply command that sets (a part of) what the script types."""
    for r in step.replies:
        if all(k in cells and (v == "{text}" or v == cells[k]) for k, v in r.set.items()):
            return r
    return None


def reply_mail(
    task: EmailMessage,
    cmd: ReplyCommand,
    cells: dict[str, str],
    sender: str,
    when: datetime,
    n: int,
) -> bytes:
    """The reply a role sends from its registered address to the task's aduan+… address."""
    text = next((cells[k] for k, v in cmd.set.items() if v == "{text}"), "")
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = str(task["Reply-To"])
    msg["Subject"] = f"Re: {task['Subject']}"
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = f"<demo-keputusan-{n:03d}@contoh.go.id>"
    msg["In-Reply-To"] = str(task["Message-ID"])
    msg.set_content(f"{cmd.command}: {text}\n" if text else f"{cmd.command}\n")
    return msg.as_bytes()


# -- issue 16: the petugas confirms a kabar task (the message passed on by WA/SMS/phone)
def confirm_mail(task: EmailMessage, sender: str, when: datetime, n: str) -> bytes:
    """The petugas's ``TERKIRIM`` reply to a kabar task's aduan+… address."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = str(task["Reply-To"])
    msg["Subject"] = f"Re: {task['Subject']}"
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = f"<demo-terkirim-{n}@contoh.go.id>"
    msg["In-Reply-To"] = str(task["Message-ID"])
    msg.set_content("TERKIRIM\n")
    return msg.as_bytes()


def confirm_kabars(
    outbox: Path,
    maildir: Path,
    roles: Mapping[str, Sequence[str]],
    sop: Sop,
    when: datetime,
    done: set[str] | None = None,
) -> None:
    """The petugas passed each kabar task's message on: a TERKIRIM reply from its
    address for each kabar in the outbox not confirmed yet, delivered ``when``.
    ``done``: the outbox files already looked at (kept by the caller between calls)."""
    sender = roles[sop.first.role][0]
    done = set() if done is None else done
    for eml in sorted(outbox.glob("*.eml")):
        if eml.name in done:
            continue
        if "-kabar-" not in eml.name:  # the outbox names each mail's kind
            done.add(eml.name)
            continue
        name = f"demo-terkirim-{eml.stem}"
        if any(maildir.glob(f"*/*{name}*")):
            done.add(eml.name)
            continue
        msg = _head(eml)
        if msg.get("X-Aduan-Kind") != "kabar" or not msg.get("Reply-To"):
            continue
        tmp = maildir / "tmp" / f"{int(when.timestamp())}.{name}.demo"
        tmp.write_bytes(confirm_mail(msg, sender, when, eml.stem))
        tmp.rename(maildir / "new" / tmp.name)
        done.add(eml.name)
