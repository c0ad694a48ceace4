"""The demo's staff deciding by reply (issue 21): find the task email of a step in
the outbox and write the reply its role would send, with the step's command."""

from __future__ import annotations

import email
import email.policy
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from aduan.core.sop import ReplyCommand, Step

__all__ = ["command_for", "reply_mail", "task_mail"]


def task_mail(outbox: Path, ticket: str, number: int, role: str) -> EmailMessage | None:
    """The task email of ``ticket``'s step ``number`` to ``role`` in the outbox."""
    for eml in sorted(outbox.glob("*.eml")):
        msg = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
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
