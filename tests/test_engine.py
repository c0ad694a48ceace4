"""The engine on literal inputs: every step of both SOPs, branches, deadlines,
escalation, numbering, replies, and idempotency (fed its own output, it decides
nothing new)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aduan.core.agency import Agency
from aduan.core.engine import EngineConfig, decide
from aduan.core.layout import C, build_layout
from aduan.core.model import InboundMail, Row, Snapshot, WriteSet, row_fingerprint
from aduan.core.state import RowState
from aduan.run.wiring import engine_config

WIB = ZoneInfo("Asia/Jakarta")
MON = datetime(2026, 11, 2, 8, 0, tzinfo=WIB)  # Monday 2 November 2026, 08.00 WIB


class Mem:
    """A register in memory with the write semantics of the real backends."""

    def __init__(self, headers: list[str]) -> None:
        self.headers = headers
        self.rows: list[dict[str, str]] = []
        self.meta: dict[str, str] = {}
        self.history: list[dict[str, str]] = []

    def snap(self) -> Snapshot:
        return Snapshot(
            self.headers, [Row(i, dict(r)) for i, r in enumerate(self.rows)], dict(self.meta)
        )

    def apply(self, ws: WriteSet) -> None:
        for u in ws.updates:
            if u.ticket:
                target = next(r for r in self.rows if r.get(C.TICKET) == u.ticket)
            else:
                target = self.rows[u.index]
                assert row_fingerprint(target) == u.fingerprint
            target.update(u.values)
        self.rows.extend(dict(a) for a in ws.appends)
        self.history.extend(ws.history)
        self.meta.update(ws.meta)

    def row(self, ticket: str) -> dict[str, str]:
        return next(r for r in self.rows if r.get(C.TICKET) == ticket)

    def type_row(self, **cells: str) -> None:
        self.rows.append(dict(cells))


@pytest.fixture
def office(make_settings):
    def make(name: str = "bpbd", **overrides):
        s = make_settings(name, **overrides)
        sop = s.load_sop()
        layout = build_layout(sop, s.categories)
        cfg = engine_config(s, sop, layout, s.calendar())
        return cfg, Mem(layout.headers)

    return make


def mail(
    n: int = 1,
    *,
    frm: str = "warga@example.com",
    subject: str = "Pohon tumbang",
    text: str = "Ada pohon tumbang di Jl. Lawu.",
    when: datetime = MON,
    **kw,
) -> InboundMail:
    return InboundMail(
        source_key=f"k{n}",
        message_id=f"<m{n}@example.com>",
        from_addr=frm,
        from_name="Budi Santoso",
        subject=subject,
        date=when,
        text=text,
        **kw,
    )


def step(mem: Mem, cfg: EngineConfig, now: datetime, mails=()):
    d = decide(mem.snap(), list(mails), cfg, now)
    mem.apply(d.writes)
    again = decide(mem.snap(), [], cfg, now)
    assert again.writes.is_empty() and not again.notifications and not again.documents, (
        "the engine must be idempotent: fed its own output it decides nothing new"
    )
    return d


def kinds(d) -> list[tuple[str, tuple[str, ...], bool]]:
    return [(n.kind, n.to_roles, n.to_complainant) for n in d.notifications]


def state(mem: Mem, ticket: str) -> RowState:
    return RowState.loads(mem.row(ticket)[C.STATE])


# ------------------------------------------------------------------ BPBD
def test_new_mail_is_numbered_acknowledged_and_handed_to_the_officer(office):
    cfg, mem = office("bpbd")
    d = step(mem, cfg, MON + timedelta(minutes=2), [mail()])
    assert len(d.writes.appends) == 1
    row = mem.rows[0]
    assert row[C.TICKET] == "ADU/2026/11/0001"
    assert row[C.CHANNEL] == "Email" and row[C.CONTACT] == "warga@example.com"
    assert row[C.RECEIVED] == "02/11/2026 08.00"
    # step 1 (receive) completes on registration; step 2 (triage) is the officer's
    assert row[C.STEP].startswith("2. ")
    assert row[C.ASSIGNEE] == "Petugas Layanan"
    assert row[C.STATUS] == "Diproses"
    assert row[C.DEADLINE] == "02/11/2026 08.07"
    assert kinds(d) == [("tanda_terima", (), True), ("tugas", ("petugas",), False)]
    assert d.consumed == ["k1"]
    assert mem.meta["seq:2026-11"] == "1"
    events = [h["Peristiwa"] for h in mem.history]
    assert events[:4] == ["Aduan diterima", "Tahap 1 dimulai", "Tahap 1 selesai", "Tahap 2 dimulai"]


def test_bpbd_direct_answer_closes(office):
    cfg, mem = office("bpbd")
    step(mem, cfg, MON, [mail()])
    t = mem.rows[0][C.TICKET]
    mem.row(t)["Perlu Tindak Lanjut"] = "Tidak"
    d = step(mem, cfg, MON + timedelta(minutes=3))
    assert d.notifications == [], "no answer yet: Tanggapan is empty"
    mem.row(t)["Tanggapan"] = "Jadwal sosialisasi ada di situs kami."
    d = step(mem, cfg, MON + timedelta(minutes=4))
    assert kinds(d) == [("jawaban_langsung", (), True)]
    assert d.notifications[0].context["f"]["tanggapan"].startswith("Jadwal")
    row = mem.row(t)
    assert row[C.STATUS] == "Selesai" and row[C.LATE] == "Tidak" and row[C.STEP] == "Selesai"
    assert state(mem, t).outcome == "terlayani_langsung"


def test_bpbd_full_follow_up_every_step_in_order(office):
    cfg, mem = office("bpbd")
    now = MON
    step(mem, cfg, now, [mail()])
    t = mem.rows[0][C.TICKET]
    plan = [
        (
            {"Perlu Tindak Lanjut": "Ya"},
            "3. ",
            "Petugas Layanan",
            [("tugas", ("petugas",), False)],
            [],
        ),
        (
            {"Kategori": "Bencana"},
            "4. ",
            "Pimpinan",
            [("tugas", ("pimpinan",), False)],
            ["formulir_aduan"],
        ),
        (
            {"Disposisi": "Tim segera cek lokasi"},
            "5. ",
            "TIM",
            # issue 16: the SOP's progress notice at the team's start, and only there
            [("tugas", ("tim",), False), ("perkembangan", (), True)],
            ["lembar_disposisi"],
        ),
        (
            {"Rencana Tindak Lanjut": "Kirim regu"},
            "6. ",
            "TIM",
            [("tugas", ("tim",), False)],
            ["rencana_tindak_lanjut"],
        ),
        (
            {"Hasil Tindak Lanjut": "Pohon dipotong", "Jawaban untuk Pengadu": "Pohon dipotong"},
            "7. ",
            "TIM",
            [("tugas", ("tim",), False), ("hasil", (), True)],
            [],
        ),
        (
            {"Laporan Pelaksanaan": "Selesai pukul 10"},
            "Selesai",
            "",
            [("laporan", ("pimpinan",), False)],
            ["laporan_pelaksanaan"],
        ),
    ]
    for cells, tahap, who, expect, docs in plan:
        now += timedelta(minutes=3)
        mem.row(t).update(cells)
        d = step(mem, cfg, now)
        assert mem.row(t)[C.STEP].startswith(tahap)
        assert mem.row(t)[C.ASSIGNEE] == who
        assert sorted(kinds(d)) == sorted(expect)
        assert [j.doc for j in d.documents] == docs
    st_ = state(mem, t)
    assert [h[0] for h in st_.hist] == [
        "terima",
        "telaah",
        "catat",
        "sampaikan",
        "disposisi",
        "rapat",
        "tindak_lanjut",
        "lapor",
    ]
    # step 4 is the conveying: done the moment the Pimpinan's task exists (issue 21)
    conveyed = st_.hist[3]
    assert conveyed[1] == conveyed[3]
    assert st_.outcome == "ditindaklanjuti"
    # the team's task for step 5 carries the lembar disposisi
    assert mem.row(t)[C.DOCUMENTS].splitlines() == [
        "2026/ADU-2026-11-0001/03-formulir_aduan.docx",
        "2026/ADU-2026-11-0001/04-lembar_disposisi.docx",
        "2026/ADU-2026-11-0001/05-rencana_tindak_lanjut.docx",
        "2026/ADU-2026-11-0001/07-laporan_pelaksanaan.docx",
    ]


def test_task_email_carries_documents_so_far(office):
    cfg, mem = office("bpbd")
    step(mem, cfg, MON, [mail()])
    t = mem.rows[0][C.TICKET]
    mem.row(t).update({"Perlu Tindak Lanjut": "Ya", "Kategori": "Bencana", "Disposisi": "Cek"})
    d = step(mem, cfg, MON + timedelta(minutes=5))
    tim = [n for n in d.notifications if n.to_roles == ("tim",)]
    assert len(tim) == 1
    assert tim[0].attachments[-1].endswith("04-lembar_disposisi.docx")
    assert tim[0].context["f"]["disposisi"] == "Cek"
    # several steps completing in one cycle are each recorded
    assert [h[0] for h in state(mem, t).hist][-4:] == ["telaah", "catat", "sampaikan", "disposisi"]


# ------------------------------------------------------------------ Blitar
def test_blitar_every_step_and_roles(office):
    cfg, mem = office("blitar")
    now = MON
    d = step(mem, cfg, now, [mail()])
    t = mem.rows[0][C.TICKET]
    assert mem.row(t)[C.STEP].startswith("1. ")
    assert kinds(d) == [("tanda_terima", (), True), ("tugas", ("petugas",), False)]
    plan = [
        (
            {"Kewenangan": "Kewenangan Dinas"},
            "2. ",
            "Sekretaris",
            ("sekretaris",),
            ["formulir_aduan"],
        ),
        ({"Diteruskan ke Kepala Dinas": "ya"}, "3. ", "Kepala Dinas", ("kepala",), []),
        (
            {"Disposisi": "Rapatkan"},
            "4. ",
            "Tim Pengelola Pengaduan",
            ("tim",),
            ["lembar_disposisi"],
        ),
        (
            {"Keputusan Penyelesaian": "Bantuan diberikan"},
            "5. ",
            "Tim Pengelola Pengaduan",
            ("tim",),
            ["hasil_keputusan"],
        ),
    ]
    for cells, tahap, who, roles, docs in plan:
        now += timedelta(minutes=4)
        mem.row(t).update(cells)
        d = step(mem, cfg, now)
        assert mem.row(t)[C.STEP].startswith(tahap), mem.row(t)[C.STEP]
        assert mem.row(t)[C.ASSIGNEE] == who
        # issue 16: the SOP's progress notice when the team starts, and only there
        progress = [("perkembangan", (), True)] if cells.get("Disposisi") else []
        assert kinds(d) == [("tugas", roles, False), *progress]
        assert [j.doc for j in d.documents] == docs
    mem.row(t)["Jawaban untuk Pengadu"] = "Bantuan disalurkan 20 November"
    d = step(mem, cfg, now + timedelta(minutes=4))
    assert kinds(d) == [("hasil", (), True)]
    assert [j.doc for j in d.documents] == ["berita_acara"]
    # only the berita acara goes to the complainant, not the internal documents
    assert [a.rsplit("/", 1)[1] for a in d.notifications[0].attachments] == ["05-berita_acara.docx"]
    assert mem.row(t)[C.STATUS] == "Selesai"


def test_blitar_outside_authority_is_forwarded(office):
    cfg, mem = office("blitar")
    cfg.agencies = (Agency("Dinas PUPR Kota Blitar", email="pupr@blitar.example.go.id"),)
    step(mem, cfg, MON, [mail(subject="Jalan rusak")])
    t = mem.rows[0][C.TICKET]
    mem.row(t)["Kewenangan"] = "Bukan Kewenangan"
    d = step(mem, cfg, MON + timedelta(minutes=2))
    assert d.notifications == [], "needs the competent office first"
    mem.row(t)["Instansi Tujuan"] = "Dinas PUPR Kota Blitar"
    d = step(mem, cfg, MON + timedelta(minutes=3))
    # issue 16: the agency's address is in the book: the complaint goes there, and the
    # complainant is told its name and contact
    assert kinds(d) == [("salur_instansi", ("instansi",), False), ("penyaluran", (), True)]
    assert d.notifications[1].context["agency"]["email"] == "pupr@blitar.example.go.id"
    assert [j.doc for j in d.documents] == ["formulir_penyaluran"]
    assert mem.row(t)[C.STATUS] == "Disalurkan"


def test_bpbd_outside_authority_is_forwarded(office):
    cfg, mem = office("bpbd")
    step(mem, cfg, MON, [mail(subject="Jalan berlubang")])
    t = mem.rows[0][C.TICKET]
    # an agency outside the address book (the book knows DPUPR: see conftest.AGENCIES)
    target = {"Perlu Tindak Lanjut": "Bukan Kewenangan", "Instansi Tujuan": "Dinas Perhubungan"}
    mem.row(t).update(target)
    d = step(mem, cfg, MON + timedelta(minutes=3))
    # issue 16: no address for it: the petugas forwards it, the complainant waits
    assert kinds(d) == [("salur_manual", ("petugas",), False)]
    mem.row(t)["Penyaluran Dikirim"] = "Ya"
    d = step(mem, cfg, MON + timedelta(minutes=9))
    assert kinds(d) == [("penyaluran", (), True)]
    assert d.notifications[0].attachments == ("2026/ADU-2026-11-0001/02-formulir_penyaluran.docx",)
    assert state(mem, t).outcome == "disalurkan"


# ---------------------------------------------------------- deadlines
def test_reminder_and_escalation_ladder_each_rung_once(office):
    """Reminder at the deadline; past it the superior is told (never the late role
    itself), the late role reminded with who was informed; each count starts at 1."""
    cfg, mem = office("blitar")
    step(mem, cfg, MON, [mail()])
    t = mem.rows[0][C.TICKET]
    mem.row(t)["Kewenangan"] = "Kewenangan Dinas"
    step(mem, cfg, MON + timedelta(minutes=1))  # step 2 (Sekretaris, 10 min) starts 08.01
    assert mem.row(t)[C.DEADLINE] == "02/11/2026 08.11"
    assert step(mem, cfg, MON + timedelta(minutes=10)).notifications == []
    d = step(mem, cfg, MON + timedelta(minutes=11))
    assert kinds(d) == [("pengingat", ("sekretaris",), False)]
    assert d.notifications[0].context["rung"] == 1
    assert mem.row(t)[C.LATE] == "Tidak", "due now, late only after the deadline"
    d = step(mem, cfg, MON + timedelta(minutes=21))
    assert mem.row(t)[C.LATE] == "Ya"
    assert kinds(d) == [("pengingat", ("sekretaris",), False), ("eskalasi", ("kepala",), False)]
    remind, esc = d.notifications
    assert esc.context["rung"] == 1, "the Kepala's first escalation is number 1"
    assert esc.context["late_role"] == "Sekretaris"
    assert remind.context["rung"] == 2 and remind.context["informed"] == ["Kepala Dinas"]
    d = step(mem, cfg, MON + timedelta(minutes=31))
    assert kinds(d) == [("pengingat", ("sekretaris",), False), ("eskalasi", ("kepala",), False)]
    assert d.notifications[1].context["rung"] == 2
    assert d.notifications[1].context["late_minutes"] == 20
    assert step(mem, cfg, MON + timedelta(hours=3)).notifications == []
    events = [h["Peristiwa"] for h in mem.history]
    assert events.count("Pengingat") == 1 and events.count("Eskalasi") == 2


def test_a_late_head_is_reminded_never_escalated_to_himself(office):
    """Blitar step 3 (Kepala Dinas, 10 min): the head has nobody above: reminders only."""
    cfg, mem = office("blitar")
    step(mem, cfg, MON, [mail()])
    t = mem.rows[0][C.TICKET]
    mem.row(t)["Kewenangan"] = "Kewenangan Dinas"
    step(mem, cfg, MON + timedelta(minutes=1))
    mem.row(t)["Diteruskan ke Kepala Dinas"] = "Ya"
    step(mem, cfg, MON + timedelta(minutes=2))  # step 3 (Kepala Dinas) starts 08.02
    got = []
    for m in (12, 22, 32, 90):
        got += [(m, *k) for k in kinds(step(mem, cfg, MON + timedelta(minutes=m)))]
    assert got == [
        (12, "pengingat", ("kepala",), False),
        (22, "pengingat", ("kepala",), False),
        (32, "pengingat", ("kepala",), False),
    ]


def test_a_late_head_s_deputy_is_told_when_the_sop_names_one(office):
    cfg, mem = office("blitar")
    cfg.sop = cfg.sop.model_copy(update={"deputies": {"kepala": "sekretaris"}})
    step(mem, cfg, MON, [mail()])
    t = mem.rows[0][C.TICKET]
    mem.row(t)["Kewenangan"] = "Kewenangan Dinas"
    step(mem, cfg, MON + timedelta(minutes=1))
    mem.row(t)["Diteruskan ke Kepala Dinas"] = "Ya"
    step(mem, cfg, MON + timedelta(minutes=2))
    step(mem, cfg, MON + timedelta(minutes=12))
    d = step(mem, cfg, MON + timedelta(minutes=22))
    assert kinds(d) == [("pengingat", ("kepala",), False), ("eskalasi", ("sekretaris",), False)]


def test_a_decision_and_the_ladder_in_one_cycle_the_decision_wins(office):
    """A step decided in the register and its deadline passing in the same cycle:
    the step completes first, so no reminder goes out for it."""
    cfg, mem = office("blitar")
    step(mem, cfg, MON, [mail()])
    t = mem.rows[0][C.TICKET]
    mem.row(t)["Kewenangan"] = "Kewenangan Dinas"
    d = step(mem, cfg, MON + timedelta(minutes=30))  # step 1 is late by now
    assert "pengingat" not in [n.kind for n in d.notifications]


def test_deadline_counts_working_time_over_the_weekend(office):
    cfg, mem = office("blitar")
    fri = datetime(2026, 11, 6, 16, 28, tzinfo=WIB)  # Friday; office closes 16.30
    step(mem, cfg, fri, [mail(when=fri)])
    t = mem.rows[0][C.TICKET]
    # 5 working minutes: 2 on Friday until 16.30, 3 on Monday from 07.30
    assert mem.row(t)[C.DEADLINE] == "09/11/2026 07.33"
    d = step(mem, cfg, datetime(2026, 11, 7, 10, 0, tzinfo=WIB))  # Saturday: not late yet
    assert d.notifications == [] and mem.row(t)[C.LATE] == "Tidak"


def test_staff_emails_wait_for_office_hours(office):
    cfg, mem = office("bpbd")
    night = datetime(2026, 11, 2, 21, 0, tzinfo=WIB)
    d = step(mem, cfg, night, [mail(when=night)])
    ack = next(n for n in d.notifications if n.kind == "tanda_terima")
    task = next(n for n in d.notifications if n.kind == "tugas")
    assert ack.not_before is None, "the complainant's acknowledgement goes out at once"
    assert task.not_before == datetime(2026, 11, 3, 7, 30, tzinfo=WIB)


# ------------------------------------------------------------ numbering
def test_typed_rows_are_numbered_in_order_and_never_reused(office):
    cfg, mem = office("bpbd")
    mem.type_row(
        **{
            C.NAME: "Siti",
            C.CONTACT: "0812 3456 789",
            C.CHANNEL: "WhatsApp",
            C.TEXT: "Banjir di Desa Ngringo",
        }
    )
    mem.type_row(**{C.NAME: "Joko", C.TEXT: "Longsor kecil"})
    mem.type_row(**{C.CATEGORY: "Bencana"})  # no complaint data: left alone
    d = step(mem, cfg, MON)
    assert [r.get(C.TICKET) for r in mem.rows] == ["ADU/2026/11/0001", "ADU/2026/11/0002", None]
    assert mem.rows[1][C.CHANNEL] == "Datang Langsung"
    assert mem.rows[0][C.CHANNEL] == "WhatsApp"
    # a phone number or a walk-in gets no acknowledgement email: the petugas gets the
    # text to pass on (issue 16), with the WhatsApp or read-out way of each channel
    kinds = [(n.kind, n.to_roles, n.to_complainant) for n in d.notifications]
    assert sorted(k for k, _, _ in kinds) == ["kabar", "kabar", "tugas", "tugas"]
    assert not any(c for _, _, c in kinds)
    # to the officer who receives complaints, even where step 1 mails nobody (BPBD)
    assert {r for k, r, _ in kinds if k == "kabar"} == {(cfg.sop.first.role,)}
    relays = [n.context["relay"] for n in d.notifications if n.kind == "kabar"]
    assert [(r["mode"], r["number"]) for r in relays] == [("wa", "+628123456789"), ("read", "")]
    del mem.rows[1]  # staff delete the last numbered row
    step(mem, cfg, MON + timedelta(minutes=1), [mail()])
    assert mem.rows[-1][C.TICKET] == "ADU/2026/11/0003"


def test_new_month_restarts_the_sequence(office):
    cfg, mem = office("bpbd")
    step(mem, cfg, MON, [mail(1)])
    dec = datetime(2026, 12, 1, 8, 0, tzinfo=WIB)
    step(mem, cfg, dec, [mail(2, when=dec)])
    assert [r[C.TICKET] for r in mem.rows] == ["ADU/2026/11/0001", "ADU/2026/12/0001"]


# ------------------------------------------------------------ inbox cases
def test_duplicate_message_is_consumed_not_registered_twice(office):
    cfg, mem = office("bpbd")
    step(mem, cfg, MON, [mail(1)])
    d = step(mem, cfg, MON + timedelta(minutes=5), [mail(1)])
    assert d.writes.appends == [] and d.consumed == ["k1"]
    assert len(mem.rows) == 1


def test_auto_reply_and_list_mail_never_become_complaints(office):
    cfg, mem = office("bpbd")
    auto = mail(2, kind="auto_reply", reason="Auto-Submitted: auto-replied")
    lst = mail(3, kind="list", reason="Precedence: bulk")
    d = step(mem, cfg, MON, [auto, lst])
    assert mem.rows == [] and d.notifications == []
    assert sorted(d.consumed) == ["k2", "k3"]


def test_reply_from_complainant_goes_to_history_and_current_role(office):
    cfg, mem = office("blitar")
    step(mem, cfg, MON, [mail(1)])
    t = mem.rows[0][C.TICKET]
    reply = mail(2, subject=f"Re: [{t}] Tanda terima", text="Saya lampirkan foto KTP.")
    d = step(mem, cfg, MON + timedelta(minutes=2), [reply])
    assert len(mem.rows) == 1
    assert kinds(d) == [("balasan_pengadu", ("petugas",), False)]
    assert d.notifications[0].context["reply"]["text"] == "Saya lampirkan foto KTP."
    assert mem.history[-1]["Peristiwa"] == "Balasan pengadu"


def test_reply_by_thread_headers_without_ticket_in_subject(office):
    cfg, mem = office("bpbd")
    step(mem, cfg, MON, [mail(1)])
    reply = mail(2, subject="Re: Pohon tumbang", in_reply_to="<m1@example.com>")
    d = step(mem, cfg, MON + timedelta(minutes=2), [reply])
    assert len(mem.rows) == 1 and kinds(d) == [("balasan_pengadu", ("petugas",), False)]


def test_mail_quoting_a_ticket_from_someone_else_is_a_new_complaint(office):
    cfg, mem = office("bpbd")
    step(mem, cfg, MON, [mail(1)])
    t = mem.rows[0][C.TICKET]
    other = mail(2, frm="orang.lain@example.com", subject=f"Re: [{t}] saya juga")
    step(mem, cfg, MON + timedelta(minutes=2), [other])
    assert len(mem.rows) == 2
    assert any(t in h["Keterangan"] for h in mem.history if h["Peristiwa"] == "Aduan diterima")


def test_acknowledgements_are_rate_limited_per_address(office):
    cfg, mem = office("bpbd")
    many = [mail(i, subject=f"Aduan {i}") for i in range(7)]
    d = step(mem, cfg, MON, many)
    acks = [n for n in d.notifications if n.kind == "tanda_terima"]
    assert len(mem.rows) == 7 and len(acks) == 5


# ------------------------------------------------------------ bad data
def test_unreadable_state_is_rebuilt_with_a_logged_event(office):
    cfg, mem = office("bpbd")
    step(mem, cfg, MON, [mail()])
    t = mem.rows[0][C.TICKET]
    mem.row(t)[C.STATE] = "{rusak"
    d = step(mem, cfg, MON + timedelta(minutes=5))
    assert any("Data Sistem tidak terbaca" in line for line in d.log)
    assert mem.history[-1]["Peristiwa"] in (
        "Data sistem dipulihkan",
        "Tahap 2 dimulai",
        "Tahap 1 selesai",
    )
    assert RowState.loads(mem.row(t)[C.STATE]).step == "telaah"


def test_formula_text_is_kept_as_plain_text_in_rows(office):
    cfg, mem = office("bpbd")
    evil = mail(subject='=HYPERLINK("http://evil","klik")', text="=1+1")
    step(mem, cfg, MON, [evil])
    assert mem.rows[0][C.SUBJECT] == '=HYPERLINK("http://evil","klik")'


def test_confidential_flag_reaches_the_context(office):
    cfg, mem = office("blitar")
    step(mem, cfg, MON, [mail()])
    t = mem.rows[0][C.TICKET]
    mem.row(t).update({"Rahasiakan Identitas": "Ya", "Kewenangan": "Kewenangan Dinas"})
    d = step(mem, cfg, MON + timedelta(minutes=1))
    assert d.notifications[0].context["confidential"] is True


# ------------------------------------------------------------ property
ACTIONS = {
    "bpbd": [
        ("Perlu Tindak Lanjut", "Ya"),
        ("Perlu Tindak Lanjut", "Tidak"),
        ("Tanggapan", "Sudah dijawab"),
        ("Kategori", "Bencana"),
        ("Disposisi", "Cek"),
        ("Rencana Tindak Lanjut", "Rapat"),
        ("Hasil Tindak Lanjut", "Beres"),
        ("Jawaban untuk Pengadu", "Beres"),
        ("Laporan Pelaksanaan", "Lapor"),
        ("Rahasiakan Identitas", "Ya"),
    ],
    "blitar": [
        ("Kewenangan", "Kewenangan Dinas"),
        ("Kewenangan", "Bukan Kewenangan"),
        ("Instansi Tujuan", "Dinas PUPR"),
        ("Diteruskan ke Kepala Dinas", "Ya"),
        ("Disposisi", "Rapat"),
        ("Keputusan Penyelesaian", "Bantu"),
        ("Jawaban untuk Pengadu", "Sudah"),
    ],
}


@pytest.mark.parametrize("name", ["bpbd", "blitar"])
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_idempotent_under_any_sequence_of_staff_edits(office, name, data):
    cfg, mem = office(name)
    now = MON
    nmail = 0
    for _ in range(data.draw(st.integers(1, 12))):
        now += timedelta(minutes=data.draw(st.integers(0, 600)))
        choice = data.draw(st.integers(0, 3))
        if choice == 0:
            nmail += 1
            step(mem, cfg, now, [mail(nmail, when=now)])
        elif choice == 1 and mem.rows:
            r = data.draw(st.sampled_from(mem.rows))
            col, val = data.draw(st.sampled_from(ACTIONS[name]))
            r[col] = val
            step(mem, cfg, now)
        elif choice == 2:
            mem.type_row(**{C.NAME: "Warga", C.TEXT: f"aduan {now:%H%M}"})
            step(mem, cfg, now)
        else:
            step(mem, cfg, now)
    tickets = [r[C.TICKET] for r in mem.rows]
    assert len(tickets) == len(set(tickets))
    seqs = sorted(int(t.rsplit("/", 1)[1]) for t in tickets if t.startswith("ADU/2026/11/"))
    assert seqs == list(range(1, len(seqs) + 1)), "gapless numbering"


def test_bounce_of_our_acknowledgement_is_recorded_and_the_officer_told(office):
    from aduan.core.ids import message_id

    cfg, mem = office("bpbd")
    step(mem, cfg, MON, [mail(1, frm="tidak.ada@contoh.invalid")])
    t = mem.rows[0][C.TICKET]
    ack = message_id(f"{t}|-|tanda_terima|0|pengadu", cfg.mail_domain)
    dsn = mail(
        2,
        frm="mailer-daemon@mx.example",
        subject="Undelivered Mail Returned to Sender",
        text="",
        kind="bounce",
        references=[ack],
        problems=["failed: tidak.ada@contoh.invalid"],
    )
    d = step(mem, cfg, MON + timedelta(minutes=3), [dsn])
    assert kinds(d) == [("pantulan", ("petugas",), False)]
    assert len(mem.rows) == 1 and d.consumed == ["k2"]
    assert mem.history[-1]["Peristiwa"] == "Email tidak terkirim"
    assert "tidak.ada@contoh.invalid" in mem.history[-1]["Keterangan"]


def test_open_tickets_round_trip_as_ranges():
    from aduan.core.ids import decode_tickets, encode_tickets, ticket_regex

    fmt = "ADU/{year}/{month:02d}/{seq:04d}"
    tickets = {f"ADU/2026/11/{n:04d}" for n in (1, 2, 3, 7, 9, 10)} | {"ADU/2026/12/0001"}
    odd = {"ADU/2026/12/01129", "manual-7"}  # not as the format writes them: verbatim
    text = encode_tickets(tickets | odd | {"ketik manual"}, ticket_regex(fmt), fmt)
    assert text == "2026-11:1-3,7,9-10 2026-12:1 ADU/2026/12/01129 manual-7"
    assert decode_tickets(text, fmt) == tickets | odd


def test_a_deleted_open_row_is_reported_once(office):
    cfg, mem = office("bpbd")
    step(mem, cfg, MON, [mail(1), mail(2, subject="Banjir")])
    gone = mem.rows[0][C.TICKET]
    del mem.rows[0]
    d = step(mem, cfg, MON + timedelta(minutes=5))
    assert [p for p in d.problems if gone in p] and mem.history[-1]["Peristiwa"] == (
        "Baris aduan hilang"
    )
    assert decide(mem.snap(), [], cfg, MON + timedelta(minutes=9)).problems == []
