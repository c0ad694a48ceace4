"""`aduan demo`: a month of complaints for the three demo offices, on one simulated clock.

For each office it writes `<dir>/<office>/settings.yaml`, a Maildir, an xlsx register,
a file outbox; then it walks November 2026 like cron would: at every 5-minute mark
where something is due for an office, its people act (:mod:`aduan.demo.sim`: the
prepared emails arrive, WA/SMS/phone complaints are typed in, staff fill their
columns, some on time, some late, so reminders and escalations go out), the due
offices' cycles run through the fleet runner (`aduan run --all`: one process per
office), and the fleet's courier carries the mail between the offices, so BPBD's
hand-off of a road complaint reaches Dinas PUPR, which registers and closes it, and
its status comes back to BPBD's register. The real `run_cycle` does all the work;
the demo only plays the people.
"""

from __future__ import annotations

import logging
import secrets
import shutil
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import yaml

from aduan.core.layout import C
from aduan.demo.data import AGENCIES, HANDOFF_SCRIPT, OFFICES
from aduan.demo.mails import WIB
from aduan.demo.sim import END, FORM_TAB, HANDOFF_CHANNEL, START, TICK, DemoOffice, Sim
from aduan.run.courier import Courier, CourierStop
from aduan.run.fleet import FleetOffice, cycle_work, run_fleet
from aduan.run.wiring import open_register
from aduan.support.atomic import write_atomic

__all__ = ["run_demo", "DemoOffice"]

logger = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parents[2]
#: the offices that play their staff for a complaint handed over to them (issue 19)
HANDOFFS = {"dpupr-karanganyar": HANDOFF_SCRIPT}
#: the complaint BPBD hands to Dinas PUPR, checked at the end of the month
HANDED = ("bpbd-karanganyar", "dpupr-karanganyar", "Jalan kabupaten berlubang di Karangpandan")
Echo = Callable[..., Any]


def _write_settings(root: Path, spec: dict, key_file: Path) -> None:
    # issue 19: an agency that is itself a demo office gets its office id (signed
    # hand-offs); every office shares the pemda key
    offices = {o["from"].lower(): o["office"]["id"] for o in OFFICES.values()}
    agencies = [
        {**a, "office_id": offices[str(a["email"]).lower()]}
        if str(a.get("email", "")).lower() in offices and "office_id" not in a
        else a
        for a in AGENCIES.get(spec["sop"], [])
    ]
    data = {
        # issue 22: the demo office sets a logo, so every document shows the emblem
        "office": {"logo": str(REPO / "templates" / "logo-contoh.png"), **spec["office"]},
        "sop": str(REPO / "config" / "sop" / spec["sop"]),
        "timezone": "WIB",
        "categories": spec["categories"],
        "roles": spec["roles"],
        "sheet_url": "",
        "inbox": {"type": "maildir", "path": "maildir"},
        "register": {"type": "xlsx", "path": "register.xlsx"},
        "mail": {"type": "file", "outbox": "outbox"},
        "forms": {"tab": FORM_TAB, "since": "2026-11-01"},
        # issue 21: decisions by reply (the key is made in state/ on first use), the
        # daily overdue summary, urgent complaints at any hour
        "replies": {"enabled": True},
        "digest": True,
        **({"urgent": spec["urgent"]} if spec.get("urgent") else {}),
        # -- issue 16: the agencies this office forwards to (every one with an address)
        "agencies": agencies,
        "handoff": {"key_file": str(key_file)},  # issue 19
        "mail_identity": {
            "from_address": spec["from"],
            "from_name": f"Layanan Aduan {spec['office']['short_name']}",
        },
        "paths": {"documents": "dokumen", "attachments": "lampiran", "state": "state"},
        "templates": str(REPO / "templates"),
        "base": str(root),
    }
    (root / "settings.yaml").write_text(
        "# Dibuat oleh `aduan demo`. Contoh pengaturan lengkap: config/settings.example.yaml\n"
        + yaml.safe_dump(data, allow_unicode=True, sort_keys=False),
        encoding="utf-8",
    )


def _setup(out: Path) -> list[Sim]:
    """Every demo office's folder, settings, register and form; the pemda key."""
    out.mkdir(parents=True, exist_ok=True)
    key_file = write_atomic(out / "pemda.key", secrets.token_hex(32) + "\n", mode=0o600)
    sims = []
    for office_id, spec in OFFICES.items():
        root = (out / office_id).resolve()
        if root.exists():
            shutil.rmtree(root)
        root.mkdir(parents=True)
        _write_settings(root, spec, key_file.resolve())
        sim = Sim(root, office_id, spec, HANDOFFS.get(office_id))
        reg = open_register(sim.settings, sim.layout)
        try:
            reg.init()
        finally:
            reg.close()
        sim.link_form()
        sims.append(sim)
    return sims


def _month(sims: list[Sim], echo: Echo) -> None:
    """November on one clock: at each mark, the due offices' people act, their cycles run
    through the fleet runner, the courier carries the mail between the offices, and the
    people look at what the cycles did."""
    fleet = {s.office_id: FleetOffice(s.office_id, s.root / "settings.yaml") for s in sims}
    courier = Courier(CourierStop.of(s.office_id, s.settings) for s in sims)
    due_at: dict[str, datetime | None] = {s.office_id: START for s in sims}
    now = START
    passes = carried = 0
    while now <= END:
        due = [s for s in sims if (t := due_at[s.office_id]) is not None and t <= now]
        for s in due:
            s.before(now)
        results = run_fleet([fleet[s.office_id] for s in due], partial(cycle_work, now=now))
        rep = courier.deliver(now)
        for s, res in zip(due, results, strict=True):
            due_at[s.office_id] = s.after(now, res)
        for name in rep.to_office:  # mail arrived: that office's cron picks it up next
            t = due_at[name]
            due_at[name] = min(t, now + TICK) if t else now + TICK
        for p in rep.problems:
            logger.warning("demo courier: %s", p)
        passes, carried = passes + 1, carried + rep.delivered
        later = [t for t in due_at.values() if t is not None]
        if not later:
            break
        now = min(later)
    echo(f"Armada: {passes} putaran run --all, kurir mengantar {carried} email antar-kantor")
    # after the last mark: the last sends logged, the last mail between offices carried
    when = END + timedelta(minutes=5)
    last = run_fleet(list(fleet.values()), partial(cycle_work, now=when))
    courier.deliver(when)
    for s, res in zip(sims, last, strict=True):
        s.ran(res)


def run_demo(out: Path, *, echo: Echo = print) -> list[DemoOffice]:
    """Build and run the demo for every demo office under ``out``; print a summary."""
    from aduan.run.recap import run_recap

    sims = _setup(out)
    names = ", ".join(s.spec["office"]["short_name"] for s in sims)
    echo(f"Demo {names}: menjalankan November 2026 (satu jam, aduan run --all) ...")
    _month(sims, echo)
    results = []
    for s in sims:
        # the 1st of December: the monthly recap for the head (the recap cron line)
        rec = run_recap(
            s.settings, (2026, 11), now=datetime(2026, 12, 1, 7, 30, tzinfo=WIB), send=True
        )
        s.result.problems += rec.problems
        s.result.recap = rec.path
        results.append(s.finish())
    _summary(results, echo)
    _handed(results, echo)
    _pemda(out, echo)  # issue 19
    return results


# -- issue 19: the demo offices as one pemda's fleet -----------------------------------
def _handed(results: list[DemoOffice], echo: Echo) -> None:
    """The hand-off between two demo offices: the receiving office registered and closed
    it, and the sending office's register shows the outcome (a problem if not)."""
    by = {r.office_id: r for r in results}
    src, dst, subject = HANDED
    if src not in by or dst not in by:
        return
    sent = next((r for r in by[src].rows if r.get(C.SUBJECT) == subject), None)
    got = next((r for r in by[dst].rows if r.get(C.CHANNEL, "").startswith(HANDOFF_CHANNEL)), None)
    closed = got is not None and got.get(C.STATUS) == "Selesai"
    line = next(
        (x for x in (sent or {}).get(C.STEP, "").split("\n") if got and got[C.TICKET] in x), ""
    )
    shown = "selesai" in line.casefold()  # the agency's closing, as BPBD's Tahap shows it
    echo(f"Penyaluran antar-kantor: {subject}")
    if sent is not None:
        step = " / ".join(sent.get(C.STEP, "").split("\n"))
        echo(f"  {src}: {sent[C.TICKET]} — {sent.get(C.STATUS, '')} — {step}")
    if got is not None:
        echo(f"  {dst}: {got[C.TICKET]} — {got[C.CHANNEL]} — {got.get(C.STATUS, '')}")
    if not (closed and shown):
        what = f"penyaluran {subject!r} ke {dst} tidak selesai atau tidak tampak di {src}"
        echo(f"  masalah: {what}")
        by[src].problems.append(what)


def _pemda(out: Path, echo: Echo) -> None:
    """After the month: one steady pass of `aduan run --all` over the demo folder (its
    cycles and its courier) and the pemda recap of November (the fleet's cron lines)."""
    from aduan.run.courier import run_courier
    from aduan.run.fleet import find_offices, fleet_total
    from aduan.run.pemda import run_pemda_recap

    offices = find_offices(out)
    when = END + timedelta(minutes=10)
    echo(f"Armada pemda: aduan run --all {out} ({len(offices)} kantor)")
    results = run_fleet(offices, lambda o: cycle_work(o, now=when))
    for r in results:
        echo(f"  {r.line}")
    echo(f"  {run_courier(offices, now=when).line}")
    echo(f"  {fleet_total(results, sum(r.seconds for r in results))}")
    rep = run_pemda_recap(
        offices, (2026, 11), out=out / "rekap-pemda", now=datetime(2026, 12, 1, 7, 30, tzinfo=WIB)
    )
    echo(f"  rekap pemda: {rep.docx}")
    echo(f"  sheet pemda: {rep.sheet}")
    for p in rep.problems:
        echo(f"  masalah: {p}")


# -- end issue 19 ------------------------------------------------------------------------


def _summary(results: list[DemoOffice], echo: Echo) -> None:
    from rich.console import Console
    from rich.table import Table

    for res in results:
        rows = [r for r in res.rows if r.get(C.TICKET)]
        t = Table(
            title=f"{res.office_id}: {len(rows)} aduan, {res.cycles} siklus, "
            f"{res.emails} email, {res.documents} dokumen"
        )
        for h, width in (
            ("No. Aduan", 16),
            ("Saluran", 15),
            ("Perihal", 30),
            ("Tahap", 26),
            ("Status", 10),
            ("Terlambat", 9),
        ):
            t.add_column(
                h, no_wrap=True, overflow="ellipsis", min_width=min(width, 10), max_width=width
            )
        for r in rows:
            late = r.get(C.LATE, "")
            t.add_row(
                r.get(C.TICKET, ""),
                r.get(C.CHANNEL, ""),
                r.get(C.SUBJECT, "")[:38],
                r.get(C.STEP, "")[:40],
                r.get(C.STATUS, ""),
                f"[red]{late}[/red]" if late == "Ya" else late,
            )
        console = Console()
        console.width = max(console.width, 136)  # a pipe reports 80: keep one line per row
        console.print(t)
        echo(f"  register : {res.root / 'register.xlsx'}")
        echo(f"  email    : {res.root / 'outbox'}/*.eml")
        echo(f"  dokumen  : {res.root / 'dokumen'}")
        if res.recap:
            echo(f"  rekap    : {res.recap}")
        echo(f"  aduan asal (email contoh): {res.root / 'kiriman'}")
        if res.problems:
            echo(f"  masalah  : {len(res.problems)} (lihat log); contoh: {res.problems[0]}")
