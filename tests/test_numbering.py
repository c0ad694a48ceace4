"""Agenda and document numbers run per year per document kind and never repeat
(issue 22): real cycles Maildir -> xlsx -> .docx across a month and a year boundary,
the numbers read back from the rendered Word documents."""

from __future__ import annotations

import os
import shutil
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from docx import Document

from aduan.core.layout import C
from aduan.core.state import RowState
from aduan.run.cycle import run_cycle
from tests.test_cycle import deliver, rows, setup_office, staff_edit

WIB = ZoneInfo("Asia/Jakarta")


def mail(n: int, when: datetime) -> bytes:
    return (
        f"From: Warga {n} <warga{n}@contoh.id>\r\nTo: aduan@example.go.id\r\n"
        f"Subject: Bantuan sosial belum cair {n}\r\nMessage-ID: <num{n}@contoh.id>\r\n"
        f"Date: {when.strftime('%a, %d %b %Y %H:%M:%S +0700')}\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\nMohon dibantu.\r\n"
    ).encode()


def docx_text(path: Path) -> str:
    d = Document(str(path))
    parts = [p.text for p in d.paragraphs]
    for t in d.tables:
        for r in t.rows:
            parts.extend(c.text for c in r.cells)
    return "\n".join(parts)


def receive_and_accept(s, n: int, when: datetime) -> tuple[str, Path]:
    """One complaint by email at ``when``, accepted by the petugas three minutes on:
    the Blitar SOP writes its formulir aduan. Its ticket and the document."""
    reg = s.path(s.register_.path)
    deliver(s, f"m{n}", mail(n, when))
    # the server delivered it at ``when``: the Maildir file's time is the receipt time
    new = s.path(s.inbox.path) / "new" / f"m{n}"
    os.utime(new, (when.timestamp(), when.timestamp()))
    run_cycle(s, now=when)
    ticket = next(r[C.TICKET] for r in rows(reg) if r[C.SUBJECT].endswith(f" {n}"))
    staff_edit(reg, ticket, {"Kewenangan": "Kewenangan Dinas"})
    rep = run_cycle(s, now=when + timedelta(minutes=3))
    assert rep.problems == []
    folder = s.path(s.paths.documents)
    (doc,) = [
        p for p in folder.rglob("01-formulir_aduan.docx") if ticket.replace("/", "-") in str(p)
    ]
    return ticket, doc


def test_document_numbers_continue_across_months_and_restart_in_january(make_settings):
    s = make_settings("blitar", document_number_format="{seq:03d}/{doc}/DINSOS/{year}")
    s = setup_office(lambda _n: s, "blitar")
    got = []
    for n, when in enumerate(
        [
            datetime(2026, 11, 30, 9, 0, tzinfo=WIB),  # Monday, end of November
            datetime(2026, 12, 1, 9, 0, tzinfo=WIB),  # December: the ticket restarts
            datetime(2026, 12, 1, 10, 0, tzinfo=WIB),
            datetime(2027, 1, 4, 9, 0, tzinfo=WIB),  # January: the buku agenda restarts
        ],
        start=1,
    ):
        ticket, doc = receive_and_accept(s, n, when)
        got.append((ticket, doc_number(doc), agenda_number(doc)))
    assert [t for t, _, _ in got] == [
        "ADU/2026/11/0001",
        "ADU/2026/12/0001",  # the ticket sequence is monthly...
        "ADU/2026/12/0002",
        "ADU/2027/01/0001",
    ]
    # ...the document's is not: December's first formulir is 002, not 001 again
    assert [nomor for _, nomor, _ in got] == [
        "001/FA/DINSOS/2026",
        "002/FA/DINSOS/2026",
        "003/FA/DINSOS/2026",
        "001/FA/DINSOS/2027",
    ]
    assert [a for _, _, a in got] == ["0001/2026", "0002/2026", "0003/2026", "0001/2027"]
    # the number lives in the row's state: it is given once
    reg = s.path(s.register_.path)
    st = RowState.loads(next(r for r in rows(reg) if r[C.TICKET] == got[1][0])[C.STATE])
    assert st.nums == {"agenda": "0002/2026", "formulir_aduan": "002/FA/DINSOS/2026"}


def test_each_document_kind_has_its_own_counter(make_settings):
    s = setup_office(make_settings, "blitar")
    reg = s.path(s.register_.path)
    t0 = datetime(2026, 11, 2, 9, 0, tzinfo=WIB)
    ticket, fa = receive_and_accept(s, 1, t0)
    staff_edit(reg, ticket, {"Diteruskan ke Kepala Dinas": "Ya", "Disposisi": "Rapatkan"})
    run_cycle(s, now=t0 + timedelta(minutes=6))
    (ld,) = s.path(s.paths.documents).rglob("03-lembar_disposisi.docx")
    assert doc_number(fa) == "001/FA/DINSOS-BLITAR/2026"
    assert doc_number(ld) == "001/LD/DINSOS-BLITAR/2026"
    # the lembar disposisi carries the complaint's agenda number, the one the formulir got
    assert agenda_number(ld) == agenda_number(fa) == "0001/2026"


def test_a_run_killed_before_the_register_write_hands_out_the_same_number(make_settings):
    """Documents are written before the register; a kill in between leaves the old
    register (counter and row), and the next run must give the same number again —
    not skip one, not give one twice."""
    s = setup_office(make_settings, "blitar")
    reg = s.path(s.register_.path)
    t0 = datetime(2026, 11, 2, 9, 0, tzinfo=WIB)
    ticket, _ = receive_and_accept(s, 1, t0)
    deliver(s, "m2", mail(2, t0))
    os.utime(s.path(s.inbox.path) / "new" / "m2", (t0.timestamp(), t0.timestamp()))
    run_cycle(s, now=t0 + timedelta(minutes=4))
    second = next(r[C.TICKET] for r in rows(reg) if r[C.TICKET] != ticket)
    staff_edit(reg, second, {"Kewenangan": "Kewenangan Dinas"})
    before = reg.with_suffix(".before")
    shutil.copy(reg, before)
    run_cycle(s, now=t0 + timedelta(minutes=5))
    (doc,) = [
        p for p in s.path(s.paths.documents).rglob("01-formulir_aduan.docx") if "0002" in str(p)
    ]
    assert doc_number(doc) == "002/FA/DINSOS-BLITAR/2026"
    shutil.copy(before, reg)  # the register write "never happened"
    run_cycle(s, now=t0 + timedelta(minutes=6))
    assert doc_number(doc) == "002/FA/DINSOS-BLITAR/2026"
    st = RowState.loads(next(r for r in rows(reg) if r[C.TICKET] == second)[C.STATE])
    assert st.nums["formulir_aduan"] == "002/FA/DINSOS-BLITAR/2026"
    # and the next complaint gets 003
    ticket3, doc3 = receive_and_accept(s, 3, t0 + timedelta(minutes=10))
    assert doc_number(doc3) == "003/FA/DINSOS-BLITAR/2026"


def test_a_number_format_without_year_is_refused(make_settings):
    from aduan.errors import ConfigError

    with pytest.raises(ConfigError, match="document_number_format"):
        make_settings("blitar", document_number_format="{seq:03d}/{doc}")


def doc_number(path: Path) -> str:
    return _after(docx_text(path), "Nomor: ")


def agenda_number(path: Path) -> str:
    return _after(docx_text(path), "Nomor agenda")


def _after(text: str, label: str) -> str:
    for i, line in enumerate(text.splitlines()):
        if line.casefold().startswith(label.casefold()):
            rest = line[len(label) :].strip(" :")
            return rest or text.splitlines()[i + 1].strip()
    raise AssertionError(f"{label!r} not in document:\n{text}")
