"""The monthly recap: a synthetic December 2026 with hand-computed answers, the
register tab written and read back, the Word report reopened, the email sent.

The office calendar is the settings' default: Monday-Thursday 07.30-16.00
(510 working minutes), Friday 07.30-16.30 (540), plus Indonesian holidays; in
December 2026 the 24th (cuti bersama Natal, Thursday) and 25th (Natal, Friday).
"""

from __future__ import annotations

import email
import json
import os
import re
import shutil
import subprocess
import zipfile
from datetime import UTC, datetime, time, timedelta
from email import policy
from zoneinfo import ZoneInfo

import docx
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from aduan.config import load_sop
from aduan.core.layout import C, build_layout
from aduan.core.model import Row, WriteSet
from aduan.core.recap import compute_recap, parse_month, tab_title
from aduan.core.recap_text import SECTIONS, recap_sections, recap_table
from aduan.core.tabsheet import typed
from aduan.core.worktime import WorkCalendar
from aduan.documents import recap as report
from aduan.errors import RunLocked
from aduan.register.xlsx import XlsxRegister
from aduan.run.recap import check_template, run_recap
from aduan.run.wiring import open_documents
from tests.conftest import REPO

WIB = ZoneInfo("Asia/Jakarta")
DEC = (2026, 12)
SOP = load_sop(REPO / "config/sop/bpbd-karanganyar.yaml")
HOURS = {d: (time(7, 30), time(16, 0)) for d in range(4)} | {4: (time(7, 30), time(16, 30))}
CAL = WorkCalendar(WIB, HOURS)


def t(day: str, hm: str = "00:00", tz: str = "+07:00") -> str:
    """ISO text as the engine stores it: '2026-12-01', '09:00' -> ...T09:00:00+07:00."""
    return f"{day}T{hm}:00{tz}"


def row(
    ticket: str,
    channel: str,
    category: str,
    received: str,
    hist: list[list[str]],
    current: tuple[str, str, str] | None = None,
    closed: str | None = None,
    outcome: str | None = None,
) -> Row:
    """A register row whose Data Sistem holds the given progress."""
    step, since, due = current or (hist[-1][0], hist[-1][1], hist[-1][2])
    state = {
        "v": 1,
        "step": step,
        "since": since,
        "due": due,
        "recv": received,
        "hist": hist,
        "sent": [],
        "docs": [],
    }
    if closed:
        state |= {"closed": closed, "outcome": outcome}
    values = {
        C.TICKET: ticket,
        C.CHANNEL: channel,
        C.CATEGORY: category,
        C.SUBJECT: f"aduan {ticket}",
        C.STATE: json.dumps(state),
    }
    return Row(0, values)


D1 = "2026-12-01"
# A: followed up on 1 December; "catat" 6 min and "rapat" 25 min are over their standard
A = row(
    "ADU/2026/12/0001",
    "Email",
    "Bencana",
    t(D1, "09:00"),
    [
        ["terima", t(D1, "09:00"), t(D1, "09:05"), t(D1, "09:00")],
        ["telaah", t(D1, "09:00"), t(D1, "09:05"), t(D1, "09:04")],
        ["catat", t(D1, "09:04"), t(D1, "09:09"), t(D1, "09:10")],
        ["sampaikan", t(D1, "09:10"), t(D1, "09:15"), t(D1, "09:15")],
        ["rapat", t(D1, "09:15"), t(D1, "09:25"), t(D1, "09:40")],
        ["tindak_lanjut", t(D1, "09:40"), t(D1, "10:40"), t(D1, "10:30")],
        ["lapor", t(D1, "10:30"), t(D1, "11:30"), t(D1, "11:00")],
    ],
    closed=t(D1, "11:00"),
    outcome="ditindaklanjuti",
)
# B: answered directly, but "telaah" spans the Christmas holidays and a weekend:
# 23 Dec 15.00-16.00 (60) + 28 Dec 07.30-08.00 (30) = 90 working minutes
B = row(
    "ADU/2026/12/0002",
    "WhatsApp",
    "Bencana",
    t("2026-12-23", "15:00"),
    [
        ["terima", t("2026-12-23", "15:00"), t("2026-12-23", "15:05"), t("2026-12-23", "15:00")],
        ["telaah", t("2026-12-23", "15:00"), t("2026-12-23", "15:05"), t("2026-12-28", "08:00")],
    ],
    closed=t("2026-12-28", "08:00"),
    outcome="terlayani_langsung",
)
# C: received 31 Dec 23.50 WIB (stored in UTC: still 31 Dec there, 16.50) -> December;
# its "telaah" finished in January and is not counted; open at the month's end, not late
C_ = row(
    "ADU/2026/12/0003",
    "Email",
    "Infrastruktur",
    t("2026-12-31", "16:50", "+00:00"),
    [
        ["terima", t("2026-12-31", "23:50"), t("2027-01-04", "07:30"), t("2026-12-31", "23:50")],
        ["telaah", t("2026-12-31", "23:50"), t("2027-01-04", "07:35"), t("2027-01-04", "08:00")],
    ],
    current=("catat", t("2027-01-04", "08:00"), t("2027-01-04", "08:05")),
)
# D: received 30 November; "telaah" spans the two months (60 + 30 = 90, counted in
# December); conveyed to the Pimpinan at once, whose disposition (the office-added
# wait, due 1 Dec 08.08) it has waited for ever since
D = row(
    "ADU/2026/11/0009",
    "SMS",
    "Pelayanan",
    t("2026-11-30", "15:00"),
    [
        ["terima", t("2026-11-30", "15:00"), t("2026-11-30", "15:05"), t("2026-11-30", "15:00")],
        ["telaah", t("2026-11-30", "15:00"), t("2026-11-30", "15:05"), t(D1, "08:00")],
        ["catat", t(D1, "08:00"), t(D1, "08:05"), t(D1, "08:03")],
        ["sampaikan", t(D1, "08:03"), t(D1, "08:08"), t(D1, "08:03")],
    ],
    current=("disposisi", t(D1, "08:03"), t(D1, "08:08")),
)
# E: November, answered directly within standard (the comparison month)
E = row(
    "ADU/2026/11/0008",
    "Email",
    "Bencana",
    t("2026-11-02", "10:00"),
    [
        ["terima", t("2026-11-02", "10:00"), t("2026-11-02", "10:05"), t("2026-11-02", "10:00")],
        ["telaah", t("2026-11-02", "10:00"), t("2026-11-02", "10:05"), t("2026-11-02", "10:03")],
    ],
    closed=t("2026-11-02", "10:03"),
    outcome="terlayani_langsung",
)
# F: received 1 Jan 2027 00.05 WIB (31 Dec 17.05 UTC) -> January, not December
F = row(
    "ADU/2027/01/0001",
    "Email",
    "Bencana",
    t("2026-12-31", "17:05", "+00:00"),
    [["terima", t("2027-01-01", "00:05"), t("2027-01-04", "07:35"), t("2027-01-01", "00:05")]],
    current=("telaah", t("2027-01-01", "00:05"), t("2027-01-04", "07:35")),
)
TYPED = Row(0, {C.NAME: "Bu Sri", C.TEXT: "jalan rusak", C.CHANNEL: "Telepon"})
BROKEN = Row(0, {C.TICKET: "ADU/2026/12/0004", C.CHANNEL: "Email", C.STATE: "{oops"})
ROWS = [A, B, C_, D, E, F, TYPED, BROKEN, Row(0, {**A.values, C.CHANNEL: "SMS"})]


@pytest.fixture(scope="module")
def dec():
    return compute_recap(ROWS, SOP, CAL, DEC, WIB)


def by_id(rc, step_id):
    return next(s for s in rc.steps if s.step_id == step_id)


# ------------------------------------------------------------------ compute
def test_received_by_channel_category_outcome_and_week(dec):
    assert dec.received == 3  # A, B, C; not D (November) nor F (January)
    assert dec.by_channel == [("Email", 2), ("WhatsApp", 1)]
    assert dec.by_category == [("Bencana", 2), ("Infrastruktur", 1)]
    assert dec.by_outcome == [
        ("terlayani_langsung", 1),
        ("ditindaklanjuti", 1),
        ("disalurkan", 0),
        ("terbuka", 1),
    ]
    assert dec.weeks == [(1, 7), (8, 14), (15, 21), (22, 28), (29, 31)]
    assert dec.weekly == {"Email": [1, 0, 0, 0, 1], "WhatsApp": [0, 0, 0, 1, 0]}


def test_steps_finished_in_the_month_against_the_standard(dec):
    got = {s.step_id: (s.count, s.within, s.median, s.p90) for s in dec.steps}
    assert got == {
        "terima": (3, 3, 0, 0),  # A, B, C (31 Dec 23.50); D's finished in November
        "telaah": (3, 1, 90, 90),  # A 4, B 90 (holidays), D 90 (spans months)
        "catat": (2, 1, 4.5, 6),  # A 6, D 3
        "sampaikan": (2, 2, 2.5, 5),  # A: exactly the standard is within it; D conveyed at once
        "rapat": (1, 0, 25, 25),
        "tindak_lanjut": (1, 1, 50, 50),
        "lapor": (1, 1, 30, 30),
    }
    assert [s.number for s in dec.steps] == [1, 2, 3, 4, 5, 6, 7]
    assert by_id(dec, "telaah").share == pytest.approx(1 / 3)
    assert dec.finished == 13  # the office-added wait (disposisi) is no SOP step
    assert dec.share == pytest.approx(9 / 13)


def test_deviations_list_ticket_step_role_standard_actual(dec):
    got = [(d.ticket, d.number, d.role, d.standard, d.actual) for d in dec.deviations]
    assert got == [
        ("ADU/2026/11/0009", 2, "Petugas Layanan", 5, 90),
        ("ADU/2026/12/0001", 3, "Petugas Layanan", 5, 6),
        ("ADU/2026/12/0001", 5, "TIM", 10, 25),
        ("ADU/2026/12/0002", 2, "Petugas Layanan", 5, 90),
    ]


def test_open_at_month_end_and_how_late(dec):
    got = [(o.ticket, o.number, o.role, o.late_minutes) for o in dec.open]
    # D: due 1 Dec 08.08; 472 that day + 17 Mon-Thu x 510 + 3 Fridays x 540 (24-25 off)
    assert got == [
        ("ADU/2026/11/0009", 4, "Pimpinan", 10762),
        ("ADU/2026/12/0003", 2, "Petugas Layanan", 0),  # due 4 Jan: not late yet
    ]
    assert dec.open[1].deadline == datetime(2027, 1, 4, 7, 35, tzinfo=WIB)


def test_previous_month_comparison_and_problems(dec):
    assert dec.prev_received == 2  # D and E
    assert dec.prev_share == 1.0  # E terima, E telaah, D terima: all within
    # the typed-in row is simply not numbered yet; the others are reported
    assert len(dec.problems) == 2
    assert dec.problems[0].startswith("ADU/2026/12/0004: Data Sistem tidak terbaca")
    assert dec.problems[1] == (
        "ADU/2026/12/0001: nomor aduan ganda di register; baris kedua tidak dihitung"
    )


def test_before_the_month_ends_outcomes_and_lateness_are_taken_now():
    now = datetime(2026, 12, 2, 8, 8, tzinfo=WIB)
    rc = compute_recap([A, D], SOP, CAL, DEC, WIB, now=now)
    assert rc.at == now
    assert dict(rc.by_outcome)["ditindaklanjuti"] == 1
    # one working day after its deadline: 472 on 1 Dec + 38 on 2 Dec
    assert [(o.ticket, o.late_minutes) for o in rc.open] == [("ADU/2026/11/0009", 510)]


def test_outcome_is_as_it_stood_at_the_end_of_the_month():
    # B closed on 28 Dec: in a November-style cut at 27 Dec it is still open
    rc = compute_recap([B], SOP, CAL, DEC, WIB, now=datetime(2026, 12, 27, 12, tzinfo=WIB))
    assert dict(rc.by_outcome)["terbuka"] == 1
    assert [o.ticket for o in rc.open] == ["ADU/2026/12/0002"]
    assert rc.open[0].late_minutes == 55  # due 23 Dec 15.05 -> 16.00


def test_empty_month_has_no_figures():
    rc = compute_recap([], SOP, CAL, (2027, 2), WIB)
    assert rc.received == 0 and rc.finished == 0 and rc.share is None
    assert rc.weeks == [(1, 7), (8, 14), (15, 21), (22, 28)]
    table = recap_table(rc)
    assert ["Tahap sesuai mutu baku waktu", "-"] in table
    assert ["(tidak ada)"] in table


def test_parse_month():
    assert parse_month("2026-11") == (2026, 11)
    assert parse_month(" 2027-01 ") == (2027, 1)
    for bad in ("2026-13", "11-2026", "2026", "2026-11-01", "x"):
        with pytest.raises(ValueError, match="tulis seperti 2026-11"):
            parse_month(bad)
    assert tab_title((2026, 1)) == "Rekap 2026-01"


# ------------------------------------------------------------------ text
def test_sections_as_staff_read_them(dec):
    s = recap_sections(dec)
    assert s["ringkasan"] == [
        ["Aduan diterima", "3"],
        ["Tahap SOP diselesaikan", "13"],
        ["Tahap sesuai mutu baku waktu", "69,2%"],
        ["Penyimpangan mutu baku waktu", "4"],
        ["Aduan masih terbuka pada akhir bulan", "2"],
        ["Di antaranya melewati tenggat", "1"],
    ]
    assert s["perbandingan"] == [
        ["Aduan diterima", "2", "3", "+1"],
        ["Tahap sesuai mutu baku waktu", "100%", "69,2%", "-30,8 poin"],
    ]
    assert s["saluran"] == [["Email", "2", "66,7%"], ["WhatsApp", "1", "33,3%"]]
    assert s["hasil"][0] == ["Dijawab langsung", "1", "33,3%"]
    telaah = s["tahap"][1]
    assert telaah[0] == "2" and telaah[1].startswith("Pengaduan yang tidak perlu")
    # durations as an office reads them (issue 22), via idfmt.durasi
    assert telaah[2:] == [
        "Petugas Layanan",
        "5 menit",
        "3",
        "1 jam 30 menit",
        "1 jam 30 menit",
        "33,3%",
    ]
    assert s["tahap"][2][5:] == ["4 menit", "6 menit", "50%"]
    assert not any("…" in r[1] for r in s["tahap"])  # whole labels, wrapped by the table
    rapat = s["penyimpangan"][2]
    assert rapat[0] == "ADU/2026/12/0001"
    assert rapat[2:] == ["TIM", "10 menit", "25 menit", "15 menit"]
    assert s["penyimpangan"][2][1].startswith("5. Tim melakukan rapat")
    assert s["terbuka"][0][0:2] == ["ADU/2026/11/0009", "30/11/2026 15.00"]
    assert s["terbuka"][0][3:] == ["Pimpinan", "01/12/2026 08.08", "21 hari kerja"]  # 10762 min
    assert s["terbuka"][1][1] == "31/12/2026 23.50"  # shown in office time, not UTC


def test_table_has_every_section_with_its_headers(dec):
    table = recap_table(dec)
    assert table[0] == ["Rekap Aduan Bulan Desember 2026"]
    titles = [r[0] for r in table if r and re.match(r"^\d+\. ", r[0])]
    assert titles == [f"{i}. {title}" for i, (title, _h) in enumerate(SECTIONS.values(), 1)]
    assert ["Uraian", "November 2026", "Desember 2026", "Perubahan"] in table
    assert table[-2][0].startswith("ADU/2026/12/0004: Data Sistem tidak terbaca")


# ------------------------------------------------------------------ outputs
def _cells(table) -> list[list[str]]:
    return [[c.text for c in r.cells] for r in table.rows]


def test_word_report_holds_the_same_figures_and_the_charts(make_settings, dec):
    settings = make_settings("bpbd")
    now = datetime(2027, 1, 1, 7, 0, tzinfo=WIB)
    path = report.render_report(open_documents(settings), dec, now=now)
    assert path == settings.path(settings.paths.documents) / "rekap" / "rekap-2026-12.docx"
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp file left behind
    d = docx.Document(str(path))
    text = "\n".join(p.text for p in d.paragraphs)
    assert "REKAPITULASI PENGADUAN MASYARAKAT" in text and "Desember 2026" in text
    assert "{{" not in text and "{%" not in text
    assert "BADAN PENANGGULANGAN BENCANA DAERAH" in _cells(d.tables[0])[0][1]  # letterhead
    sections = recap_sections(dec)
    for i, key in enumerate(SECTIONS, 1):
        rows = _cells(d.tables[i])
        assert rows[1:] == sections[key], key
    assert _cells(d.tables[2])[0] == ["Uraian", "November 2026", "Desember 2026", "Perubahan"]
    assert len(d.inline_shapes) == 2  # the two charts (the test office has no logo)
    for shape in d.inline_shapes:
        assert shape.width > 0
    assert "Data Sistem tidak terbaca" in text  # the data notes are in the report too


def test_charts_are_png():
    rc = compute_recap(ROWS, SOP, CAL, DEC, WIB)
    for png in (report.chart_weekly(rc), report.chart_steps(rc)):
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000
    empty = compute_recap([], SOP, CAL, DEC, WIB)
    assert report.chart_weekly(empty)[:4] == b"\x89PNG"
    # a dozen channels typed by staff: the chart folds the smallest into "Lainnya"
    many = [Row(0, {**A.values, C.TICKET: f"X{i}", C.CHANNEL: f"Kanal {i}"}) for i in range(12)]
    assert report.chart_weekly(compute_recap(many, SOP, CAL, DEC, WIB))[:4] == b"\x89PNG"


def _register(settings) -> XlsxRegister:
    sop = settings.load_sop()
    reg = XlsxRegister(settings.path(settings.register_.path), build_layout(sop))
    reg.init()
    reg.write(WriteSet(appends=[dict(r.values) for r in ROWS]))
    return reg


def test_run_recap_writes_tab_report_and_email(make_settings):
    settings = make_settings("bpbd")
    _register(settings)
    now = datetime(2027, 1, 5, 9, 0, tzinfo=WIB)
    rep = run_recap(settings, DEC, now=now, send=True)
    assert rep.problems == []
    assert rep.tab == "Rekap 2026-12"
    # the tab read back holds exactly the table (empty spacer rows read as nothing)
    wb = load_workbook(settings.path(settings.register_.path))
    got = [[c for c in r if c is not None] for r in wb["Rekap 2026-12"].iter_rows(values_only=True)]
    want = recap_table(
        compute_recap(ROWS, SOP, CAL, DEC, WIB, now=now, service=settings.service.standard())
    )
    # numbers stored as numbers (issue 22): "3" is 3, "66,7%" is 0.667 shown as a percent
    assert got == [[typed(v)[0] for v in r] for r in want]
    tab = wb["Rekap 2026-12"]
    received = next(r for r in tab.iter_rows() if r[0].value == "Aduan diterima")
    assert received[1].value == 3 and received[1].data_type == "n"
    assert tab.column_dimensions["B"].width >= 40  # full step labels, wrapped
    assert tab["A1"].font.b
    # native charts, as Excel and LibreOffice draw them (openpyxl reads no charts back)
    with zipfile.ZipFile(settings.path(settings.register_.path)) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
        xml = "".join(z.read(n).decode() for n in charts)
    assert len(charts) == 3, charts
    assert "Aduan diterima menurut saluran" in xml and "Status aduan menurut kategori" in xml
    assert "Register Aduan" in wb.sheetnames  # the register itself is untouched
    assert rep.path is not None and rep.path.is_file()
    # emailed to the head role, with the report attached
    assert rep.emailed == ["kalak@bpbd.example.go.id"]
    emls = list(settings.path(settings.mail.outbox).glob("*.eml"))
    assert len(emls) == 1
    msg = email.message_from_bytes(emls[0].read_bytes(), policy=policy.default)
    assert msg["To"] == "kalak@bpbd.example.go.id"
    assert "Rekap aduan bulan Desember 2026" in msg["Subject"]
    assert msg["Auto-Submitted"] == "auto-generated"
    body = msg.get_body(("plain",)).get_content()
    assert "Aduan diterima: 3" in body
    assert "ADU/2026/11/0009, tahap 2." in body  # a deviation to account for
    names = [p.get_filename() for p in msg.iter_attachments()]
    assert names == ["rekap-2026-12.docx"]
    # run again: the tab is replaced, not duplicated; the same Message-ID, one file
    run_recap(settings, DEC, now=now, send=True)
    wb = load_workbook(settings.path(settings.register_.path))
    assert wb.sheetnames.count("Rekap 2026-12") == 1
    assert len(list(settings.path(settings.mail.outbox).glob("*.eml"))) == 1


def test_run_recap_refuses_while_a_run_holds_the_lock(make_settings):
    from aduan.run.lock import lock

    settings = make_settings("bpbd")
    _register(settings)
    lk = lock(settings)
    lk.acquire()
    try:
        with pytest.raises(RunLocked):
            run_recap(settings, DEC, now=datetime(2027, 1, 5, tzinfo=WIB))
    finally:
        lk.release()


def test_a_failing_part_is_reported_and_the_rest_still_runs(make_settings, tmp_path):
    settings = make_settings("blitar")
    _register(settings)
    # the register is open in LibreOffice: the tab cannot be written, the report can
    reg_path = settings.path(settings.register_.path)
    lockfile = reg_path.parent / f".~lock.{reg_path.name}#"
    lockfile.write_text("x")
    rep = run_recap(settings, DEC, now=datetime(2027, 1, 5, tzinfo=WIB))
    assert len(rep.problems) == 1 and rep.problems[0].startswith("tab Rekap 2026-12 tidak ditulis")
    assert rep.path is not None and rep.path.is_file()


def test_cli_recap(make_settings):
    from aduan.cli import cli

    settings = make_settings("bpbd")
    _register(settings)
    res = CliRunner().invoke(
        cli, ["--config", settings.file, "recap", "--month", "2026-12", "--now", "2027-01-05T09:00"]
    )
    assert res.exit_code == 0, res.output
    assert "Rekap 2026-12" in res.output and "rekap-2026-12.docx" in res.output
    # without --month: last month (cron on the 1st)
    res = CliRunner().invoke(cli, ["--config", settings.file, "recap", "--now", "2027-01-01T07:00"])
    assert res.exit_code == 0 and "rekap Desember 2026: 3 aduan diterima" in res.output
    res = CliRunner().invoke(cli, ["--config", settings.file, "recap", "--month", "2026-13"])
    assert res.exit_code == 2 and "tulis seperti 2026-11" in res.output


def test_check_template_passes_for_the_shipped_one_and_names_the_problem(make_settings, tmp_path):
    assert check_template(make_settings("blitar")) == []
    broken = tmp_path / "tpl"
    broken.mkdir()
    d = docx.Document()
    d.add_paragraph("{{ jumlah_aduan }}")  # not a key the recap gives
    d.save(broken / report.TEMPLATE)
    settings = make_settings("bpbd", templates=str(broken))
    assert check_template(settings) == ["template rekap: unknown tag ('jumlah_aduan' is undefined)"]
    (broken / report.TEMPLATE).write_bytes(b"not a zip")
    [problem] = check_template(settings)
    assert problem.startswith("template rekap: not a usable .docx file")
    (broken / report.TEMPLATE).unlink()
    [problem] = check_template(settings)
    assert problem.startswith("template rekap: file ") and problem.endswith("not found")


def test_report_before_month_end_states_the_time_in_the_office_zone(make_settings):
    settings = make_settings("blitar", timezone="WITA")
    now = datetime(2026, 12, 2, 9, 8, tzinfo=WIB)  # 10.08 WITA
    rc = compute_recap([A, D], SOP, CAL, DEC, settings.tz, now=now)
    text = "\n".join(
        p.text
        for p in docx.Document(
            str(report.render_report(open_documents(settings), rc, now=now))
        ).paragraphs
    )
    assert "keadaan per Rabu, 2 Desember 2026 pukul 10.08 WITA" in text


# ------------------------------------------------------------------ property
@st.composite
def registers(draw):
    """Complaints around the December boundaries, steps of random working length."""
    rows = []
    for i in range(draw(st.integers(0, 12))):
        recv = datetime(2026, 11, 28, tzinfo=WIB) + timedelta(
            minutes=draw(st.integers(0, 40 * 24 * 60))
        )
        zone = draw(st.sampled_from([WIB, UTC]))  # how the time happens to be stored
        hist, t0 = [], recv
        for step in SOP.steps[: draw(st.integers(1, len(SOP.steps)))]:
            done = CAL.add(t0, minutes=draw(st.integers(0, 3 * step.standard_minutes)))
            hist.append([step.id, t0.astimezone(zone).isoformat(), "", done.isoformat()])
            t0 = done
        closed = len(hist) == len(SOP.steps) and draw(st.booleans())
        rows.append(
            row(
                f"ADU/X/{i:04d}",
                draw(st.sampled_from(["Email", "SMS", ""])),
                draw(st.sampled_from(["Bencana", ""])),
                recv.astimezone(zone).isoformat(),
                hist,
                current=None if closed else ("lapor", t0.isoformat(), t0.isoformat()),
                closed=t0.isoformat() if closed else None,
                outcome="ditindaklanjuti",
            )
        )
    return rows


@settings(max_examples=40, deadline=None)
@given(registers())
def test_figures_agree_with_each_other_and_with_local_calendar_months(rows):
    rc = compute_recap(rows, SOP, CAL, DEC, WIB)
    assert sum(n for _k, n in rc.by_channel) == rc.received
    assert sum(n for _k, n in rc.by_outcome) == rc.received
    assert sum(map(sum, rc.weekly.values())) == rc.received
    assert len(rc.deviations) == sum(s.count - s.within for s in rc.steps)
    states = [json.loads(r.values[C.STATE]) for r in rows]
    local = [
        (d.year, d.month)
        for d in (datetime.fromisoformat(s["recv"]).astimezone(WIB) for s in states)
    ]
    assert rc.received == sum(1 for m in local if m == DEC)
    done = [
        datetime.fromisoformat(h[3]).astimezone(WIB)
        for s in states
        for h in s["hist"]
        if not SOP.step(h[0]).office_added  # an office's own wait is no SOP step
    ]
    assert rc.finished == sum(1 for d in done if (d.year, d.month) == DEC)
    for o in rc.open:
        assert o.received < rc.end and o.late_minutes >= 0


def test_pdf_of_the_report_when_the_office_wants_pdfs(make_settings):
    missing = [b for b in ("soffice", "pdftotext") if not shutil.which(b)]
    if missing:
        msg = f"{', '.join(missing)} not installed (scripts/install-system-deps.sh)"
        if os.environ.get("CI") == "true":
            pytest.fail(msg)
        pytest.skip(msg)
    settings = make_settings("bpbd", documents={"pdf": True})
    _register(settings)
    rep = run_recap(settings, DEC, now=datetime(2027, 1, 5, 9, tzinfo=WIB), send=True)
    assert rep.problems == []
    pdf = rep.path.with_suffix(".pdf")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True)
    assert "REKAPITULASI PENGADUAN MASYARAKAT" in text.stdout and "ADU/2026/11/0009" in text.stdout
    [eml] = settings.path(settings.mail.outbox).glob("*.eml")
    msg = email.message_from_bytes(eml.read_bytes(), policy=policy.default)
    names = [p.get_filename() for p in msg.iter_attachments()]
    assert names == ["rekap-2026-12.docx", "rekap-2026-12.pdf"]
