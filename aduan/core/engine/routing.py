"""Mail about a complaint already registered: the complainant writing again, a role
deciding its step by reply, and bounces of our own emails. Mail is matched to its
ticket by the number in the subject, then by the thread headers."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from aduan.core.engine.config import ADMIN_ROLE
from aduan.core.engine.decision import Run, add_staff, immediate, refresh
from aduan.core.engine.intake import arrived
from aduan.core.engine.relay import confirm as relay_confirm
from aduan.core.engine.service import resume, take_rating
from aduan.core.engine.steps import advance
from aduan.core.ids import message_id, safe_ticket, thread_id
from aduan.core.layout import C
from aduan.core.model import Attachment, InboundMail
from aduan.core.replies import find_tokens, judge
from aduan.core.sop import Step

__all__ = [
    "handle_bounce",
    "handle_decision",
    "handle_reply",
    "is_role_reply",
    "reply_target",
    "thread_index",
]


def thread_index(run: Run) -> dict[str, str]:
    """Message-ID -> ticket for threading: our thread roots and complainants' originals."""
    out: dict[str, str] = {}
    for ticket, row in run.by_ticket.items():
        for reg in _registers(run):
            out[thread_id(ticket, run.cfg.mail_domain, reg)] = ticket
        src = row.get(C.SOURCE)
        if src:
            out[src] = ticket
    return out


def _registers(run: Run) -> tuple[str, ...]:
    """The register parts our Message-IDs may carry: this register's id, and none (mail
    sent before the register had one, issue 17)."""
    return (run.register_id, "") if run.register_id else ("",)


def ours(run: Run, ticket: str, short: str) -> list[str]:
    """The Message-IDs the email ``ticket|short`` may have gone out with."""
    return [message_id(f"{ticket}|{short}", run.cfg.mail_domain, r) for r in _registers(run)]


def reply_target(run: Run, mail: InboundMail, thread_map: dict[str, str]) -> str | None:
    for m in run.pattern.finditer(mail.subject or ""):
        if m.group(0) in run.by_ticket:
            return m.group(0)
    for ref in [mail.in_reply_to, *mail.references]:
        if ref and ref in thread_map:
            return thread_map[ref]
    return None


def handle_reply(run: Run, mail: InboundMail, ticket: str) -> None:
    """The complainant wrote again: history, attachments, and tell whoever acts now."""
    row = run.by_ticket[ticket]
    st = run.states.get(ticket)
    if st is None:
        return
    if take_rating(run, mail, ticket):  # issue 20: "4, cepat ditangani" to a closed complaint
        return
    folder = f"{st.received.astimezone(run.cfg.tz).year}/{safe_ticket(ticket)}"
    n = hashlib.sha1(mail.message_id.encode()).hexdigest()[:10]
    if mail.attachments or mail.raw:
        keep = [
            Attachment(f"balasan-{n}-{a.filename}", a.content_type, a.data, a.inline)
            for a in mail.attachments
        ]
        if mail.raw:
            keep.append(Attachment(f"balasan-{n}.eml", "message/rfc822", mail.raw))
        run.d.attachments.append((folder, keep))
    run.event(
        ticket,
        "Balasan pengadu",
        (mail.text or "")[:1500],
        actor="Pengadu",
        key=f"{ticket}|balasan|{n}",
    )
    # issue 20: the complainant answered while waited for: both clocks run again
    asked = (st.pause or {}).get("what", "")
    resumed = asked if resume(run, ticket, st, arrived(run, mail), "pengadu membalas") else ""
    step = None if st.closed else run.sop.step(st.step)
    role = step.actor if step else run.sop.first.role
    reply = {
        "from": mail.from_addr,
        "subject": mail.subject,
        "text": mail.text[:5000],
        "date": mail.date,
    }
    extra = {"reply": reply, "resumed": resumed}
    run.notify(st, ticket, row.values, step, "balasan_pengadu", n, roles=[role], extra=extra)
    run.d.consumed.append(mail.source_key)
    run.d.counts["replies"] += 1
    refresh(run, ticket)


def is_role_reply(run: Run, mail: InboundMail, ticket: str | None) -> bool:
    """A reply that tries to decide a step: it carries one of our reply tokens, or a
    configured staff address answers about a ticket. Only when replies are on."""
    cfg = run.cfg
    if cfg.reply_keys is None:
        return False
    if find_tokens(mail, cfg.reply_address):
        return True
    sender = mail.from_addr.strip().lower()
    staff = any(sender in {a.lower() for a in addrs} for addrs in cfg.role_addresses.values())
    # issue 17: staff answering one of Aduan's mails about no ticket (a daily summary, an
    # out-of-office responder without RFC 3834 markers) is no complaint of theirs either
    return bool((ticket or _answers_ours(run, mail)) and staff)


def _answers_ours(run: Run, mail: InboundMail) -> bool:
    """Whether the mail's thread headers name a Message-ID of Aduan's (any register)."""
    ours = rf"<aduan\.[0-9a-f]{{24}}@{re.escape(run.cfg.mail_domain)}>"  # ids.message_id
    return any(
        re.fullmatch(ours, r.strip(), re.I) for r in (mail.in_reply_to, *mail.references) if r
    )


def handle_decision(run: Run, mail: InboundMail, ticket: str | None) -> None:
    """A role replied to decide its step: accept it (staff columns, step done, next
    step started, confirmation) or refuse it (Riwayat with the reason; a configured
    sender is told why, an unknown one is not answered). Each Message-ID is handled
    once: its hash goes into the row's ``sent`` list."""
    cfg, sop = run.cfg, run.sop
    run.d.consumed.append(mail.source_key)
    sender = mail.from_addr or "(tanpa alamat)"
    st = run.states.get(ticket) if ticket else None
    if ticket is None or st is None:
        run.log(f"balasan {mail.message_id} diabaikan: tidak menyebut aduan terdaftar")
        run.d.counts["decisions_unmatched"] += 1
        return
    h = hashlib.sha1(mail.message_id.encode()).hexdigest()[:10]
    mark = f"keputusan|{h}"
    if mark in st.sent:
        run.d.counts["decisions_duplicate"] += 1
        return
    st.sent.append(mark)
    if relay_confirm(run, mail, ticket, st):  # issue 16: TERKIRIM on a kabar task
        refresh(run, ticket)
        return
    step = None if st.closed or not sop.has_step(st.step) else sop.step(st.step)
    assert cfg.reply_keys is not None  # _is_role_reply checked it
    v = judge(
        mail,
        ticket=ticket,
        step=step,
        steps=sop.steps,
        role_addresses=cfg.role_addresses,
        keys=cfg.reply_keys,
        address=cfg.reply_address,
        today=run.now.date(),
        role_label={r: sop.role_label(r) for r in sop.roles},
    )
    row = run.by_ticket[ticket]
    who = f"{sop.role_label(v.role)} ({sender})" if v.role else sender
    # "decision", not "reply": that key is the complainant's words (identity-scrubbed)
    decision = {
        "from": mail.from_addr,
        "subject": mail.subject,
        "text": (mail.text or "")[:5000],
        "date": mail.date,
        "command": v.command.command if v.command else "",
        "values": v.values,
    }
    if not v.accepted:
        run.event(
            ticket,
            "Balasan ditolak",
            f"{v.reason}; Message-ID {mail.message_id}",
            actor=who,
            key=f"{ticket}|ditolak|{h}",
        )
        day = _refusal_key(run, mail)
        if v.role and _may_refuse(run, ticket, mail, step, v.role, day):
            extra = {"decision": decision, "refusal": v.reason}
            run.notify(st, ticket, row.values, step, "ditolak", day, roles=[v.role], extra=extra)
            immediate(run, ticket, "ditolak")
        elif v.role:
            run.d.counts["refusals_suppressed"] += 1
        run.d.counts["decisions_refused"] += 1
        refresh(run, ticket)
        return
    assert step is not None and v.command is not None
    values = dict(row.values)
    written = {c: val for c, val in v.values.items() if not (values.get(c) or "").strip()}
    values.update(written)
    row.values.update(written)
    detail = "; ".join(f"{c}: {val}" for c, val in v.values.items())
    if len(written) < len(v.values):
        detail += "; kolom yang sudah diisi staf tidak ditimpa"
    run.event(
        ticket,
        f"Keputusan lewat email: {v.command.command}",
        f"{detail}; Message-ID {mail.message_id}",
        actor=who,
        key=f"{ticket}|keputusan|{h}",
    )
    extra = {"decision": decision}
    run.notify(st, ticket, values, step, "konfirmasi", h, roles=[v.role or step.actor], extra=extra)
    immediate(run, ticket, "konfirmasi")
    before = len(run.d.notifications)
    # the step is done when the server received the reply, not at this poll (issue 21)
    advance(run, ticket, values, st, arrived(run, mail))
    _confirm_in_next_task(run, ticket, v.role or step.actor, before, decision)
    run.d.counts["decisions_accepted"] += 1
    refresh(run, ticket)
    if written:
        add_staff(run, ticket, written)


# what Aduan sends that nobody should answer: an answer to one is never answered again
_NOTICE_KINDS = frozenset({"ditolak", "konfirmasi", "pantulan"})


def _refusal_key(run: Run, mail: InboundMail) -> str:
    """One refusal per sender, ticket, step and day: the key of the day's refusal."""
    who = (mail.from_addr or "?").strip().lower()
    return hashlib.sha1(f"{who}|{run.now.date().isoformat()}".encode()).hexdigest()[:10]


def _may_refuse(
    run: Run, ticket: str, mail: InboundMail, step: Step | None, role: str, day: str
) -> bool:
    """False when a refusal would feed a loop: the mail answers one of Aduan's own
    refusals or notices (a responder that strips the RFC 3834 markers and replies
    from the user's own address), or this sender was refused on this step today."""
    st = run.states[ticket]
    if f"{step.id if step else '-'}|ditolak|{day}|{role}" in st.sent:
        return False
    notices = {
        mid
        for short in st.sent
        if short.count("|") >= 3 and short.split("|")[1] in _NOTICE_KINDS
        for mid in ours(run, ticket, short)
    }
    return not any(r in notices for r in (mail.in_reply_to, *mail.references) if r)


def _failed_staff(run: Run, failed: str) -> list[tuple[str, str]]:
    """(role, address) for each failed address that is a role's in the settings."""
    addrs = [a.strip().lower() for a in failed.split(",") if a.strip()]
    return [
        (role, a)
        for a in addrs
        for role, known in run.cfg.role_addresses.items()
        if a in {k.lower() for k in known}
    ]


def _whose(run: Run, values: dict[str, str], failed: str) -> str:
    """Whose mail failed, for Riwayat: the complainant's, or a role's (its address to fix)."""
    addrs = [a.strip().lower() for a in failed.split(",") if a.strip()]
    staff = [f"{run.sop.role_label(role)} ({a})" for role, a in _failed_staff(run, failed)]
    if staff:
        return "email kepada " + ", ".join(staff) + " — perbaiki alamat peran di pengaturan"
    if run.complainant_email(values) in addrs:
        return "email kepada pengadu"
    return "email kepada penerima"


def _confirm_in_next_task(
    run: Run, ticket: str, role: str, before: int, decision: dict[str, Any]
) -> None:
    """When the decision starts a step of the same role, its task email says the
    decision was accepted, instead of a confirmation of its own beside it (issue 21:
    one mail, not two, for the person who just replied)."""
    tasks = [
        n
        for n in run.d.notifications[before:]
        if n.ticket == ticket and n.kind == "tugas" and n.to_roles == (role,)
    ]
    if not tasks:
        return
    for i in range(before - 1, -1, -1):
        n = run.d.notifications[i]
        if n.ticket == ticket and n.kind == "konfirmasi" and n.to_roles == (role,):
            del run.d.notifications[i]  # its key stays in the row's sent list: never re-sent
            run.d.counts["email_konfirmasi"] -= 1
            break
    else:
        return
    tasks[0].context["decision"] = decision
    tasks[0].not_before = None  # goes now, as the confirmation would have


def handle_bounce(run: Run, mail: InboundMail, thread_map: dict[str, str]) -> None:
    """A bounce of one of our emails: history of that ticket + tell the officer."""
    refs = [mail.in_reply_to, *mail.references]
    ticket = next((thread_map[r] for r in refs if r in thread_map), None)
    if ticket is None and refs:
        # the bounce quotes the Message-ID of the email that failed: one of ours
        sent = {
            mid: t
            for t, st in run.states.items()
            for short in st.sent
            for mid in ours(run, t, short)
        }
        ticket = next((sent[r] for r in refs if r in sent), None)
    if ticket is None:
        for m in run.pattern.finditer(mail.subject + "\n" + mail.text[:5000]):
            if m.group(0) in run.by_ticket:
                ticket = m.group(0)
                break
    if ticket is None or ticket not in run.states:
        run.log(f"pantulan/laporan pengiriman {mail.message_id} diabaikan: tidak terkait aduan")
        run.d.counts["mail_bounce"] += 1
        return
    st = run.states[ticket]
    row = run.by_ticket[ticket]
    failed = ", ".join(p.removeprefix("failed: ") for p in mail.problems if p.startswith("failed:"))
    n = hashlib.sha1(mail.message_id.encode()).hexdigest()[:10]
    delayed = [p.removeprefix("delayed: ") for p in mail.problems if p.startswith("delayed:")]
    if mail.kind == "delay":
        # a 4.x.x delay warning: the server is still trying; record it, alarm nobody
        run.event(
            ticket,
            "Email tertunda",
            f"server masih mencoba mengirim ke {', '.join(delayed) or '(alamat tidak disebut)'}",
            key=f"{ticket}|tertunda|{n}",
        )
        run.d.counts["bounces_delayed"] += 1
        return
    run.event(
        ticket,
        "Email tidak terkirim",
        f"{_whose(run, row.values, failed)}; pantulan dari server: {failed or mail.subject}"[:500],
        key=f"{ticket}|pantulan|{n}",
    )
    extra: dict[str, Any] = {
        "reply": {
            "from": mail.from_addr,
            "subject": mail.subject,
            "text": failed or mail.text[:2000],
            "date": mail.date,
        }
    }
    roles = [run.sop.first.role]  # the complainant's address: the officer checks the contact
    staff = _failed_staff(run, failed)
    if staff:  # a stale staff address: the admin and the role's other members fix it
        # once a day per address, whatever the number of its mails that bounce
        fresh = [(r, a) for r, a in staff if f"pantulan-staf:{a}:{run.now.date()}" not in run.meta]
        for _, a in fresh:
            k = f"pantulan-staf:{a}:{run.now.date()}"
            run.meta[k] = run.d.writes.meta[k] = ticket
        if not fresh:
            run.d.counts["bounces"] += 1
            return
        roles = [*dict.fromkeys(role for role, _ in fresh), ADMIN_ROLE]
        extra["failed_staff"] = [{"role": run.sop.role_label(r), "address": a} for r, a in fresh]
        extra["failed_addresses"] = [a for _, a in staff]
    run.notify(st, ticket, row.values, None, "pantulan", n, roles=roles, extra=extra)
    refresh(run, ticket)
    run.d.counts["bounces"] += 1
