"""The signed hand-off across a real mail system (issue 19: "works across hosts, since it
is only email"): two offices, each polling its own Dovecot mailbox over IMAP and sending
through Postfix (which delivers over LMTP). Office A (Dinsos Kota Blitar) forwards a
complaint to office B (BPBD); B registers it from its own inbox, answers the citizen's
mailbox itself, and its status, through Postfix again, lands in A's register."""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from typing import TYPE_CHECKING

import openpyxl

from aduan.core.layout import HISTORY_TAB, REGISTER_TAB, C, build_layout
from aduan.run.cycle import run_cycle
from aduan.run.wiring import open_register

from .test_mta_e2e import PASSWORD_ENV, START, aduan_mail

if TYPE_CHECKING:
    from tests.fixtures_mta import Mta

pytest_plugins = ["tests.fixtures_mta"]

KEY_ENV = "ADUAN_TEST_PEMDA_KEY"


def _office(mta: Mta, make_settings, name: str, roles: tuple[str, ...], **kw):
    inbox = mta.add_user("kantor.test")
    s = make_settings(
        name,
        inbox={
            "type": "imap",
            "host": mta.imap_host,
            "port": mta.imap_port,
            "security": "plain",
            "user": inbox,
            "password_env": PASSWORD_ENV,
            "timeout_s": 10,
        },
        mail={
            "type": "smtp",
            "host": mta.smtp_host,
            "port": mta.smtp_port,
            "security": "plain",
        },
        mail_identity={"from_address": inbox, "from_name": "Layanan Aduan"},
        roles={r: [mta.add_user("kantor.test")] for r in roles},
        handoff={"key_env": KEY_ENV},
        **kw,
    )
    reg = open_register(s, build_layout(s.load_sop(), s.categories))
    reg.init()
    reg.close()
    return s


def _rows(s) -> list[dict[str, str]]:
    reg = open_register(s, build_layout(s.load_sop(), s.categories))
    try:
        return [r.values for r in reg.read().rows]
    finally:
        reg.close()


def _edit(s, ticket: str, cells: dict[str, str]) -> None:
    path = s.path(s.register_.path)
    wb = openpyxl.load_workbook(path)
    ws = wb[REGISTER_TAB]
    cols = {c.value: c.column for c in ws[1]}
    for row in ws.iter_rows(min_row=2):
        if row[cols[C.TICKET] - 1].value == ticket:
            for k, v in cells.items():
                ws.cell(row=row[0].row, column=cols[k], value=v)
    wb.save(path)


def test_a_hand_off_and_its_status_travel_through_postfix_and_dovecot(
    mta, make_settings, monkeypatch
):
    monkeypatch.setenv(PASSWORD_ENV, mta.password)
    monkeypatch.setenv(KEY_ENV, "kunci-pemda-uji-mta-0123456789abcdef")
    b = _office(mta, make_settings, "bpbd", ("petugas", "tim", "pimpinan"))
    agency = {
        "name": "BPBD Kabupaten Karanganyar",
        "aliases": ["BPBD"],
        "email": b.mail_identity.from_address,
        "office_id": b.office.id,
    }
    a = _office(
        mta, make_settings, "blitar", ("petugas", "tim", "sekretaris", "kepala"), agencies=[agency]
    )
    citizen = mta.add_user()
    msg = EmailMessage()
    msg["From"] = f"Sri Wahyuni <{citizen}>"
    msg["To"] = a.mail_identity.from_address
    msg["Subject"] = "Tanggul retak di belakang rumah"
    msg["Message-ID"] = "<tanggul.1@example.test>"
    msg["Date"] = format_datetime(START)
    msg.set_content("Tanggul sungai di belakang rumah kami retak, air mulai merembes.")
    mta.send(citizen, a.mail_identity.from_address, msg.as_bytes())
    mta.wait_for(a.mail_identity.from_address, lambda ms: len(ms) == 1)

    now = START + timedelta(minutes=2)
    assert run_cycle(a, now=now).counts["registered_mail"] == 1
    a_ticket = _rows(a)[0][C.TICKET]
    _edit(a, a_ticket, {"Kewenangan": "Bukan Kewenangan", "Instansi Tujuan": "BPBD"})
    run_cycle(a, now=now + timedelta(minutes=3))
    mta.wait_settled()
    assert aduan_mail(mta, b.mail_identity.from_address)["salur_instansi"] == 1

    rep = run_cycle(b, now=now + timedelta(minutes=5))
    assert rep.counts["handoffs_registered"] == 1, rep.log
    (row,) = _rows(b)
    assert row[C.CHANNEL] == "Penyaluran dari Dinsos Kota Blitar"
    assert row[C.CONTACT] == citizen
    mta.wait_settled()
    # the citizen's own mailbox: A's acknowledgement and notice, then B's acknowledgement
    got = aduan_mail(mta, citizen)
    assert got["tanda_terima"] == 2 and got["penyaluran"] == 1, got
    assert aduan_mail(mta, a.mail_identity.from_address)["status_penyaluran"] == 1

    run_cycle(a, now=now + timedelta(minutes=7))
    tahap = next(r for r in _rows(a) if r[C.TICKET] == a_ticket)[C.STEP]
    assert f"Di BPBD Kabupaten Karanganyar: {row[C.TICKET]} — dicatat" in tahap, tahap
    wb = openpyxl.load_workbook(a.path(a.register_.path))
    events = [r[2] for r in wb[HISTORY_TAB].iter_rows(values_only=True) if r[1] == a_ticket]
    assert "Dicatat di BPBD Kabupaten Karanganyar" in events, events
