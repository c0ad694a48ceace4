"""The pemda recap (issue 19): `aduan recap --all DIR --month YYYY-MM` reads every office's
register in its own process and writes one Word report and one sheet; its figures are
checked against complaints moved through real cycles, read back from the files."""

from __future__ import annotations

import os
import subprocess
from datetime import datetime, timedelta
from pathlib import Path

import docx
import openpyxl
import pytest

from aduan.config import load_settings
from aduan.core.layout import REGISTER_TAB, C
from aduan.core.model import Row
from aduan.core.recap import compute_recap
from aduan.core.recap_pemda import office_figures
from aduan.run.cycle import run_cycle
from tests.test_cycle import SCRIPTS, complaint, deliver, rows, staff_edit
from tests.test_fleet import ADUAN, T0, _office, init_register

MONTH = "2026-11"


def _type_row(path: Path, cells: dict[str, str]) -> None:
    """The petugas types a complaint into the first empty row."""
    wb = openpyxl.load_workbook(path)
    ws = wb[REGISTER_TAB]
    cols = {c.value: c.column for c in ws[1]}
    r = ws.max_row + 1
    for k, v in cells.items():
        ws.cell(row=r, column=cols[k], value=v)
    wb.save(path)


@pytest.fixture
def pemda(tmp_path):
    """Three offices: Dinsos (one complaint closed, one forwarded out), BPBD (one complaint
    handed in by another office, still open), and one whose settings are broken."""
    d = tmp_path / "pemda"
    blitar = load_settings(_office(d, "dinsos", "blitar"))
    init_register(blitar)
    reg = blitar.path(blitar.register_.path)
    deliver(blitar, "m1", complaint(1, "Bantuan lansia belum cair"))
    deliver(blitar, "m2", complaint(2, "Jalan kabupaten berlubang", "warga2@contoh.id"))
    now = T0
    run_cycle(blitar, now=now)
    for cells, _tahap, _to in SCRIPTS["blitar"]:
        staff_edit(reg, "ADU/2026/11/0001", cells)
        now += timedelta(minutes=3)
        assert run_cycle(blitar, now=now).problems == []
    staff_edit(reg, "ADU/2026/11/0002", {"Kewenangan": "Bukan Kewenangan"})
    staff_edit(reg, "ADU/2026/11/0002", {"Instansi Tujuan": "Dinas PUPR Kab. Karanganyar"})
    now += timedelta(minutes=3)
    run_cycle(blitar, now=now)
    run_cycle(blitar, now=now + timedelta(minutes=5))
    states = {r[C.TICKET]: r[C.STATUS] for r in rows(reg)}
    assert states["ADU/2026/11/0001"] == "Selesai", states
    assert states["ADU/2026/11/0002"] != "Dalam proses", states

    bpbd = load_settings(_office(d, "bpbd", "bpbd"))
    init_register(bpbd)
    _type_row(
        bpbd.path(bpbd.register_.path),
        {
            C.CHANNEL: "Penyaluran dari Dinsos Kota Blitar",
            C.NAME: "Warga Jaten",
            C.CONTACT: "warga3@contoh.id",
            C.SUBJECT: "Tanggul retak",
            C.TEXT: "Tanggul sungai di Jaten retak.",
        },
    )
    assert run_cycle(bpbd, now=T0).problems == []
    (d / "rusak").mkdir()
    (d / "rusak" / "settings.yaml").write_text("office: [\n")
    return d


def _sheet(path: Path) -> dict[str, list[str]]:
    ws = openpyxl.load_workbook(path).active
    data = [[c.value or "" for c in r] for r in ws.iter_rows()]
    head = next(i for i, r in enumerate(data) if r[0] == "Kantor")
    return {r[0]: r for r in data[head + 1 :] if r[0] and r[1]}


def test_recap_all_writes_one_report_and_sheet_with_each_office(pemda, tmp_path):
    out = tmp_path / "rekap"
    p = subprocess.run(
        [str(ADUAN), "recap", "--all", str(pemda), "--month", MONTH, "--out", str(out)]
        + ["--now", "2026-12-01T07:30", "--kop", "bpbd"],
        capture_output=True,
        text=True,
        timeout=180,
        env=dict(os.environ),
    )
    assert p.returncode == 1, p.stdout + p.stderr  # one office unreadable: partial
    assert "rusak: KONFIGURASI" in p.stdout
    table = _sheet(out / "rekap-pemda-2026-11.xlsx")
    assert set(table) == {"Dinsos Kota Blitar", "BPBD Kab. Karanganyar", "Jumlah"}
    dinsos, bpbd, total = (
        table["Dinsos Kota Blitar"],
        table["BPBD Kab. Karanganyar"],
        table["Jumlah"],
    )
    # Kantor, Diterima, Selesai, mutu baku, standar pelayanan, masuk, keluar, IKM
    assert dinsos[1:3] == ["2", "2"], dinsos
    assert dinsos[4].startswith("100") and "(2 dari 2)" in dinsos[4]
    assert dinsos[5:7] == ["0", "1"]
    assert bpbd[1:3] == ["1", "0"] and bpbd[5:7] == ["1", "0"] and bpbd[4] == "-"
    assert total[1:3] == ["3", "2"] and total[5:7] == ["1", "1"]
    assert dinsos[7] == "belum diukur"
    # the Word report: the same rows, the charts, the unreadable office named
    report = docx.Document(str(out / "rekap-pemda-2026-11.docx"))
    cells = [[c.text for c in r.cells] for t in report.tables for r in t.rows]
    assert dinsos in cells and bpbd in cells and total in cells
    text = "\n".join(p.text for p in report.paragraphs)
    assert "November 2026" in text and "rusak" in text
    assert "PEMERINTAH KABUPATEN KARANGANYAR" in "\n".join(c for r in cells for c in r)
    assert len(report.inline_shapes) >= 2, "both charts"


def test_office_figures_satisfaction_and_service_standard(make_settings):
    """Ratings where the office records them; closed by the overall deadline or not."""
    from aduan.core.service import skm_quality
    from aduan.core.state import RowState

    s = make_settings("bpbd")
    cal, sop = s.calendar(), s.load_sop()
    nov = datetime(2026, 11, 2, 8, 0, tzinfo=s.tz)  # Monday
    due = cal.add(nov, working_days=5)

    def row(i: int, closed: datetime, rating: str, sdue: datetime | None = due) -> Row:
        st = RowState("selesai", closed, None, nov, closed=closed, outcome="ditindaklanjuti")
        st.sdue = sdue
        cells = {C.TICKET: f"ADU/2026/11/{i:04d}", C.STATE: st.dumps(), C.RATING: rating}
        return Row(i, cells)

    rows_ = [
        row(1, nov + timedelta(days=2), "4"),  # by the deadline
        row(2, nov + timedelta(days=9), "3 (baik)"),  # after it
        row(3, nov + timedelta(hours=3), "", sdue=None),  # no deadline on record, unrated
    ]
    rc = compute_recap(rows_, sop, cal, (2026, 11), s.tz)
    f = office_figures(rc, rows_, office="BPBD", folder="bpbd")
    assert (f.received, f.closed, f.within_standard, f.standard_measured) == (3, 3, 1, 2)
    assert f.standard_share == 0.5
    assert f.ratings == [4, 3] and f.ikm == 87.5 and skm_quality(f.ikm) == "B (baik)"
