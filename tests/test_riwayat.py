"""*Riwayat* for people (issue 22), read back from a real cycle's xlsx register:
chronological, Indonesian, no Message-IDs or internal names, the key column hidden."""

from __future__ import annotations

import os
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import openpyxl

from aduan.core.layout import HISTORY_TAB
from aduan.core.riwayat import chronological, sent_text
from aduan.run.cycle import run_cycle
from tests.test_cycle import complaint, deliver, rows, setup_office, staff_edit

WIB = ZoneInfo("Asia/Jakarta")
T0 = datetime(2026, 11, 2, 8, 0, tzinfo=WIB)


def test_send_records_say_what_went_to_whom():
    label = {"kepala": "Kepala Dinas", "tim": "Tim Pengelola Pengaduan"}.get
    kw = {"role_label": lambda r: label(r) or r, "ok": True}
    assert sent_text("tanda_terima", step_number=1, to_complainant=True, roles=(), **kw) == (
        "Tanda terima dikirim ke pengadu"
    )
    assert sent_text("tugas", step_number=3, to_complainant=False, roles=("kepala",), **kw) == (
        "Email tugas tahap 3 dikirim ke Kepala Dinas"
    )
    failed = sent_text(
        "hasil", step_number=5, to_complainant=True, roles=(), role_label=str, ok=False
    )
    assert failed == "Hasil tindak lanjut untuk pengadu gagal dikirim"
    refused = sent_text(
        "tanda_terima", step_number=1, to_complainant=True, roles=(), role_label=str, ok=False,
        refused={"Wulan@contoh.id": "550 5.1.1 No such user"}, complainant="wulan@contoh.id",
    )  # fmt: skip
    assert (
        refused == "Tanda terima untuk pengadu gagal dikirim; ditolak: alamat pengadu (550 5.1.1)"
    )


def test_rows_of_one_write_in_time_order():
    got = chronological(
        [
            {"Waktu": "02/11/2026 08.10", "Peristiwa": "b"},
            {"Waktu": "02/11/2026 08.05", "Peristiwa": "a"},
            {"Waktu": "02/11/2026 08.10", "Peristiwa": "c"},
            {"Waktu": "01/12/2026 07.00", "Peristiwa": "d"},
        ]
    )
    assert [r["Peristiwa"] for r in got] == ["a", "b", "c", "d"]


def test_riwayat_of_a_real_month_reads_as_people_write(make_settings):
    s = setup_office(make_settings, "blitar")
    reg = s.path(s.register_.path)
    deliver(s, "m1", complaint(1, "Bantuan PKH belum cair"))
    # delivered at T0: the Maildir file's time is when the server received it
    os.utime(s.path(s.inbox.path) / "new" / "m1", (T0.timestamp(), T0.timestamp()))
    run_cycle(s, now=T0)
    (row,) = rows(reg)
    ticket = row["No. Aduan"]
    now = T0
    for cells in (
        {"Kewenangan": "Kewenangan Dinas"},
        {"Diteruskan ke Kepala Dinas": "Ya"},
        {},  # nobody acts: the head's step runs late -> reminder, escalation
        {"Disposisi": "Rapatkan hari ini"},
    ):
        if cells:
            staff_edit(reg, ticket, cells)
        now += timedelta(minutes=12)
        run_cycle(s, now=now)
    run_cycle(s, now=now + timedelta(minutes=1))
    hist = [h for h in rows(reg, HISTORY_TAB) if h["No. Aduan"] == ticket]
    text = "\n".join(h["Keterangan"] for h in hist)
    assert "Tanda terima dikirim ke pengadu" in text
    assert "Email tugas tahap 3 dikirim ke Kepala Dinas" in text
    assert "Message-ID" not in text and "<aduan." not in text
    assert not re.search(r"\b(tanda_terima|tugas|pengingat|eskalasi)\b\s+kepada", text)
    assert "@" not in text  # no addresses: the role says who
    assert "terlambat 0 menit" not in text
    stamps = [datetime.strptime(h["Waktu"], "%d/%m/%Y %H.%M") for h in hist]
    assert stamps == sorted(stamps), [h["Waktu"] + " " + h["Peristiwa"] for h in hist]
    # the bookkeeping key stays, hidden
    ws = openpyxl.load_workbook(reg)[HISTORY_TAB]
    heads = [c.value for c in ws[1]]
    letter = openpyxl.utils.get_column_letter(heads.index("Kunci") + 1)
    assert ws.column_dimensions[letter].hidden
    assert all(h["Kunci"] for h in hist)
