"""Issue 19: the third demo office proves SOP-as-data. Dinas PUPR Kab. Karanganyar's SOP
is a YAML file only: it parses, the demo's office block and address book run it, and
complaints walk every one of its paths (a repair after a field survey, a proposal for a
later programme, a direct answer, a national road forwarded) on the xlsx backend with
real cycles; a late Kepala Dinas is reported to the Sekretaris, his deputy."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from aduan.config import load_sop
from aduan.core.layout import HISTORY_TAB, C
from aduan.core.worktime import WORKING_DAY_MINUTES
from aduan.demo.data.dpupr import AGENCIES, HANDOFF_SCRIPT, OFFICE
from aduan.demo.replies import command_for, reply_mail, task_mail
from aduan.run.cycle import run_cycle
from tests.test_cycle import T0, complaint, deliver, outbox, rows, setup_office, staff_edit

REPO = Path(__file__).resolve().parent.parent
DPUPR = REPO / "config/sop/dpupr-karanganyar.yaml"
WARGA = "warga@contoh.id"
ROLE = {r: ", ".join(a) for r, a in OFFICE["roles"].items()}  # a role's To header


def test_the_dpupr_sop_parses_with_its_steps_roles_and_paths():
    sop = load_sop(DPUPR)
    assert sop.id == "dpupr-karanganyar" and sop.head_role == "kadis"
    assert [s.number for s in sop.steps] == list(range(1, 11))
    assert [s.standard_minutes for s in sop.steps] == [10, 30, 30, 60, 30, 480, 120, 1440, 60, 60]
    # the longest path fits the default service standard of five working days
    assert sum(s.standard_minutes for s in sop.steps) <= 5 * WORKING_DAY_MINUTES
    assert [sop.role_label(s.actor) for s in sop.steps] == [
        "Petugas Pengaduan",
        "Petugas Pengaduan",
        "Sekretaris Dinas",
        "Kepala Dinas",
        "Kepala Bidang Teknis",
        "Tim Teknis",
        "Tim Teknis",
        "Tim Teknis",
        "Petugas Pengaduan",
        "Kepala Bidang Teknis",
    ]
    assert sop.superiors == {
        "petugas": "sekretaris",
        "sekretaris": "kadis",
        "kabid": "kadis",
        "tim": "kabid",
    }
    assert sop.deputies == {"kadis": "sekretaris"}
    assert sop.outcomes() == ["disalurkan", "ditindaklanjuti", "terlayani_langsung"]
    assert sop.documents() == [
        "formulir_aduan",
        "formulir_penyaluran",
        "lembar_disposisi",
        "rencana_tindak_lanjut",
        "berita_acara",
        "laporan_pelaksanaan",
    ]
    assert [t.to for t in sop.step("rencana").transitions] == ["pelaksanaan", "jawab"]
    assert [s.id for s in sop.steps if s.progress] == ["survei", "pelaksanaan"]
    # one disposition command per bidang, each naming the bidang and the directive
    cmds = {r.command: r.set for r in sop.step("disposisi").replies}
    assert cmds["SUMBER DAYA AIR"] == {"Bidang Teknis": "Sumber Daya Air", "Disposisi": "{text}"}
    assert {"BINA MARGA", "CIPTA KARYA", "TATA RUANG"} <= set(cmds)
    # the demo's scripts name only steps of this SOP
    scripts = [c.script for c in OFFICE["complaints"]] + [HANDOFF_SCRIPT]
    assert {k for s in scripts for k in s} <= {s.id for s in sop.steps}


@pytest.fixture
def office(make_settings, tmp_path):
    """The demo's Dinas PUPR office block, roles and agencies over the test paths."""

    def make(name: str):
        return make_settings(
            "bpbd",  # the seed office's paths, with everything of its own replaced
            root=tmp_path / name,
            sop=str(DPUPR),
            office=OFFICE["office"],
            roles=OFFICE["roles"],
            categories=OFFICE["categories"],
            agencies=AGENCIES,
            mail_identity={"from_address": OFFICE["from"], "from_name": "Layanan Aduan"},
            replies={"enabled": True},
        )

    return setup_office(make, "dpupr")


def _start(s):
    deliver(s, "m1", complaint(1, "Jalan berlubang di depan balai desa"))
    rep = run_cycle(s, now=T0)
    assert rep.problems == []
    (row,) = rows(s.path(s.register_.path))
    assert row[C.STEP].startswith("2.")  # received (step 1) on registering: verification
    tasks = [m for m in outbox(s) if m["X-Aduan-Kind"] == "tugas"]
    assert [m["To"] for m in tasks] == [ROLE["petugas"]]
    return row[C.TICKET]


def _walk(s, ticket, now, plan):
    """Staff fill each step's columns (or reply to its task email); after each cycle the
    row is at the expected step and the expected people got mail of the expected kind."""
    reg = s.path(s.register_.path)
    for cells, tahap, expect, by_reply in plan:
        seen = {m["Message-ID"] for m in outbox(s)}
        now += timedelta(minutes=3)
        if by_reply:
            (row,) = rows(reg)
            sop = s.load_sop()
            step = next(st for st in sop.steps if row[C.STEP].startswith(f"{st.number}."))
            task = task_mail(s.path(s.mail.outbox), ticket, step.number, step.actor)
            cmd = command_for(step, cells)
            assert task is not None and cmd is not None
            raw = reply_mail(task, cmd, cells, s.roles[step.actor][0], now, len(seen))
            deliver(s, f"balasan-{len(seen)}", raw)
        else:
            staff_edit(reg, ticket, cells)
        rep = run_cycle(s, now=now)
        assert rep.problems == [], rep.problems
        (row,) = rows(reg)
        assert row[C.STEP].startswith(tahap), (cells, row[C.STEP])
        got = {(m["X-Aduan-Kind"], m["To"]) for m in outbox(s) if m["Message-ID"] not in seen}
        assert set(expect) <= got, (cells, sorted(got))
    return now


_VERIFY = {"Hasil Verifikasi": "Tindak Lanjut Teknis", "Kategori": "Jalan dan Jembatan"}
_TO_SURVEY = [
    (_VERIFY, "3.", [("tugas", ROLE["sekretaris"])], False),
    ({"Diteruskan ke Kepala Dinas": "Ya"}, "4.", [("tugas", ROLE["kadis"])], False),
    # the Kepala Dinas disposes by replying SUMBER DAYA AIR: <arahan> to his task email
    (
        {"Bidang Teknis": "Sumber Daya Air", "Disposisi": "Cek saluran dan genangan"},
        "5.",
        [("tugas", ROLE["kabid"])],
        True,
    ),
    (
        {"Penugasan Tim": "Tim Seksi Drainase, besok 08.00"},
        "6.",
        [("tugas", ROLE["tim"]), ("perkembangan", WARGA)],
        False,
    ),
    (
        {"Hasil Peninjauan Lapangan": "Saluran tersumbat 50 m"},
        "7.",
        [("tugas", ROLE["tim"])],
        False,
    ),
]
_ANSWER_AND_REPORT = [
    (
        {"Jawaban untuk Pengadu": "Saluran sudah dibersihkan."},
        "10.",
        [("hasil", WARGA), ("tugas", ROLE["kabid"])],
        False,
    ),
    (
        {"Laporan Pelaksanaan": "Selesai, dokumentasi terlampir"},
        "Selesai",
        [("laporan", ROLE["kadis"])],
        False,
    ),
]
PATHS = {
    "perbaikan": (
        _TO_SURVEY
        + [
            (
                {
                    "Jenis Penanganan": "Penanganan Langsung",
                    "Rencana Penanganan": "Normalisasi saluran",
                },
                "8.",
                [("tugas", ROLE["tim"]), ("perkembangan", WARGA)],
                False,
            ),
            (
                {"Hasil Pelaksanaan": "Saluran 50 m dibersihkan"},
                "9.",
                [("tugas", ROLE["petugas"])],
                False,
            ),
        ]
        + _ANSWER_AND_REPORT,
        "Selesai",
        [
            "02-formulir_aduan.docx",
            "04-lembar_disposisi.docx",
            "07-rencana_tindak_lanjut.docx",
            "09-berita_acara.docx",
            "10-laporan_pelaksanaan.docx",
        ],
        range(1, 11),
    ),
    "usulan_program": (
        _TO_SURVEY
        + [
            (
                {"Jenis Penanganan": "Usulan Program", "Rencana Penanganan": "Diusulkan 2027"},
                "9.",
                [("tugas", ROLE["petugas"])],
                True,  # the team replies PROGRAM: <usulan>
            ),
        ]
        + _ANSWER_AND_REPORT,
        "Selesai",
        [
            "02-formulir_aduan.docx",
            "04-lembar_disposisi.docx",
            "07-rencana_tindak_lanjut.docx",
            "09-berita_acara.docx",
            "10-laporan_pelaksanaan.docx",
        ],
        [1, 2, 3, 4, 5, 6, 7, 9, 10],  # no repair now: step 8 never starts
    ),
    "dijawab_langsung": (
        [
            (
                {"Hasil Verifikasi": "Dijawab Langsung", "Tanggapan": "PBG diajukan lewat SIMBG."},
                "Selesai",
                [("jawaban_langsung", WARGA)],
                False,
            )
        ],
        "Selesai",
        [],
        [1, 2],
    ),
    "bukan_kewenangan": (
        [
            (
                {"Hasil Verifikasi": "Bukan Kewenangan", "Instansi Tujuan": "BBPJN Jateng-DIY"},
                "",
                [
                    ("salur_instansi", "bbpjn.jateng-diy@pu.example.go.id"),
                    ("penyaluran", WARGA),
                ],
                True,  # the petugas replies BUKAN KEWENANGAN: <instansi>
            )
        ],
        "Disalurkan",
        ["02-formulir_penyaluran.docx"],
        [1, 2],
    ),
}


@pytest.mark.parametrize("path", list(PATHS))
def test_every_path_of_the_dpupr_sop_end_to_end(office, path):
    s = office
    plan, status, docs, steps = PATHS[path]
    ticket = _start(s)
    now = _walk(s, ticket, T0, plan)
    reg = s.path(s.register_.path)
    (row,) = rows(reg)
    assert row[C.STATUS] == status and row[C.LATE] == "Tidak"
    assert sorted(p.name for p in s.path(s.paths.documents).rglob("*.docx")) == docs
    events = [h["Peristiwa"] for h in rows(reg, HISTORY_TAB) if h["No. Aduan"] == ticket]
    started = sorted(int(e.split()[1]) for e in events if e.endswith(" dimulai"))
    assert started == list(steps)
    for i in steps:
        assert events.index(f"Tahap {i} dimulai") < events.index(f"Tahap {i} selesai")
    if docs:  # the documents go out with the task emails and the answer
        assert row[C.DOCUMENTS].count(".docx") == len(docs)
    # once the sends are logged nothing changes any more
    run_cycle(s, now=now + timedelta(minutes=5))
    mtime, n_mail = reg.stat().st_mtime_ns, len(outbox(s))
    assert run_cycle(s, now=now + timedelta(minutes=10)).problems == []
    assert reg.stat().st_mtime_ns == mtime and len(outbox(s)) == n_mail


def test_a_late_kepala_dinas_is_reported_to_the_sekretaris_his_deputy(office):
    s = office
    ticket = _start(s)
    now = _walk(s, ticket, T0, PATHS["perbaikan"][0][:2])  # at step 4, the disposition
    for minutes in (60, 120, 180):  # the ladder: 1x, 2x and 3x the standard of 60 minutes
        run_cycle(s, now=now + timedelta(minutes=minutes + 1))
    late = [(m["X-Aduan-Kind"], m["To"]) for m in outbox(s) if m["X-Aduan-Step"] == "4"]
    assert ("pengingat", ROLE["kadis"]) in late
    assert ("eskalasi", ROLE["sekretaris"]) in late  # the head has no superior: his deputy
    (row,) = rows(s.path(s.register_.path))
    assert row[C.LATE] == "Ya" and row[C.STEP].startswith("4.")
