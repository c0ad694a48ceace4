"""Email composition: every kind rendered from the real templates, parsed back."""

from __future__ import annotations

import email
import io
import re
import shutil
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import default
from zoneinfo import ZoneInfo

import docx
import pytest

from aduan.core.idfmt import durasi
from aduan.core.model import Notification
from aduan.core.privacy import PLACEHOLDER as HIDDEN
from aduan.errors import MailError
from aduan.mail.compose import (
    TICKET_KINDS,
    check_templates,
    compose,
    format_date,
    format_when,
    message_id,
    thread_id,
)
from aduan.run.wiring import compose_cfg
from tests.conftest import REPO

WIB = ZoneInfo("Asia/Jakarta")
NOW = datetime(2026, 11, 23, 10, 30, tzinfo=WIB)  # a Monday
TICKET = "ADU/2026/11/0007"


# ------------------------------------------------------------ pure helpers
def test_message_id_is_deterministic_per_key():
    a = message_id("ADU/2026/11/0007|rapat|tugas|1", "bpbd.go.id")
    assert a == message_id("ADU/2026/11/0007|rapat|tugas|1", "bpbd.go.id")
    assert a != message_id("ADU/2026/11/0007|rapat|tugas|2", "bpbd.go.id")
    assert re.fullmatch(r"<aduan\.[0-9a-f]{24}@bpbd\.go\.id>", a)


def test_thread_id_is_per_ticket_and_not_a_message_id_of_a_key():
    t = thread_id(TICKET, "x.go.id")
    assert t == thread_id(TICKET, "x.go.id")
    assert t != thread_id("ADU/2026/11/0008", "x.go.id")
    assert t != message_id(TICKET, "x.go.id")


def test_format_when_indonesian_and_converted_to_office_zone():
    assert format_when(NOW, WIB, "WIB") == "Senin, 23 November 2026 pukul 10.30 WIB"
    utc = datetime(2026, 11, 24, 3, 30, tzinfo=UTC)  # 10.30 WIB
    assert format_when(utc, WIB, "WIB") == "Selasa, 24 November 2026 pukul 10.30 WIB"
    wita = ZoneInfo("Asia/Makassar")
    assert format_when(utc, wita, "WITA") == "Selasa, 24 November 2026 pukul 11.30 WITA"
    assert format_when(None) == "-"
    assert format_date(datetime(2024, 1, 10, 23, 0, tzinfo=UTC), WIB) == "11 Januari 2024"


@pytest.mark.parametrize(
    "minutes,text",
    [
        (0, "0 menit"),
        (5, "5 menit"),
        (60, "1 jam"),
        (65, "1 jam 5 menit"),
        (1500, "3 hari kerja 1 jam"),
        (2880, "6 hari kerja"),
    ],
)
def test_format_duration(minutes, text):
    assert durasi(minutes) == text


def test_email_durations_count_the_offices_working_day(make_settings):
    """1,500 working minutes late: the office opens 07.30-16.00 (8.5 h a day)."""
    settings = make_settings("bpbd")
    n = notification(settings, "eskalasi")
    n.context["late_minutes"] = 1500
    m = parse(compose(n, ["tim@bpbd.example.go.id"], compose_cfg(settings)))
    text, _html = bodies(m)
    assert "terlambat 2 hari kerja 8 jam" in m["Subject"]
    assert "terlambat 2 hari kerja 8 jam" in text
    assert "1500" not in text and "25 jam" not in text


# ------------------------------------------------------------ realistic contexts
def context(settings, step_id: str | None, **extra) -> dict:
    """What the engine puts into a notification, built from the real SOP."""
    sop = settings.load_sop()
    started = NOW - timedelta(minutes=75)
    step = None
    if step_id:
        s = sop.step(step_id)
        step = {
            "id": s.id,
            "number": s.number,
            "label": s.label,
            "role": sop.role_label(s.actor),
            "role_id": s.actor,
            "output": s.output,
            "requirements": s.requirements,
            "standard_minutes": s.standard_minutes,
            "allowance": s.allowance.describe(),
            "started": started,
            "deadline": started + timedelta(minutes=s.allowance.minutes),
        }
    keys = {
        "disposisi",
        "rencana",
        "hasil",
        "keputusan",
        "laporan",
        "tanggapan",
        "instansi_tujuan",
        "kewenangan",
        "perlu_tindak_lanjut",
        "diteruskan",
    }
    ctx = {
        "ticket": TICKET,
        "received": NOW - timedelta(hours=2),
        "channel": "Email",
        "name": "Siti Aminah",
        "contact": "siti.aminah@surel.example",
        "subject": "Tanggul jebol di Dusun Tegalsari",
        "text": "Tanggul sungai jebol sejak semalam, air masuk ke 12 rumah warga.",
        "attachments": "foto-tanggul.jpg",
        "category": "Bencana",
        "fields": {"Kategori": "Bencana", "Disposisi": "Tim segera ke lokasi.", "Catatan": ""},
        "f": {k: "" for k in keys}
        | {
            "disposisi": "Tim segera ke lokasi.",
            "tanggapan": "Laporan sudah kami teruskan ke tim siaga.",
            "hasil": "Tanggul telah ditutup karung pasir.",
            "laporan": "Penanganan selesai pukul 14.00.",
            "instansi_tujuan": "Dinas PUPR Kabupaten Karanganyar",
        },
        "confidential": False,
        # issue 16: the answer column (not the internal result), what the complainant hears
        "answer": "Tanggul di Dusun Tegalsari sudah kami tutup dengan karung pasir.",
        "promises": ['kabar perkembangan: "Aduan Anda sedang ditindaklanjuti oleh tim."'],
        "progress_text": "Aduan Anda sedang ditindaklanjuti oleh tim.",
        "sop_name": sop.name,
        "sop_number": sop.number,
        "step": step,
        "steps_ahead": [
            {
                "number": s.number,
                "label": s.label,
                "role": sop.role_label(s.role),
                "allowance": s.allowance.describe(),
            }
            for s in sop.steps
        ],
        "outcome": None,
        "rung": 0,
        "late_minutes": 0,
        "reply": {"from": "", "subject": "", "text": "", "date": None},
        "now": NOW,
        "source_message_id": "<CAF=abc123@mail.surel.example>",
    }
    ctx.update(extra)
    return ctx


def parse(msg: EmailMessage) -> EmailMessage:
    return email.message_from_bytes(msg.as_bytes(), policy=default)  # type: ignore[return-value]


def bodies(m: EmailMessage) -> tuple[str, str]:
    return m.get_body(("plain",)).get_content(), m.get_body(("html",)).get_content()


def everything(m: EmailMessage) -> str:
    """Every header and every decoded part, attachments unzipped: what a reader could see."""
    out = [f"{k}: {v}" for k, v in m.items()]
    for part in m.walk():
        out += [f"{k}: {v}" for k, v in part.items()]
        if part.is_multipart():
            continue
        payload = part.get_payload(decode=True) or b""
        if part.get_filename():
            out.append(part.get_filename())
        if (part.get_filename() or "").endswith(".docx"):
            doc = docx.Document(io.BytesIO(payload))  # read as Word shows it
            out += [p.text for p in doc.paragraphs]
            out += [c.text for t in doc.tables for row in t.rows for c in row.cells]
        else:
            out.append(payload.decode("utf-8", "replace"))
    return "\n".join(out)


STAFF_STEP = {  # office -> kind -> the step a staff notification of that kind is about
    "bpbd-karanganyar": {
        "tugas": "rapat",
        "pengingat": "rapat",
        "eskalasi": "rapat",
        "laporan": "lapor",
        "balasan_pengadu": "tindak_lanjut",
        "pantulan": "telaah",
    },
    "dinsos-blitar": {
        "tugas": "pembahasan",
        "pengingat": "pembahasan",
        "eskalasi": "pembahasan",
        "laporan": "sampaikan_hasil",
        "balasan_pengadu": "pembahasan",
        "pantulan": "terima",
    },
}
EXPECT = {  # a value each kind's body must carry
    "tanda_terima": "Terima kasih atas laporan Anda",
    "tugas": "Batas waktu: Senin, 23 November 2026 pukul 09.25 WIB",
    "pengingat": "terlambat 1 jam 5 menit",
    "eskalasi": "terlambat 1 jam 5 menit",
    "jawaban_langsung": "Laporan sudah kami teruskan ke tim siaga.",
    "hasil": "Tanggul di Dusun Tegalsari sudah kami tutup dengan karung pasir.",
    "perkembangan": "Aduan Anda sedang ditindaklanjuti oleh tim.",
    "penyaluran": "Dinas PUPR Kabupaten Karanganyar",
    "laporan": "Penanganan selesai pukul 14.00.",
    "balasan_pengadu": "Airnya sekarang sudah setinggi lutut.",
    "pantulan": "550 5.1.1 mailbox unavailable",
    "konfirmasi": "DISPOSISI: Tim segera ke tanggul",
    "ditolak": "token balasan tidak cocok",
    # -- issue 20
    "minta_kelengkapan": "fotokopi KTP dan foto lokasi",
    "pengingat_kelengkapan": "fotokopi KTP dan foto lokasi",
    "tidak_dilengkapi": "fotokopi KTP dan foto lokasi",
    "batas_layanan": "selesai dalam 14 hari kerja",
    "penilaian_rendah": "Pelayanannya lambat sekali.",
    # -- issue 16: the relay task carries the complainant's ready text
    "kabar": "Terima kasih atas laporan Anda",
    # issue 16: forwarding to the agency (its address), or by the petugas's hand
    "salur_instansi": "Tanggul sungai jebol sejak semalam",
    "salur_manual": "Penyaluran Dikirim",
    # issue 19: the status back to the origin office, the agency's answer passed on
    "status_penyaluran": "telah kami terima dan catat",
    "hasil_instansi": "Karena identitas Anda dirahasiakan",
}
SERVICE = {  # issue 20: what the engine puts into the service-standard contexts
    "service": {
        "kind": "Sengketa/pelanggaran tanpa pemeriksaan lapangan",
        "days": 14,
        "first_days": 3,
        "due": NOW + timedelta(days=18),
        "first_due": NOW + timedelta(days=3),
        "waiting": True,
        "missing": "fotokopi KTP dan foto lokasi",
    },
    "waiting_text": "Kami memerlukan kelengkapan berikut:",
    "rating": {"value": 2, "label": "kurang baik", "comment": "Pelayanannya lambat sekali."},
    "service_rung": 2,
}
DECISION = {  # what the engine puts into konfirmasi/ditolak contexts
    "decision": {
        "from": "kalak@bpbd.example.go.id",
        "subject": "Re: tugas",
        "date": NOW,
        "text": "DISPOSISI: Tim segera ke tanggul",
        "command": "DISPOSISI",
        "values": {"Disposisi": "DISPOSISI: Tim segera ke tanggul"},
    },
    "refusal": "token balasan tidak cocok",
}


def notification(settings, kind: str, **extra) -> Notification:
    step = STAFF_STEP[settings.office.id].get(kind)
    ctx = context(
        settings,
        step,
        late_minutes=65,
        rung=2,
        reply={
            "from": "siti.aminah@surel.example",
            "subject": "Re: aduan",
            "text": (
                "Airnya sekarang sudah setinggi lutut."
                if kind != "pantulan"
                else "550 5.1.1 mailbox unavailable"
            ),
            "date": NOW,
        },
        **extra,
    )
    if kind in ("konfirmasi", "ditolak"):
        ctx.update(DECISION)
    ctx.update(SERVICE)  # issue 20
    return Notification(
        key=f"{TICKET}|{step}|{kind}|1",
        kind=kind,
        ticket=TICKET,
        step_id=step,
        to_roles=() if kind in ("tanda_terima", "hasil") else ("tim",),
        to_complainant=kind in ("tanda_terima", "jawaban_langsung", "hasil", "penyaluran"),
        context=ctx,
    )


@pytest.mark.parametrize("kind", TICKET_KINDS)
def test_every_kind_composes_with_headers_threading_and_both_parts(make_settings, kind):
    settings = make_settings("bpbd")
    n = notification(settings, kind)
    m = parse(compose(n, ["tim@bpbd.example.go.id"], compose_cfg(settings)))

    assert m["From"] == "Layanan Aduan <aduan@bpbd.example.go.id>"
    assert m["To"] == "tim@bpbd.example.go.id"
    # CPython folds a long ASCII subject onto a continuation line ("Subject:\n [ADU/..."):
    # legal, and clients unfold it, but the parser keeps the leading space
    assert m["Subject"].lstrip().startswith(f"[{TICKET}] ")
    assert "\n" not in m["Subject"]
    assert m["Date"].datetime == NOW
    assert m["Message-ID"] == message_id(n.key, "bpbd.example.go.id")
    assert m["Auto-Submitted"] == "auto-generated"
    assert m["X-Aduan-Ticket"] == TICKET
    root = thread_id(TICKET, "bpbd.example.go.id")
    assert root in m["References"].split()
    assert m.get_content_type() == "multipart/alternative"
    text, html = bodies(m)
    assert EXPECT[kind] in text
    assert EXPECT[kind] in html
    assert "<html" in html and "<html" not in text


def test_same_key_same_message_id_even_composed_at_another_time(make_settings):
    settings = make_settings("bpbd")
    n1 = notification(settings, "tugas")
    n2 = notification(settings, "tugas", now=NOW + timedelta(hours=3))
    assert (
        compose(n1, ["a@x.go.id"], compose_cfg(settings))["Message-ID"]
        == compose(n2, ["a@x.go.id"], compose_cfg(settings))["Message-ID"]
    )


def test_acknowledgement_promises_only_what_the_sop_sends_and_threads(make_settings):
    settings = make_settings("blitar")
    n = notification(settings, "tanda_terima")
    m = parse(compose(n, ["siti.aminah@surel.example"], compose_cfg(settings)))
    assert m["In-Reply-To"] == "<CAF=abc123@mail.surel.example>"
    assert m["References"].split() == [
        "<CAF=abc123@mail.surel.example>",
        thread_id(TICKET, "blitar.example.go.id"),
    ]
    text, html = bodies(m)
    assert "Yth. Bapak/Ibu Siti Aminah" in text
    # issue 16: no internal step minutes, no "every development"; only the promises
    assert "waktu standar" not in text and "menit" not in text and "menit" not in html
    assert "setiap ada perkembangan" not in text + html
    assert 'kabar perkembangan: "Aduan Anda sedang ditindaklanjuti oleh tim."' in text
    assert "<li>kabar perkembangan" in html
    assert f"[{TICKET}] pada subjek" in text


def test_result_carries_the_answer_column_and_how_to_escalate(make_settings):
    settings = make_settings("blitar")
    n = notification(settings, "hasil")
    text, html = bodies(parse(compose(n, ["siti.aminah@surel.example"], compose_cfg(settings))))
    assert "sudah kami tutup dengan karung pasir" in text
    assert "Tanggul telah ditutup karung pasir." not in text  # the team's own column
    assert "SP4N-LAPOR! di https://www.lapor.go.id" in text
    assert 'href="https://www.lapor.go.id"' in html


@pytest.mark.parametrize("bogus", ["", "no-brackets@x", "<a b@x>", "<x@y>\r\nBcc: e@vil.example"])
def test_bogus_source_message_id_is_not_used(make_settings, bogus):
    settings = make_settings("bpbd")
    n = notification(settings, "tanda_terima", source_message_id=bogus)
    m = parse(compose(n, ["siti.aminah@surel.example"], compose_cfg(settings)))
    assert m["References"] == thread_id(TICKET, "bpbd.example.go.id")
    assert m["Bcc"] is None


def test_task_email_says_what_by_when_which_column_with_sheet_link_and_document(
    make_settings, tmp_path
):
    settings = make_settings("bpbd", sheet_url="https://docs.google.com/spreadsheets/d/abc")
    doc = tmp_path / "lembar disposisi ADU-0007 (1).docx"
    d = docx.Document()
    d.add_paragraph("LEMBAR DISPOSISI")
    d.save(doc)
    n = notification(settings, "tugas")
    m = parse(compose(n, ["tim@bpbd.example.go.id"], compose_cfg(settings), attachments=[doc]))
    assert m.get_content_type() == "multipart/mixed"
    text, html = bodies(m)
    first = text.split("\n\n")[1]  # right below the salutation
    assert first.startswith("TUGAS ANDA: Tim melakukan rapat")
    assert "Hasil yang diharapkan: Rencana tindaklanjut." in first
    assert "Batas waktu: Senin, 23 November 2026 pukul 09.25 WIB" in text
    assert (
        'isi kolom pada baris aduan ADU/2026/11/0007 di register: "Rencana Tindak Lanjut".' in text
    )
    assert "https://docs.google.com/spreadsheets/d/abc" in text
    assert 'href="https://docs.google.com/spreadsheets/d/abc"' in html
    assert "Nama pengadu : Siti Aminah" in text  # show_identity defaults to True
    atts = list(m.iter_attachments())
    assert [a.get_filename() for a in atts] == ["lembar_disposisi_ADU-0007_1_.docx"]
    assert atts[0].get_content_type().endswith("wordprocessingml.document")
    assert atts[0].get_payload(decode=True) == doc.read_bytes()
    assert "lembar_disposisi_ADU-0007_1_.docx" in text


def test_task_email_names_choices_of_the_column(make_settings):
    settings = make_settings("bpbd")
    n = notification(settings, "tugas")
    n.step_id = "telaah"
    text, _ = bodies(parse(compose(n, ["p@bpbd.example.go.id"], compose_cfg(settings))))
    col = next(c for c in settings.load_sop().columns if c.name == "Perlu Tindak Lanjut")
    assert len(col.choices) >= 2
    assert (
        f'kolom yang sesuai pada baris aduan {TICKET} di register: "Perlu Tindak Lanjut" '
        f'(pilihan: {" / ".join(col.choices)}), "Tanggapan"' in text
    )
    assert "Buka register" not in text  # no sheet_url configured


def test_complainant_subject_cannot_inject_headers(make_settings):
    settings = make_settings("bpbd")
    n = notification(settings, "tugas", subject="Banjir\r\nBcc: x@evil.example\r\n\r\nhalo")
    raw = compose(n, ["tim@bpbd.example.go.id"], compose_cfg(settings)).as_bytes()
    m = email.message_from_bytes(raw, policy=default)
    assert m["Bcc"] is None
    assert "Banjir Bcc: x@evil.example halo" in m["Subject"]
    head = raw.split(b"\n\n", 1)[0]
    assert not re.search(rb"^Bcc:", head, re.MULTILINE)


def test_unusable_recipient_addresses_are_dropped(make_settings):
    settings = make_settings("bpbd")
    n = notification(settings, "tanda_terima")
    m = compose(
        n, ["warga@surel.example\r\nBcc: x@evil.example", "ok@surel.example"], compose_cfg(settings)
    )
    assert m["To"] == "ok@surel.example"
    with pytest.raises(MailError) as e:
        compose(n, ["bukan alamat"], compose_cfg(settings))
    assert e.value.permanent


def test_html_escapes_what_the_complainant_wrote(make_settings):
    settings = make_settings("bpbd")
    n = notification(settings, "tugas", text="<script>alert(1)</script> & <b>tebal</b>")
    text, html = bodies(parse(compose(n, ["tim@bpbd.example.go.id"], compose_cfg(settings))))
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<script>alert(1)</script>" in text


def test_reply_to_when_configured(make_settings):
    settings = make_settings(
        "bpbd",
        mail_identity={
            "from_address": "aduan@bpbd.example.go.id",
            "from_name": "Layanan Aduan BPBD",
            "reply_to": "pengaduan@bpbd.example.go.id",
        },
    )
    m = parse(compose(notification(settings, "hasil"), ["w@surel.example"], compose_cfg(settings)))
    assert m["Reply-To"] == "pengaduan@bpbd.example.go.id"


# ------------------------------------------------------------ confidentiality
SECRETS = [
    "Siti Aminah",
    "Siti",
    "Aminah",
    "siti.aminah@surel.example",
    "081234567890",
    "3313024505870001",
    "siti.aminah",
]


def _digits(text: str) -> str:
    return re.sub(r"(?<=\d)[\s.-](?=\d)", "", text)


@pytest.mark.parametrize(
    "kind", ["tugas", "pengingat", "eskalasi", "laporan", "balasan_pengadu", "pantulan"]
)
def test_hidden_identity_appears_nowhere_in_the_message(make_settings, tmp_path, kind):
    settings = make_settings("blitar")
    identifying = tmp_path / "formulir_aduan.docx"
    d = docx.Document()
    p = d.add_paragraph("Nama: ")
    p.add_run("Siti ")
    p.add_run("Aminah")  # split over runs, as Word does
    d.save(identifying)
    in_table = tmp_path / "berita_acara.docx"
    d = docx.Document()
    d.add_paragraph("Pengadu")
    d.add_table(rows=1, cols=2).rows[0].cells[1].text = "Siti"  # only a paragraph end before it
    d.save(in_table)
    neutral = tmp_path / "lembar_disposisi.docx"
    d = docx.Document()
    d.add_paragraph("Disposisi: segera rapat tim.")
    d.save(neutral)
    n = notification(
        settings,
        kind,
        subject="Bantuan untuk Siti Aminah belum cair",
        text=(
            "Saya Siti, NIK 3313024505870001, HP 0812-3456-7890, email "
            "siti.aminah@surel.example. Mohon dibantu. Salam, AMINAH"
        ),
        fields={"Kategori": "Bantuan Sosial", "Disposisi": "Hubungi ibu Siti Aminah."},
    )
    msg = compose(
        n,
        ["tim@dinsos.example.go.id"],
        compose_cfg(settings),
        attachments=[identifying, in_table, neutral],
        show_identity=False,
    )
    seen = everything(parse(msg)).casefold()
    for s in SECRETS:  # whole words: "disposisi" legitimately contains "siti"
        word = re.compile(rf"(?<!\w){re.escape(s.casefold())}(?!\w)")
        assert not word.search(seen), s
        assert not word.search(_digits(seen)), s
    assert HIDDEN in seen
    names = [a.get_filename() for a in parse(msg).iter_attachments()]
    assert names == ["lembar_disposisi.docx"]
    text, _ = bodies(parse(msg))
    if kind in ("tugas", "pengingat", "eskalasi", "laporan", "pantulan"):
        assert "Nama pengadu : (dirahasiakan)" in text
    if kind != "balasan_pengadu":
        assert "Mohon dibantu." in text  # the complaint itself still reaches the team


def test_officer_sees_identity(make_settings):
    settings = make_settings("blitar")
    n = notification(settings, "tugas", text="HP saya 0812-3456-7890")
    text, _ = bodies(
        parse(
            compose(n, ["petugas@dinsos.example.go.id"], compose_cfg(settings), show_identity=True)
        )
    )
    assert "Siti Aminah" in text and "siti.aminah@surel.example" in text
    assert "0812-3456-7890" in text


def test_dates_in_text_survive_identity_hiding(make_settings):
    settings = make_settings("blitar")
    n = notification(settings, "tugas", text="Kejadian tanggal 01-02-2026 pukul 10.30, RT 003/005.")
    text, _ = bodies(
        parse(compose(n, ["t@dinsos.example.go.id"], compose_cfg(settings), show_identity=False))
    )
    assert "Kejadian tanggal 01-02-2026 pukul 10.30, RT 003/005." in text


# ------------------------------------------------------------ broken templates
@pytest.fixture
def own_templates(tmp_path):
    t = tmp_path / "tpl"
    shutil.copytree(REPO / "templates", t)
    return t


def test_real_templates_check_clean_for_both_offices(make_settings):
    assert check_templates(compose_cfg(make_settings("bpbd"))) == []
    assert check_templates(compose_cfg(make_settings("blitar"))) == []


def test_broken_template_raises_permanent_mail_error_naming_it(make_settings, own_templates):
    (own_templates / "email/pengingat-body.html").write_text("<p>{{ ticket }</p>")
    (own_templates / "email/hasil-body.txt").write_text("{{ tidak_ada_variabel }}")
    (own_templates / "email/laporan-subject.txt").unlink()
    settings = make_settings("bpbd", templates=str(own_templates))
    with pytest.raises(MailError) as e:
        compose(notification(settings, "pengingat"), ["a@x.go.id"], compose_cfg(settings))
    assert e.value.permanent and "pengingat-body.html" in str(e.value) and "line 1" in str(e.value)
    problems = check_templates(compose_cfg(settings))
    assert len(problems) == 3
    assert any("pengingat-body.html" in p for p in problems)
    assert any("hasil-body.txt" in p and "tidak_ada_variabel" in p for p in problems)
    assert any("laporan-subject.txt" in p and "not found" in p for p in problems)
    # the other kinds still compose
    compose(notification(settings, "tugas"), ["a@x.go.id"], compose_cfg(settings))


def test_files_that_cannot_be_cleared_are_withheld_only_when_hiding(make_settings, tmp_path):
    settings = make_settings("blitar")
    photo = tmp_path / "ktp.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    doc = tmp_path / "lembar_disposisi.docx"
    d = docx.Document()
    d.add_paragraph("Disposition: posisi situasi")  # 'siti' inside words is not the name
    d.save(doc)
    n = notification(settings, "tugas")
    hidden = parse(
        compose(
            n,
            ["t@dinsos.example.go.id"],
            compose_cfg(settings),
            attachments=[photo, doc],
            show_identity=False,
        )
    )
    assert [a.get_filename() for a in hidden.iter_attachments()] == ["lembar_disposisi.docx"]
    assert "ktp.jpg (tidak dilampirkan: memuat identitas pengadu)" in bodies(hidden)[0]
    shown = parse(
        compose(n, ["p@dinsos.example.go.id"], compose_cfg(settings), attachments=[photo, doc])
    )
    assert [a.get_filename() for a in shown.iter_attachments()] == [
        "ktp.jpg",
        "lembar_disposisi.docx",
    ]
    assert next(shown.iter_attachments()).get_content_type() == "image/jpeg"


@pytest.mark.parametrize("kind", TICKET_KINDS)
def test_every_kind_composes_without_step_or_reply(make_settings, kind):
    # the engine passes step=None for complainant mails and reply=None unless replying
    settings = make_settings("blitar")
    ctx = context(settings, None, reply=None, documents=["formulir_aduan.docx"])
    n = Notification(
        key=f"{TICKET}|-|{kind}|1",
        kind=kind,
        ticket=TICKET,
        step_id=None,
        to_roles=("petugas",),
        context=ctx,
    )
    text, html = bodies(parse(compose(n, ["p@dinsos.example.go.id"], compose_cfg(settings))))
    assert TICKET in text and TICKET in html


def test_missing_attachment_is_a_transient_mail_error(make_settings, tmp_path):
    settings = make_settings("bpbd")
    n = notification(settings, "tugas")
    for show in (True, False):
        with pytest.raises(MailError) as e:
            compose(
                n,
                ["t@bpbd.example.go.id"],
                compose_cfg(settings),
                attachments=[tmp_path / "belum.docx"],
                show_identity=show,
            )
        assert not e.value.permanent and "belum.docx" in str(e.value)
