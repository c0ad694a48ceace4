"""A kabar task's bookkeeping (issue 16 part 4), for the engine's notify and for
:mod:`aduan.core.engine.relay`: the reply token the petugas confirms with, and the
marks in the row's ``sent`` list (``kabar|<short>|<ISO time>`` when the task went out,
``kabar-ok|<short>`` once confirmed)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aduan.core.replies import ReplyKeys, make_token, reply_address, subject_tag
from aduan.core.state import RowState

__all__ = ["CONFIRM_COMMAND", "OK", "REMIND", "SENT", "reply_context", "sent", "token_step"]

#: the reply that says the petugas passed the message on
CONFIRM_COMMAND = "TERKIRIM"
SENT, OK, REMIND = "kabar", "kabar-ok", "~ingat"


def token_step(short: str) -> str:
    """The "step" a kabar token is made for: the notification it relays."""
    return "kabar:" + short


def reply_context(
    keys: ReplyKeys | None, address: str, ticket: str, short: str, role: str
) -> dict[str, Any]:
    """What a kabar task needs so the petugas can confirm it by reply ({} when replies
    are off: the task then says to note it in the register)."""
    if keys is None or not address:
        return {}
    token = make_token(keys.current, ticket, token_step(short), role)
    return {
        "reply_to": reply_address(address, token),
        "reply_token": token,
        "reply_tag": subject_tag(token),
        "relay_command": CONFIRM_COMMAND,
    }


def sent(st: RowState, short: str, now: datetime) -> None:
    """Record that the kabar task for ``short`` went out (once)."""
    if not any(s.startswith(f"{SENT}|{short}|") for s in st.sent):
        st.sent.append(f"{SENT}|{short}|{now.isoformat()}")
