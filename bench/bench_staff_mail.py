"""Measure the staff mail of the demo month (issue 21), from the demo's outbox.

Runs ``aduan demo`` into a temporary folder (or reads an existing demo folder given
as the first argument) and prints one ``name: value unit`` line per figure:

- mails per recipient per kind (the table of the issue's closing note);
- the most mails one address got on one day;
- escalations that reached the role whose step is late (must be 0);
- task mails without an ``aduan+…`` reply address (must be 0);
- complaints still overdue at the month's end, and the working days after their
  deadline on which their assignee got no mail naming them (must be 0).

The role whose step a mail is about comes from its ``X-Aduan-Role`` header; a mail
without one (before issue 21) is read by the "Penanggung jawab" line of its body.
Not a test.
"""

from __future__ import annotations

import email
import email.policy
import sys
import tempfile
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from aduan.config import load_settings  # noqa: E402
from aduan.core.layout import build_layout  # noqa: E402
from aduan.core.state import tracked_rows  # noqa: E402
from aduan.run.wiring import open_register  # noqa: E402

MONTH_END = datetime.fromisoformat("2026-11-30T16:00:00+07:00")


def _mails(outbox: Path) -> list[EmailMessage]:
    out = []
    for p in sorted(outbox.glob("*.eml")):
        msg = email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
        out.append(msg)  # type: ignore[arg-type]
    return out


def _body(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain",))
    return part.get_content() if part is not None else ""  # type: ignore[attr-defined]


def _role_of(msg: EmailMessage, labels: dict[str, str]) -> str:
    """The role whose step the mail is about (header, else the body's wording)."""
    if msg.get("X-Aduan-Role"):
        return str(msg["X-Aduan-Role"])
    text = _body(msg)
    for line in text.splitlines():
        for lead in ("Penanggung jawab tahap ini:", "Penanggung jawab:"):
            if line.strip().startswith(lead):
                label = line.strip()[len(lead) :].strip()
                return labels.get(label, label)
    return ""


def measure(root: Path) -> None:
    settings = load_settings(root / "settings.yaml")
    office = settings.office.id
    sop = settings.load_sop()
    cal = settings.calendar()
    labels = {r.label: k for k, r in sop.roles.items()}
    role_of_addr = {a.lower(): r for r, addrs in settings.roles.items() for a in addrs}
    on_call = {a.lower() for a in getattr(getattr(settings, "urgent", None), "on_call", [])}
    mails = _mails(settings.path(settings.mail.outbox))  # type: ignore[union-attr]

    per_kind: Counter[tuple[str, str]] = Counter()
    per_day: Counter[tuple[str, date]] = Counter()
    named: dict[tuple[str, date], set[str]] = defaultdict(set)  # (address, day) -> text
    to_late_role = 0
    escalations = 0
    tasks = 0
    tasks_no_reply = 0
    for msg in mails:
        kind = str(msg.get("X-Aduan-Kind", "?"))
        to = [a.lower() for _, a in getaddresses([str(msg.get("To", ""))]) if a]
        when = parsedate_to_datetime(str(msg["Date"])).astimezone(settings.tz)
        staff = [a for a in to if a in role_of_addr or a in on_call]
        for a in to:
            who = role_of_addr.get(a) or ("piket" if a in on_call else "pengadu")
            per_kind[(f"{who}<{a}>" if who != "pengadu" else "pengadu", kind)] += 1
        for a in staff:
            per_day[(a, when.date())] += 1
            named[(a, when.date())].add(str(msg["Subject"]) + "\n" + _body(msg))
        if kind == "eskalasi":
            escalations += 1
            late_role = _role_of(msg, labels)
            if any(role_of_addr.get(a) == late_role for a in staff):
                to_late_role += 1
        if kind == "tugas" and staff:
            tasks += 1
            reply_to = str(msg.get("Reply-To", ""))
            local = settings.reply_address.partition("@")[0]
            if f"{local}+" not in reply_to:
                tasks_no_reply += 1

    for (who, kind), n in sorted(per_kind.items()):
        print(f"{office}.mails[{who}][{kind}]: {n} mails")
    busiest = max(per_day.items(), key=lambda kv: kv[1], default=(("-", date(2026, 11, 1)), 0))
    print(f"{office}.mails_per_recipient_per_day_max: {busiest[1]} mails")
    print(f"{office}.busiest_recipient_day: {busiest[0][0]} {busiest[0][1]} day")
    print(f"{office}.escalations: {escalations} mails")
    print(f"{office}.escalations_to_late_role: {to_late_role} mails")
    print(f"{office}.task_mails: {tasks} mails")
    print(f"{office}.task_mails_without_reply_address: {tasks_no_reply} mails")

    # complaints overdue at the month's end: named to their assignee every working day
    layout = build_layout(sop, settings.categories)
    reg = open_register(settings, layout)
    try:
        rows = reg.read().rows
    finally:
        reg.close()
    overdue = 0
    owed = missing = 0
    for ticket, _row, st in tracked_rows(rows):
        if st.closed or not st.deadline or st.deadline >= MONTH_END:
            continue
        if not sop.has_step(st.step):
            continue
        overdue += 1
        step = sop.step(st.step)
        addrs = [a.lower() for a in settings.roles.get(step.actor, [])]
        day = cal.local(st.deadline).date() + timedelta(days=1)
        while day <= MONTH_END.date():
            if cal.is_working_day(day):
                owed += 1
                texts = [t for a in addrs for t in named.get((a, day), set())]
                if not any(ticket in t for t in texts):
                    missing += 1
            day += timedelta(days=1)
    print(f"{office}.overdue_at_month_end: {overdue} complaints")
    print(f"{office}.overdue_working_days_owed: {owed} item-days")
    print(f"{office}.overdue_working_days_not_named: {missing} item-days")


def main() -> None:
    if len(sys.argv) > 1:
        base = Path(sys.argv[1])
        for root in sorted(p.parent for p in base.glob("*/settings.yaml")):
            measure(root)
        return
    from aduan.demo.run import run_demo

    with tempfile.TemporaryDirectory() as tmp:
        run_demo(Path(tmp), echo=lambda *_a, **_k: None)
        for root in sorted(p.parent for p in Path(tmp).glob("*/settings.yaml")):
            measure(root)


if __name__ == "__main__":
    main()
