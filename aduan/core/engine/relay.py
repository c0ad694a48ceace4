"""The petugas confirms a relayed message (issue 16 part 4): a kabar task (the
complainant's message to pass on by WhatsApp/SMS/phone) is answered with ``TERKIRIM``;
*Riwayat* records it, and one reminder goes out when it is not confirmed within the
office's first-response standard (working days, the service setting).

The row's ``sent`` list carries the bookkeeping: ``kabar|<short>|<ISO time>`` when the
task went out, ``kabar-ok|<short>`` once confirmed; the reminder is a notification of
its own (``<short>`` with ``~ingat``), so it goes out once.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from aduan.core.engine.decision import Run
from aduan.core.engine.kabar import CONFIRM_COMMAND, OK, REMIND, SENT, token_step
from aduan.core.layout import C
from aduan.core.model import InboundMail
from aduan.core.replies import (
    auth_failures,
    find_tokens,
    parse_command,
    sender_roles,
    token_matches,
)
from aduan.core.state import RowState, aware

__all__ = ["confirm", "remind"]

#: what the Riwayat line calls each relayed message
_WHAT = {
    "tanda_terima": "tanda terima",
    "jawaban_langsung": "jawaban",
    "hasil": "hasil penyelesaian",
    "penyaluran": "pemberitahuan penyaluran",
    "perkembangan": "kabar perkembangan",
    "minta_kelengkapan": "permintaan kelengkapan",
    "pengingat_kelengkapan": "pengingat kelengkapan",
    "tidak_dilengkapi": "pemberitahuan penutupan",
}
_BY = {"WhatsApp": "WhatsApp", "SMS": "SMS", "Telepon": "telepon", "Datang Langsung": "tatap muka"}


def _relays(st: RowState) -> list[tuple[str, datetime | None]]:
    out = []
    for s in st.sent:
        if s.startswith(f"{SENT}|"):
            short, _, when = s[len(SENT) + 1 :].rpartition("|")
            out.append((short, aware(when)))
    return out


def _parts(short: str) -> tuple[str, str, str]:
    step_id, kind, n = (short.split("|") + ["", "", ""])[:3]
    return step_id, kind, n


def confirm(run: Run, mail: InboundMail, ticket: str, st: RowState) -> bool:
    """A reply to a kabar task: record the confirmation (or why it was refused) in
    Riwayat. False when the mail answers no kabar task of this ticket."""
    keys = run.cfg.reply_keys
    if keys is None:
        return False
    tokens = find_tokens(mail, run.cfg.reply_address)
    role = run.sop.first.role
    today = run.now.date()
    short = next(
        (
            s
            for s, _ in _relays(st)
            if any(token_matches(keys, t, ticket, token_step(s), role, today) for t in tokens)
        ),
        None,
    )
    if short is None:
        return False
    h = hashlib.sha1(mail.message_id.encode()).hexdigest()[:10]
    sender = (mail.from_addr or "").strip().lower()
    who = f"{run.sop.role_label(role)} ({sender or '(tanpa alamat)'})"
    reason = ""
    if role not in sender_roles(sender, run.cfg.role_addresses):
        reason = f"pengirim {sender or '(tanpa alamat)'} bukan alamat {run.sop.role_label(role)}"
    elif auth_failures(mail.auth_results, sender.rpartition("@")[2]):
        reason = "pemeriksaan keaslian email gagal untuk domain pengirim"
    elif parse_command(mail.text, [CONFIRM_COMMAND]) is None:
        reason = f"perintah {CONFIRM_COMMAND} tidak ditemukan di baris pertama balasan"
    if reason:
        run.event(ticket, "Balasan ditolak", f"{reason}; Message-ID {mail.message_id}", actor=who,
                  key=f"{ticket}|ditolak|{h}")  # fmt: skip
        run.d.counts["relay_refused"] += 1
        return True
    if f"{OK}|{short}" in st.sent:
        run.d.counts["relay_duplicate"] += 1
        return True
    st.sent.append(f"{OK}|{short}")
    _, kind, _ = _parts(short)
    values = run.by_ticket[ticket].values
    channel = values.get(C.CHANNEL, "") or "telepon"
    cmd = parse_command(mail.text, [CONFIRM_COMMAND])
    note = f" ({cmd.text})" if cmd and cmd.text else ""
    what = _WHAT.get(kind, kind.replace("_", " "))
    run.event(
        ticket,
        "Kabar disampaikan",
        f"Kabar {what} disampaikan petugas lewat {_BY.get(channel, channel)}{note}",
        actor=who,
        key=f"{ticket}|kabar-ok|{short}",
    )
    run.d.counts["relay_confirmed"] += 1
    return True


def remind(run: Run, ticket: str, values: dict[str, str], st: RowState) -> bool:
    """One reminder to the petugas for each kabar not confirmed within the office's
    first-response standard (working days after the task went out)."""
    days = run.cfg.service.kind_of(values).first_days
    went = False
    for short, when in _relays(st):
        if when is None or f"{OK}|{short}" in st.sent or "~" in short:
            continue
        if run.now < run.cfg.calendar.add(when, working_days=days):
            continue
        step_id, kind, n = _parts(short)
        step = run.sop.step(step_id) if run.sop.has_step(step_id) else None
        before = len(run.d.notifications)
        extra = {"relay_reminder": short}
        run.notify(st, ticket, values, step, kind, f"{n}{REMIND}", complainant=True, extra=extra)
        went |= len(run.d.notifications) > before
    return went
