"""Staff mail people act on (issue 21): headers for filters, urgent complaints at any
hour, time taken from when the mail server received a mail, decisions before the
ladder, the daily cap — on the real Maildir -> xlsx register -> file outbox cycle
(and Dovecot for IMAP INTERNALDATE), with a frozen clock."""

from __future__ import annotations

from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from zoneinfo import ZoneInfo

from aduan.config import ImapInbox as ImapConfig
from aduan.core.layout import HISTORY_TAB, C
from aduan.core.state import RowState
from aduan.inbox.imap import ImapInbox
from aduan.run.cycle import run_cycle
from tests.test_cycle import complaint, outbox, rows, setup_office, staff_edit

WIB = ZoneInfo("Asia/Jakarta")
MON = datetime(2026, 11, 2, 8, 0, tzinfo=WIB)
SAT_NIGHT = datetime(2026, 11, 21, 22, 15, tzinfo=WIB)
URGENT = {
    "categories": ["Bencana"],
    "keywords": ["kebakaran", "pohon tumbang"],
    "on_call": ["pusdalops@bpbd.example.go.id"],
    "emergency_number": "(0271) 495000 / 112",
}


def deliver_at(settings, name: str, raw: bytes, when: datetime) -> None:
    """Deliver into the Maildir as an MTA does at ``when``: the file is named
    ``<unix time>.<unique>.<host>``, the Maildir convention."""
    md = settings.path(settings.inbox.path)
    for sub in ("new", "cur", "tmp"):
        (md / sub).mkdir(parents=True, exist_ok=True)
    name = f"{int(when.timestamp())}.{name}.mx"
    tmp = md / "tmp" / name
    tmp.write_bytes(raw)
    tmp.rename(md / "new" / name)


def staff_mails(s) -> list:
    return [m for m in outbox(s) if m["X-Aduan-Kind"] not in ("tanda_terima", "hasil")]


# ------------------------------------------------------------------ part 7
def test_every_staff_mail_says_its_step_and_role_complainant_mail_does_not(make_settings):
    s = setup_office(make_settings, "blitar")
    sop = s.load_sop()
    deliver_at(s, "m1", complaint(1, "Bantuan PKH"), MON)
    run_cycle(s, now=MON)
    ticket = rows(s.path(s.register_.path))[0][C.TICKET]
    staff_edit(s.path(s.register_.path), ticket, {"Kewenangan": "Kewenangan Dinas"})
    run_cycle(s, now=MON + timedelta(minutes=2))
    run_cycle(s, now=MON + timedelta(minutes=40))  # step 2 late: reminder + escalation
    mails = outbox(s)
    kinds = {m["X-Aduan-Kind"] for m in mails}
    assert {"tanda_terima", "tugas", "pengingat", "eskalasi"} <= kinds
    for m in mails:
        if m["X-Aduan-Kind"] == "tanda_terima":
            assert m["X-Aduan-Step"] is None and m["X-Aduan-Role"] is None
            continue
        step = sop.steps[[st.number for st in sop.steps].index(int(m["X-Aduan-Step"]))]
        assert f"tahap {step.number}" in m["Subject"]
        assert m["X-Aduan-Role"] == step.actor
    esc = next(m for m in mails if m["X-Aduan-Kind"] == "eskalasi")
    # the Sekretaris' step is late: the Kepala Dinas is told, filtered by the late role
    assert esc["To"] == "kadis@dinsos.example.go.id" and esc["X-Aduan-Role"] == "sekretaris"


# ------------------------------------------------------------------ part 4
def test_urgent_complaint_at_night_reaches_the_on_call_list_at_once(make_settings):
    setup_office(make_settings, "bpbd")  # the register
    s = make_settings("bpbd", urgent=URGENT)
    deliver_at(s, "m1", complaint(1, "Kebakaran hutan di lereng Lawu"), SAT_NIGHT)
    deliver_at(s, "m2", complaint(2, "Jalan berlubang", "lain@contoh.id"), SAT_NIGHT)
    run_cycle(s, now=SAT_NIGHT)
    got = sorted((m["To"], m["X-Aduan-Kind"], m["X-Aduan-Ticket"]) for m in outbox(s))
    fire = [r for r in rows(s.path(s.register_.path)) if "Kebakaran" in r[C.SUBJECT]][0]
    t = fire[C.TICKET]
    assert ("petugas@bpbd.example.go.id", "tugas", t) in got
    assert ("pusdalops@bpbd.example.go.id", "tugas", t) in got
    # the ordinary complaint's task waits for Monday's opening
    assert sum(1 for to, kind, _ in got if kind == "tugas") == 2
    ack = next(m for m in outbox(s) if m["To"] == "warga@contoh.id")
    assert "(0271) 495000 / 112" in ack.get_body(preferencelist=("plain",)).get_content()
    other = next(m for m in outbox(s) if m["To"] == "lain@contoh.id")
    assert "495000 / 112" not in other.get_body(preferencelist=("plain",)).get_content()
    # its ladder runs on the clock: 5 minutes later, a reminder, at night
    n = len(outbox(s))
    run_cycle(s, now=SAT_NIGHT + timedelta(minutes=5))
    new = [(m["To"], m["X-Aduan-Kind"]) for m in outbox(s)[n:]]
    assert ("petugas@bpbd.example.go.id", "pengingat") in new
    assert ("pusdalops@bpbd.example.go.id", "pengingat") in new
    # in office hours the roles themselves are there: the duty officer is not copied
    mon = datetime(2026, 11, 23, 9, 0, tzinfo=WIB)
    deliver_at(s, "m3", complaint(3, "Pohon tumbang di Jalan Lawu", "c@contoh.id"), mon)
    n = len(outbox(s))
    run_cycle(s, now=mon)
    new = [(m["To"], m["X-Aduan-Kind"]) for m in outbox(s)[n:]]
    assert ("petugas@bpbd.example.go.id", "tugas") in new
    assert not [(to, k) for to, k in new if to.startswith("pusdalops")], new


# ------------------------------------------------------------------ part 6
def test_diterima_is_when_the_server_got_it_not_when_aduan_polled(make_settings):
    """Aduan was down from 07.10 to 10.00: the complaint counts from 07.10 (its
    delivery), so step 1's delay shows in the SLA instead of being hidden."""
    s = setup_office(make_settings, "blitar")
    got = MON.replace(hour=7, minute=40)
    deliver_at(s, "m1", complaint(1, "Bantuan PKH"), got)
    run_cycle(s, now=MON.replace(hour=10))
    (row,) = rows(s.path(s.register_.path))
    assert row[C.RECEIVED] == "02/11/2026 07.40"
    st = RowState.loads(row[C.STATE])
    assert st.received == got


def _reply(s, task, body: str, frm: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = frm
    msg["To"] = str(task["Reply-To"])
    msg["Subject"] = f"Re: {task['Subject']}"
    msg["Message-ID"] = "<keputusan-1@dinsos.example.go.id>"
    msg["In-Reply-To"] = str(task["Message-ID"])
    msg["Date"] = format_datetime(MON)
    msg.set_content(body + "\n")
    return msg.as_bytes()


def test_decision_by_reply_counts_when_delivered_and_is_applied_before_the_ladder(
    make_settings,
):
    """Step 1 (5 min, due 08.05) decided by a reply delivered 08.04, polled at 08.10:
    done at 08.04, on time, and no reminder beside the acceptance."""
    s = setup_office(make_settings, "blitar")
    deliver_at(s, "m1", complaint(1, "Bantuan PKH"), MON)
    run_cycle(s, now=MON)
    task = next(m for m in outbox(s) if m["X-Aduan-Kind"] == "tugas")
    assert "+" in str(task["Reply-To"]), "the task offers its reply address"
    n = len(outbox(s))
    raw = _reply(s, task, "TERIMA", s.roles["petugas"][0])
    deliver_at(s, "r1", raw, MON + timedelta(minutes=4))
    rep = run_cycle(s, now=MON + timedelta(minutes=10))
    assert rep.counts["decisions_accepted"] == 1, rep.log
    (row,) = rows(s.path(s.register_.path))
    st = RowState.loads(row[C.STATE])
    assert st.hist[0][0] == "terima" and st.hist[0][3] == (MON + timedelta(minutes=4)).isoformat()
    assert not st.was_late()
    new = [m["X-Aduan-Kind"] for m in outbox(s)[n:]]
    assert "pengingat" not in new and "konfirmasi" in new
    # the next step (the Sekretaris') started at the decision, so its clock did too
    assert st.since == MON + timedelta(minutes=4)


def test_imap_internaldate_is_the_received_time(imap_account, tmp_path):
    when = datetime(2026, 11, 2, 8, 4, tzinfo=WIB)
    c = imap_account.client()
    try:
        c.append("INBOX", complaint(1, "Bantuan PKH"), msg_time=when)
    finally:
        c.logout()
    cfg = ImapConfig(**imap_account.inbox_config())
    inbox = ImapInbox(cfg, password=imap_account.password, state_dir=tmp_path / "state")
    try:
        (raw,) = inbox.poll()
    finally:
        inbox.close()
    assert raw.received == when


# ------------------------------------------------------------------ part 2
def test_the_daily_cap_leaves_reminders_to_the_overdue_summary(make_settings):
    setup_office(make_settings, "blitar")
    s = make_settings("blitar", staff_mail_cap_per_day=1)
    deliver_at(s, "m1", complaint(1, "Bantuan PKH"), MON)
    run_cycle(s, now=MON)  # the petugas' task: 1 mail today, the cap
    run_cycle(s, now=MON + timedelta(minutes=6))  # step 1 late: its reminder is folded
    to_petugas = [m["X-Aduan-Kind"] for m in outbox(s) if m["To"] == s.roles["petugas"][0]]
    assert to_petugas == ["tugas"]
    run_cycle(s, now=MON + timedelta(minutes=7))  # the fold is recorded in Riwayat
    events = [h["Peristiwa"] for h in rows(s.path(s.register_.path), HISTORY_TAB)]
    assert "Email dirangkum" in events
    # the next working day's summary names the item to its assignee
    run_cycle(s, now=datetime(2026, 11, 3, 7, 30, tzinfo=WIB))
    summary = [m for m in outbox(s) if m["X-Aduan-Kind"] == "ringkasan"]
    assert any(m["To"] == s.roles["petugas"][0] for m in summary)
