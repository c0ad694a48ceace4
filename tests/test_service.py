"""Service standards (issue 20) on a frozen clock across working days and holidays:
the overall deadline per kind of complaint (across Lebaran and cuti bersama), its
warning and escalation apart from the step ladder, waiting for the complainant (a
pause over a weekend, resumed by the reply; closed when never completed), and the
satisfaction rating (SKM) from a reply, with the engine fed its own output each time."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from aduan.core.engine import decide
from aduan.core.layout import C, build_layout
from aduan.core.model import InboundMail, Row, Snapshot, WriteSet, row_fingerprint
from aduan.core.service import parse_rating, skm_index, skm_quality
from aduan.core.state import RowState
from aduan.run.wiring import engine_config

WIB = ZoneInfo("Asia/Jakarta")
LOW = ("2 (kurang baik)", "1 (tidak baik)")


class Mem:
    """A register in memory with the write semantics of the real backends, staff
    values by reply included (written only into empty cells)."""

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
            for k, v in u.staff.items():
                if not (target.get(k) or "").strip():
                    target[k] = v
        self.rows.extend(dict(a) for a in ws.appends)
        keys = {h["Kunci"] for h in self.history}
        self.history.extend(h for h in ws.history if h["Kunci"] not in keys)
        self.meta.update(ws.meta)

    def row(self, ticket: str) -> dict[str, str]:
        return next(r for r in self.rows if r.get(C.TICKET) == ticket)

    def state(self, ticket: str) -> RowState:
        return RowState.loads(self.row(ticket)[C.STATE])

    def events(self, ticket: str) -> list[str]:
        return [h["Peristiwa"] for h in self.history if h["No. Aduan"] == ticket]


@pytest.fixture
def office(make_settings):
    def make(name: str = "bpbd", **overrides):
        s = make_settings(name, **overrides)
        sop = s.load_sop()
        layout = build_layout(sop, s.categories, s.service.kind_names())
        return engine_config(s, sop, layout, s.calendar()), Mem(layout.headers)

    return make


def mail(n: int, when: datetime, *, text: str = "Ada pohon tumbang di Jl. Lawu.", **kw):
    return InboundMail(
        source_key=f"k{n}",
        message_id=f"<m{n}@example.com>",
        from_addr="warga@example.com",
        from_name="Budi Santoso",
        subject=kw.pop("subject", "Pohon tumbang"),
        date=when,
        text=text,
        received=when,
        **kw,
    )


def step(mem: Mem, cfg, now: datetime, mails=()):
    d = decide(mem.snap(), list(mails), cfg, now)
    mem.apply(d.writes)
    again = decide(mem.snap(), [], cfg, now)
    assert again.writes.is_empty() and not again.notifications, (
        "fed its own output at the same moment the engine decides nothing new"
    )
    return d


def kinds(d) -> list[tuple[str, tuple[str, ...], bool]]:
    return [(n.kind, n.to_roles, n.to_complainant) for n in d.notifications]


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=WIB)


# ------------------------------------------------------------------ the deadline
def test_overall_deadline_crosses_lebaran_and_cuti_bersama(office):
    """Received Monday 16 March 2026: 18 Mar cuti bersama, 19 Nyepi, 20-21 Idul Fitri,
    23-24 cuti bersama (SKB 3 Menteri 2026). Five working days: 17, 25, 26, 27, 30 Mar."""
    cfg, mem = office("bpbd")
    d = step(mem, cfg, at(2026, 3, 16, 9, 0), [mail(1, at(2026, 3, 16, 9, 0))])
    t = mem.rows[0][C.TICKET]
    assert mem.state(t).sdue == at(2026, 3, 30, 9, 0)
    assert mem.row(t)[C.SERVICE_DUE] == "30/03/2026 09.00"
    ack = next(n for n in d.notifications if n.kind == "tanda_terima")
    assert ack.context["service"]["days"] == 5 and ack.context["service"]["kind"] == ""
    assert ack.context["service"]["due"] == at(2026, 3, 30, 9, 0)
    # first response in 3 working days: 17, 25, 26 March
    assert ack.context["service"]["first_due"] == at(2026, 3, 26, 9, 0)

    # staff set the kind: a field inspection is needed, 60 working days
    mem.row(t)[C.KIND] = "Sengketa/pelanggaran dengan pemeriksaan lapangan"
    step(mem, cfg, at(2026, 3, 17, 8, 0))
    st = mem.state(t)
    assert st.kind == "Sengketa/pelanggaran dengan pemeriksaan lapangan"
    expect = cfg.calendar.add(at(2026, 3, 16, 9, 0), working_days=60)
    assert st.sdue == expect and expect > at(2026, 6, 1)
    assert "Jenis aduan ditetapkan" in mem.events(t)


def test_overall_deadline_warns_then_escalates_once_each(office):
    cfg, mem = office("bpbd")
    recv = at(2026, 11, 2, 8, 0)  # Monday
    step(mem, cfg, recv, [mail(1, recv)])
    t = mem.rows[0][C.TICKET]
    mem.row(t)["Perlu Tindak Lanjut"] = "Ya"  # into step 3 (catat) and left there
    step(mem, cfg, recv + timedelta(minutes=5))
    assert mem.state(t).sdue == at(2026, 11, 9, 8, 0)
    # Friday 6 Nov 08.00: more than a working day (510 minutes) left, nothing yet
    d = step(mem, cfg, at(2026, 11, 6, 8, 0))  # (the step ladder has its own mails)
    assert not [n for n in d.notifications if n.kind == "batas_layanan"]
    # Friday 09.00: 450 + 30 minutes left -> the step's role is warned
    d = step(mem, cfg, at(2026, 11, 6, 9, 0))
    warn = [n for n in d.notifications if n.kind == "batas_layanan"]
    assert [(n.to_roles, n.context["service_rung"]) for n in warn] == [(("petugas",), 1)]
    assert "Batas penyelesaian mendekat" in mem.events(t)
    # past the deadline: the role and the head, once, whatever later cycles come
    d = step(mem, cfg, at(2026, 11, 9, 9, 0))
    late = [n for n in d.notifications if n.kind == "batas_layanan"]
    assert sorted(n.to_roles for n in late) == [("petugas",), ("pimpinan",)]
    assert all(n.context["service_rung"] == 2 for n in late)
    assert late[0].context["late_minutes"] == 60
    d = step(mem, cfg, at(2026, 11, 10, 9, 0))
    assert not [n for n in d.notifications if n.kind == "batas_layanan"]


# ------------------------------------------------------------------ waiting
def test_pause_over_a_weekend_stops_both_clocks_and_the_reply_resumes(office):
    cfg, mem = office("blitar")
    recv = at(2026, 11, 13, 10, 0)  # Friday
    step(mem, cfg, recv, [mail(1, recv)])
    t = mem.rows[0][C.TICKET]
    before = mem.state(t)
    assert before.step == "terima" and before.sdue == at(2026, 11, 20, 10, 0)
    # the petugas asks for the identity card (Blitar step 1 requires it) at 14.00
    mem.row(t)[C.MISSING] = "fotokopi KTP"
    d = step(mem, cfg, at(2026, 11, 13, 14, 0))
    assert kinds(d) == [("minta_kelengkapan", (), True)]
    ask = d.notifications[0]
    assert ask.not_before is None and ask.context["service"]["missing"] == "fotokopi KTP"
    row = mem.row(t)
    assert row[C.STATUS] == "Menunggu Pengadu" and row[C.LATE] == "Tidak"
    assert row[C.SERVICE_DUE] == "berhenti (menunggu pengadu)"
    assert "Menunggu Pengadu: fotokopi KTP" in row[C.STEP]
    # Monday 08.00: the step (5 minutes) would be days late, yet nobody is chased
    d = step(mem, cfg, at(2026, 11, 16, 8, 0))
    assert d.notifications == [] and mem.row(t)[C.LATE] == "Tidak"
    # Monday 10.00 the complainant replies in the thread with the scan
    reply = mail(
        2,
        at(2026, 11, 16, 10, 0),
        text="Berikut fotokopi KTP saya.",
        subject=f"Re: [{t}] Pohon tumbang",
    )
    d = step(mem, cfg, at(2026, 11, 16, 10, 1), [reply])
    told = [n for n in d.notifications if n.kind == "balasan_pengadu"]
    assert [n.to_roles for n in told] == [("petugas",)]
    assert told[0].context["resumed"] == "fotokopi KTP"
    st = mem.state(t)
    assert st.pause is None and st.pauses[0][2] == "fotokopi KTP"
    # waited: Fri 14.00-16.30 and Mon 07.30-10.00 = 300 working minutes, the weekend none
    assert st.pmin == 300
    assert st.sdue == cfg.calendar.add(before.sdue, minutes=300)
    assert st.deadline == cfg.calendar.add(before.deadline, minutes=300)
    assert mem.row(t)[C.STATUS] == "Baru"
    assert "Menunggu pengadu selesai" in mem.events(t)
    # the office asked at 14.00: that is its first response
    assert st.first == at(2026, 11, 13, 14, 0)


def test_never_completed_reminds_once_then_closes(office):
    cfg, mem = office("blitar")
    recv = at(2026, 11, 2, 9, 0)  # Monday
    step(mem, cfg, recv, [mail(1, recv)])
    t = mem.rows[0][C.TICKET]
    mem.row(t)[C.MISSING] = "fotokopi KTP dan foto lokasi"
    step(mem, cfg, recv + timedelta(minutes=2))
    # 5 working days later (Mon 9 Nov 09.02): one reminder to the complainant
    d = step(mem, cfg, at(2026, 11, 9, 9, 5))
    assert kinds(d) == [("pengingat_kelengkapan", (), True)]
    d = step(mem, cfg, at(2026, 11, 12, 9, 5))
    assert d.notifications == []
    # 10 working days (Mon 16 Nov): closed as not completed, with a notice
    d = step(mem, cfg, at(2026, 11, 16, 9, 5))
    assert kinds(d) == [("tidak_dilengkapi", (), True)]
    st = mem.state(t)
    assert st.closed == at(2026, 11, 16, 9, 5) and st.outcome == "tidak_dilengkapi"
    assert mem.row(t)[C.STATUS] == "Ditutup — tidak dilengkapi"
    assert st.pmin == cfg.calendar.working_minutes(recv + timedelta(minutes=2), st.closed)
    # no satisfaction question after such a closing
    assert d.notifications[0].context["skm"] == {}


def test_a_reply_command_asks_for_what_is_missing(office):
    """``MINTA KELENGKAPAN: ...`` is a command of every step (replies are on by default)."""
    cfg, mem = office("blitar")
    sop = cfg.sop
    assert all(any(r.command == "MINTA KELENGKAPAN" for r in s.replies) for s in sop.steps)
    assert cfg.sop.step("terima").replies[-1].set == {C.MISSING: "{text}"}


# ------------------------------------------------------------------ SKM
def _closed_directly(cfg, mem, recv):
    step(mem, cfg, recv, [mail(1, recv)])
    t = mem.rows[0][C.TICKET]
    mem.row(t)["Perlu Tindak Lanjut"] = "Tidak"
    mem.row(t)["Tanggapan"] = "Jadwal sosialisasi ada di situs kami."
    d = step(mem, cfg, recv + timedelta(minutes=4))
    return t, d


def test_closing_asks_for_a_rating_and_a_low_one_tells_the_head(office):
    cfg, mem = office("bpbd")
    recv = at(2026, 11, 2, 8, 0)
    t, d = _closed_directly(cfg, mem, recv)
    answer = next(n for n in d.notifications if n.kind == "jawaban_langsung")
    assert "angka 1–4" in answer.context["skm"]["question"]
    # not a rating: "3 rumah ..." is news, and stays a reply
    news = mail(2, recv + timedelta(hours=1), text="3 rumah masih terendam", subject=f"Re: [{t}]")
    d = step(mem, cfg, recv + timedelta(hours=1), [news])
    assert [n.kind for n in d.notifications] == ["balasan_pengadu"]
    assert mem.row(t).get(C.RATING, "") == ""
    # the rating, with a comment
    rate = mail(
        3,
        recv + timedelta(hours=2),
        text="2, jawabannya terlalu singkat.\n\nPada Senin ... menulis:\n> Bagaimana penilaian",
        subject=f"Re: [{t}]",
    )
    d = step(mem, cfg, recv + timedelta(hours=2), [rate])
    assert kinds(d) == [("penilaian_rendah", ("pimpinan",), False)]
    assert d.notifications[0].context["rating"]["comment"] == "jawabannya terlalu singkat."
    assert d.consumed == ["k3"]
    row = mem.row(t)
    assert row[C.RATING] == "2 (kurang baik)"
    assert row[C.RATING_NOTE] == "jawabannya terlalu singkat."
    ev = next(h for h in mem.history if h["Peristiwa"] == "Penilaian pengadu")
    assert ev["Pelaku"] == "Pengadu" and ev["Keterangan"].startswith("2 (kurang baik)")
    # a second rating-like reply is only a reply: the first answer counts
    again = mail(4, recv + timedelta(hours=3), text="4", subject=f"Re: [{t}]")
    d = step(mem, cfg, recv + timedelta(hours=3), [again])
    assert [n.kind for n in d.notifications] == ["balasan_pengadu"]
    assert mem.row(t)[C.RATING] == "2 (kurang baik)"


def test_a_rating_typed_by_staff_is_recorded_once_and_a_good_one_tells_nobody(office):
    cfg, mem = office("bpbd")
    t, _d = _closed_directly(cfg, mem, at(2026, 11, 2, 8, 0))
    mem.row(t)[C.RATING] = "4 (sangat baik)"  # given on the phone
    d = step(mem, cfg, at(2026, 11, 2, 10, 0))
    assert d.notifications == []
    ev = [h for h in mem.history if h["Peristiwa"] == "Penilaian pengadu"]
    assert len(ev) == 1 and ev[0]["Pelaku"] == "Petugas"


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("4", (4, "")),
        ("4.", (4, "")),
        ("  3 - cepat dan ramah", (3, "cepat dan ramah")),
        ("Nilai: 2", (2, "")),
        ("1/4 tidak ada yang datang", (1, "tidak ada yang datang")),
        ("4 sangat baik", (4, "")),
        ("4 (sangat baik), terima kasih", (4, "terima kasih")),
        ("*3*", (3, "")),
        ("3 rumah masih terendam", None),
        ("10 hari tidak ada kabar", None),
        ("5", None),
        ("Terima kasih, 4", None),
        ("", None),
    ],
)
def test_parse_rating(text, want):
    assert parse_rating(text) == want


def test_skm_index_and_quality_bands():
    assert skm_index([]) is None and skm_quality(None) == "-"
    assert skm_index([4, 4, 3]) == pytest.approx(91.6667, abs=1e-3)
    assert skm_quality(88.31) == "A (sangat baik)" and skm_quality(88.30) == "B (baik)"
    assert skm_quality(76.61) == "B (baik)" and skm_quality(76.60) == "C (kurang baik)"
    assert skm_quality(65.0) == "C (kurang baik)" and skm_quality(64.99) == "D (tidak baik)"


# ------------------------------------------------------------------ settings
def test_a_third_office_sets_its_own_standards_without_code(office):
    cfg, mem = office(
        "bpbd",
        service={
            "kinds": [{"name": "Pengaduan KIP", "days": 10, "first_response_days": 1}],
            "default_days": 7,
            "waiting": {"reminder_days": 2, "close_days": 4, "request_text": "Mohon kirim:"},
            "skm": {"enabled": False},
        },
    )
    assert cfg.layout.column(C.KIND).choices == ("Pengaduan KIP",)
    recv = at(2026, 11, 2, 8, 0)
    d = step(mem, cfg, recv, [mail(1, recv)])
    t = mem.rows[0][C.TICKET]
    ack = next(n for n in d.notifications if n.kind == "tanda_terima")
    assert ack.context["service"]["days"] == 7
    mem.row(t)[C.KIND] = "pengaduan  kip"  # case and spacing as staff type them
    mem.row(t)[C.MISSING] = "surat kuasa"
    d = step(mem, cfg, recv + timedelta(minutes=3))
    assert mem.state(t).kind == "Pengaduan KIP"
    assert d.notifications[0].context["waiting_text"] == "Mohon kirim:"
    d = step(mem, cfg, at(2026, 11, 6, 8, 5))  # 4 working days later
    assert [n.kind for n in d.notifications] == ["tidak_dilengkapi"]
