"""Forwarding that really happens (issue 16 part 3), end to end through Maildir ->
register -> SMTP: a complaint outside the office's authority goes to the agency's
address with the formulir penyaluran, threaded so the agency's answer lands in Riwayat;
with no address the petugas forwards it by hand and the complainant is told only once
the petugas confirms (*Penyaluran Dikirim* = Ya)."""

from __future__ import annotations

from aduan.core.ids import thread_id

from .test_notifications_e2e import PENGADU, Office, at, kinds

DUKCAPIL = {
    "name": "Dinas Kependudukan dan Pencatatan Sipil Kota Blitar",
    "aliases": ["Dukcapil", "Dispendukcapil Kota Blitar"],
    "email": "dukcapil@blitarkota.example.go.id",
    "phone": "(0342) 801384",
}


def _forwarded(o: Office, agency_typed: str):
    t = at("2026-11-25 09:00")
    o.complaint(t, "KTP elektronik saya belum jadi sejak Agustus.")
    o.run(t.replace(minute=1))
    ticket = o.ticket()
    o.sent()
    o.edit(ticket, Kewenangan="Bukan Kewenangan", Instansi_Tujuan=agency_typed)
    o.run(t.replace(minute=5))
    return ticket, o.sent()


def test_agency_with_an_address_gets_the_complaint_and_its_answer_lands_in_riwayat(
    make_settings, smtp_server
):
    o = Office(make_settings, smtp_server, "blitar", agencies=[DUKCAPIL])
    ticket, sent = _forwarded(o, "dukcapil")  # typed as staff say it: an alias
    assert sorted(kinds(sent)) == [
        ("penyaluran", (PENGADU,)),
        ("salur_instansi", (DUKCAPIL["email"],)),
    ]
    by = {s.kind: s for s in sent}
    agency = by["salur_instansi"]
    assert "KTP elektronik saya belum jadi" in agency.text()
    assert any("formulir_penyaluran" in a for a in agency.attachment_names())
    root = thread_id(ticket, o.domain, o.register_id())
    assert root in str(agency.message["References"])
    told = by["penyaluran"].text()
    assert DUKCAPIL["name"] in told and DUKCAPIL["email"] in told and DUKCAPIL["phone"] in told
    assert o.rows()[-1]["Status"] == "Disalurkan"

    # the agency answers by replying: threaded, it is recorded on the ticket
    o.n += 1
    raw = (
        f"From: Dukcapil <{DUKCAPIL['email']}>\r\nTo: {o.s.mail_identity.from_address}\r\n"
        f"Subject: Re: {agency.subject}\r\nMessage-ID: <jawab.1@blitarkota.example.go.id>\r\n"
        f"In-Reply-To: {agency.message['Message-ID']}\r\n"
        f"References: {agency.message['References']} {agency.message['Message-ID']}\r\n"
        "Date: Thu, 26 Nov 2026 10:00:00 +0700\r\n\r\n"
        "KTP-el atas nama pengadu sudah dicetak dan dapat diambil di kantor kecamatan.\r\n"
    ).encode()
    (o.root / "maildir" / "new" / "jawab").write_bytes(raw)
    o.run(at("2026-11-26 10:05"))
    hist = [h for h in o.history() if h["No. Aduan"] == ticket]
    assert any("sudah dicetak" in h["Keterangan"] for h in hist), hist


def test_agency_without_an_address_is_a_task_and_the_complainant_waits_for_the_petugas(
    make_settings, smtp_server
):
    o = Office(make_settings, smtp_server, "blitar", agencies=[{**DUKCAPIL, "email": ""}])
    ticket, sent = _forwarded(o, "Dinas Kependudukan dan Pencatatan Sipil Kota Blitar")
    assert kinds(sent) == [("salur_manual", ("petugas",))]  # nothing said to the complainant
    assert "Penyaluran Dikirim" in sent[0].text()
    o.run(at("2026-11-25 11:00"))
    assert o.sent() == []  # still not confirmed: still nothing "telah kami salurkan"
    o.edit(ticket, Penyaluran_Dikirim="Ya")
    o.run(at("2026-11-25 11:05"))
    told = o.sent()
    assert kinds(told) == [("penyaluran", (PENGADU,))]
    assert "telah kami salurkan" in told[0].text()
    assert any(h["Peristiwa"] == "Penyaluran dikirim petugas" for h in o.history())
    o.run(at("2026-11-26 09:00"))
    assert o.sent() == []
