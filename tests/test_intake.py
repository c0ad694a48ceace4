"""Email parsing: literal messages for each rule, then every file of the real corpus."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aduan.config import Limits
from aduan.inbox.parse import html_to_text, parse_message, safe_filename, trim_quoted
from tests.conftest import require_corpus


def mail(body: bytes | str = "Jalan rusak.", **headers: str) -> bytes:
    """A raw message; keyword headers use _ for -, e.g. Content_Type=..."""
    h = {"From": "Budi <budi@warga.id>", "To": "aduan@bpbd.example.go.id", "Subject": "Aduan"}
    h.update({k.replace("_", "-"): v for k, v in headers.items()})
    head = "".join(f"{k}: {v}\r\n" for k, v in h.items() if v is not None).encode()
    data = body.encode() if isinstance(body, str) else body
    return head + b"\r\n" + data


def multipart(*parts: bytes, subtype: str = "mixed", **headers: str) -> bytes:
    b = "XYZ-boundary-123"
    body = b"".join(b"--" + b.encode() + b"\r\n" + p + b"\r\n" for p in parts)
    body += b"--" + b.encode() + b"--\r\n"
    return mail(body, Content_Type=f'multipart/{subtype}; boundary="{b}"', **headers)


def part(data: bytes | str, ctype: str = "text/plain", **headers: str) -> bytes:
    h = {"Content-Type": ctype}
    h.update({k.replace("_", "-"): v for k, v in headers.items()})
    raw = data.encode() if isinstance(data, str) else data
    return "".join(f"{k}: {v}\r\n" for k, v in h.items()).encode() + b"\r\n" + raw


# ---------------------------------------------------------------- headers
def test_basic_fields():
    m = parse_message(
        mail(
            "Ada pohon tumbang di Jl. Lawu.\r\n",
            From='"Budi Santoso" <Budi.Santoso@Warga.ID>',
            Subject="Pohon\r\n tumbang\x07 di jalan",
            Message_ID="  <abc@warga.id>  ",
            Date="Wed, 25 Nov 2026 09:15:00 +0700",
            In_Reply_To="<prev@aduan.example>",
            References="<a@x> <b@y>\r\n <c@z>",
        ),
        key="k1",
    )
    assert m.source_key == "k1"
    assert m.from_addr == "budi.santoso@warga.id"
    assert m.from_name == "Budi Santoso"
    assert m.subject == "Pohon tumbang di jalan"
    assert m.message_id == "<abc@warga.id>"
    assert m.date == datetime(2026, 11, 25, 9, 15, tzinfo=timezone(timedelta(hours=7)))
    assert m.in_reply_to == "<prev@aduan.example>"
    assert m.references == ["<a@x>", "<b@y>", "<c@z>"]
    assert m.text == "Ada pohon tumbang di Jl. Lawu."
    assert m.kind == "complaint"


def test_message_id_without_brackets_is_wrapped():
    assert parse_message(mail(Message_ID="abc@warga.id")).message_id == "<abc@warga.id>"


def test_missing_message_id_is_deterministic_hash():
    raw = mail("satu")
    a, b = parse_message(raw), parse_message(raw)
    assert a.message_id == b.message_id
    assert re.fullmatch(r"<[0-9a-f]{32}@aduan\.invalid>", a.message_id)
    assert parse_message(mail("dua")).message_id != a.message_id
    assert parse_message(raw.replace(b"\r\n", b"\n")).message_id == a.message_id


def test_encoded_words_in_subject_and_name():
    m = parse_message(
        mail(
            From="=?UTF-8?B?U2l0aSBOdXLDqQ==?= <siti@warga.id>",
            Subject="=?iso-8859-1?Q?Jalan_rusak_di_Caf=E9?= =?utf-8?B?IOKAkyBkZXNh?=",
        )
    )
    assert m.from_name == "Siti Nuré"
    assert m.subject == "Jalan rusak di Café – desa"


def test_raw_utf8_header_and_8bit_latin1_header():
    raw = mail(Subject="x").replace(b"Subject: x", "Subject: Säying Hello".encode())
    assert parse_message(raw).subject == "Säying Hello"
    raw = mail(Subject="x", Content_Type="text/plain; charset=windows-1252").replace(
        b"Subject: x", b"Subject: caf\xe9 \x93tutup\x94"
    )
    assert parse_message(raw).subject == "café “tutup”"


@pytest.mark.parametrize(
    "date, expected",
    [
        ("Wed, 25 Nov 2026 09:15:00 -0000", datetime(2026, 11, 25, 9, 15, tzinfo=UTC)),
        ("kemarin sore", None),
        ("Mon, 30 Jun 3609 15:33:50 +0600", None),
        ("", None),
    ],
)
def test_dates_are_aware_or_none(date, expected):
    m = parse_message(mail(Date=date))
    assert m.date == expected
    if m.date:
        assert m.date.tzinfo is not None


def test_from_without_angle_brackets_and_garbage():
    assert parse_message(mail(From="warga@desa.id")).from_addr == "warga@desa.id"
    m = parse_message(mail(From="tidak ada alamat"))
    assert m.from_addr == ""
    assert "no sender address" in m.problems


# ----------------------------------------------------------------- charsets
@pytest.mark.parametrize(
    "charset, data, expected",
    [
        ("iso-2022-jp", "日本語のテキスト".encode("iso2022_jp"), "日本語のテキスト"),
        ("shift_jis", "あいうえお".encode("shift_jis"), "あいうえお"),
        ("big5", "大家說英語".encode("big5"), "大家說英語"),
        ("euc-kr", "한국말".encode("euc_kr"), "한국말"),
        ("ks_c_5601-1987", "스티해".encode("cp949"), "스티해"),
        ("windows-1251", "Привет".encode("cp1251"), "Привет"),
        ("koi8-r", "Привет".encode("koi8_r"), "Привет"),
        ("windows-1252", "“Café”".encode("cp1252"), "“Café”"),
        ("3Diso-8859-1", "Café".encode("latin-1"), "Café"),
        ("x-unknown", "Café".encode(), "Café"),
        ("x-unknown", "Caf\xe9".encode("latin-1"), "Café"),
        ("no-such-charset", b"ok \xff", "ok ÿ"),
        ("us-ascii", "日本".encode("iso2022_jp"), "日本"),
    ],
)
def test_body_charsets(charset, data, expected):
    raw = mail(data, Content_Type=f"text/plain; charset={charset}")
    assert parse_message(raw).text == expected


def test_utf8_labelled_latin1_and_undecodable_bytes_are_replaced():
    raw = mail(b"rusak \xff\xfe parah", Content_Type="text/plain; charset=utf-8")
    assert parse_message(raw).text == "rusak \ufffd\ufffd parah"


def test_quoted_printable_and_base64_bodies():
    raw = mail(
        "Jalan =C3=A9 rusak=\r\n parah",
        Content_Type="text/plain; charset=utf-8",
        Content_Transfer_Encoding="quoted-printable",
    )
    assert parse_message(raw).text == "Jalan é rusak parah"
    raw = mail("SmFsYW4gcnVzYWs=", Content_Transfer_Encoding="base64")
    assert parse_message(raw).text == "Jalan rusak"


# -------------------------------------------------------------------- HTML
def test_html_only_body_becomes_text():
    html = (
        "<html><head><style>p {color:red}</style><script>alert(1)</script></head>"
        "<body><p>Jalan <b>rusak</b> di <a href='https://peta.id/x'>desa Ngargoyoso</a>.</p>"
        "<p>Terima&nbsp;kasih</p><img src='cid:foto'></body></html>"
    )
    m = parse_message(mail(html, Content_Type="text/html; charset=utf-8"))
    assert m.text == "Jalan rusak di desa Ngargoyoso (https://peta.id/x).\n\nTerima kasih"


def test_alternative_prefers_plain():
    raw = multipart(
        part("versi teks"), part("<p>versi html</p>", "text/html"), subtype="alternative"
    )
    assert parse_message(raw).text == "versi teks"


def test_html_to_text_bare_link_and_empty():
    assert html_to_text('<a href="https://x.id/a">https://x.id/a</a>') == "https://x.id/a"
    assert html_to_text("") == ""


# ------------------------------------------------------------ quoted replies
@pytest.mark.parametrize(
    "body",
    [
        "Saya ingin menambahkan foto.\n\nOn Mon, 23 Nov 2026 at 10:00, Aduan <a@x.id> wrote:\n> Terima kasih",
        "Saya ingin menambahkan foto.\n\nPada tanggal Sen, 23 Nov 2026 10.00, Aduan <a@x.id>\nmenulis:\n> Terima kasih",
        "Saya ingin menambahkan foto.\n-----Original Message-----\nFrom: a@x.id\nSubject: y",
        "Saya ingin menambahkan foto.\n\n-- \nBudi Santoso\nRT 02 RW 03",
        "Saya ingin menambahkan foto.\n\nDikirim dari ponsel Samsung Galaxy saya.",
        "Saya ingin menambahkan foto.\n\nSent from my iPhone",
        "> kutipan lama\nSaya ingin menambahkan foto.\n> kutipan lain",
    ],
)
def test_trim_quoted(body):
    assert trim_quoted(body) == "Saya ingin menambahkan foto."


@pytest.mark.parametrize(
    "body",
    [
        "Saya ingin menambahkan foto.\n\n________________________________\nFrom: Aduan <a@x.id>\n"
        "Sent: Monday, 23 November 2026 10:00\nTo: budi@warga.id\nSubject: Tanda terima",
        "Saya ingin menambahkan foto.\n\nDari: Aduan <a@x.id>\nTanggal: Senin, 23 November 2026\n"
        "Kepada: budi@warga.id\nPerihal: Tanda terima",
    ],
)
def test_trim_outlook_header_block(body):
    assert trim_quoted(body) == "Saya ingin menambahkan foto."


def test_trim_keeps_lines_that_only_look_like_markers():
    body = (
        "Laporan warga.\nDari: Pak RT 03 (rt03@desa.id) yang melihat langsung.\n"
        "Dikirim dari posko banjir di balai desa kemarin sore, ada 40 keluarga mengungsi.\n"
        "Mohon bantuan."
    )
    assert trim_quoted(body) == body


def test_trim_keeps_whole_quote_when_nothing_else():
    assert trim_quoted("> hanya kutipan\n> saja") == "> hanya kutipan\n> saja"


def test_body_is_trimmed_in_parse():
    m = parse_message(mail("Sudah diperbaiki?\r\n\r\n> tanda terima lama\r\n"))
    assert m.text == "Sudah diperbaiki?"


# ----------------------------------------------------------------- filenames
@pytest.mark.parametrize(
    "name, expected",
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\Windows\\system.ini", "system.ini"),
        ("C:\\Users\\x\\foto.jpg", "foto.jpg"),
        (".bashrc", "bashrc"),
        ("...", "lampiran.bin"),
        ("", "lampiran.bin"),
        ("CON", "_CON"),
        ("con.txt", "_con.txt"),
        ("LPT1.tar.gz", "_LPT1.tar.gz"),
        ("nul", "_nul"),
        ("a\x00b\x1fc.doc", "abc.doc"),
        ("foto\u202egpj.exe", "fotogpj.exe"),
        ('ta<b>e:l|"?*.pdf', "ta_b_e_l____.pdf"),
        ("surat  pengaduan .pdf", "surat pengaduan.pdf"),
        ("laporan.pdf.", "laporan.pdf"),
    ],
)
def test_safe_filename(name, expected):
    assert safe_filename(name, "lampiran.bin") == expected


def test_safe_filename_caps_length_keeping_extension():
    out = safe_filename("a" * 300 + ".pdf")
    assert len(out) == 120 and out.endswith(".pdf")
    cjk = safe_filename("かきくけこ" * 40 + ".txt")
    assert cjk.endswith(".txt") and len(cjk.encode()) <= 240
    assert unicodedata.is_normalized("NFC", safe_filename("e\u0301.txt"))


def test_attachment_names_decoded_sanitised_and_unique():
    raw = multipart(
        part("isi"),
        part(b"1", "image/jpeg", Content_Disposition='attachment; filename="foto.jpg"'),
        part(b"2", "image/jpeg", Content_Disposition='attachment; filename="../foto.jpg"'),
        part(b"3", "image/jpeg", Content_Disposition='attachment; filename="FOTO.JPG"'),
        part(
            b"4",
            "application/pdf",
            Content_Disposition="attachment; filename*=utf-8''surat%20RT%E2%80%9302.pdf",
        ),
        part(
            b"5",
            "application/pdf",
            Content_Disposition='attachment; filename="=?UTF-8?B?a3RwLnBkZg==?="',
        ),
        part(b"6", "application/octet-stream"),
    )
    m = parse_message(raw)
    assert [a.filename for a in m.attachments] == [
        "foto.jpg",
        "foto-2.jpg",
        "FOTO-3.JPG",
        "surat RT–02.pdf",
        "ktp.pdf",
        "lampiran-6.bin",
    ]
    assert [a.data for a in m.attachments] == [b"1", b"2", b"3", b"4", b"5", b"6"]
    assert m.text == "isi"


def test_inline_image_kept_as_inline():
    raw = multipart(
        part("<p>lihat <img src='cid:img1'></p>", "text/html"),
        part(b"PNGDATA", "image/png", Content_ID="<img1>"),
        part(b"GIF", "image/gif", Content_Disposition='inline; filename="peta.gif"'),
        subtype="related",
    )
    m = parse_message(raw)
    assert [(a.filename, a.inline, a.data) for a in m.attachments] == [
        ("lampiran-1.png", True, b"PNGDATA"),
        ("peta.gif", True, b"GIF"),
    ]
    assert m.text == "lihat"


def test_size_limits_skip_parts_but_keep_the_rest():
    limits = Limits(attachment_mb=1, message_mb=1.5)
    big = b"x" * (1024 * 1024 + 1)
    ok = b"y" * (700 * 1024)
    raw = multipart(
        part("isi"),
        part(big, "application/pdf", Content_Disposition='attachment; filename="besar.pdf"'),
        part(ok, "image/jpeg", Content_Disposition='attachment; filename="a.jpg"'),
        part(ok, "image/jpeg", Content_Disposition='attachment; filename="b.jpg"'),
        part(ok, "image/jpeg", Content_Disposition='attachment; filename="c.jpg"'),
    )
    m = parse_message(raw, limits=limits)
    assert [a.filename for a in m.attachments] == ["a.jpg", "b.jpg"]
    assert m.skipped_parts == ["besar.pdf (1.0 MB)", "c.jpg (0.7 MB)"]


def test_archives_are_not_unpacked():
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("dalam/berkas.txt", "x" * 100_000)
    data = buf.getvalue()
    import base64

    raw = multipart(
        part("isi"),
        part(
            base64.encodebytes(data),
            "application/zip",
            Content_Disposition='attachment; filename="bukti.zip"',
            Content_Transfer_Encoding="base64",
        ),
    )
    m = parse_message(raw)
    assert [(a.filename, a.data) for a in m.attachments] == [("bukti.zip", data)]


def test_forwarded_email_is_one_eml_attachment():
    inner = mail("pesan asli", Subject="Asli", Message_ID="<inner@x>")
    m = parse_message(multipart(part("lihat terlampir"), part(inner, "message/rfc822")))
    assert len(m.attachments) == 1
    assert m.attachments[0].filename == "pesan-1.eml"
    assert b"Message-ID: <inner@x>" in m.attachments[0].data
    assert m.text == "lihat terlampir"
    assert m.references == []


# ------------------------------------------------------------ classification
@pytest.mark.parametrize(
    "headers, kind",
    [
        ({}, "complaint"),
        ({"Auto_Submitted": "auto-replied"}, "auto_reply"),
        ({"Auto_Submitted": "auto-generated; owner-email=x@y"}, "auto_reply"),
        ({"Auto_Submitted": "no"}, "complaint"),
        ({"X_Autoreply": "yes"}, "auto_reply"),
        ({"X_Autorespond": "vacation"}, "auto_reply"),
        ({"Subject": "Automatic reply: Pohon tumbang"}, "auto_reply"),
        ({"Subject": "Out of Office: Pohon tumbang"}, "auto_reply"),
        ({"Subject": "Balasan otomatis: Aduan ADU/2026/11/0007"}, "auto_reply"),
        ({"Subject": "Sedang cuti sampai 30 November"}, "auto_reply"),
        ({"Subject": "[Di luar kantor] Re: Aduan"}, "auto_reply"),
        ({"Subject": "Petugas sedang cuti, loket tutup"}, "complaint"),
        ({"Precedence": "bulk"}, "list"),
        ({"Precedence": "junk"}, "list"),
        ({"Precedence": "list"}, "list"),
        ({"List_Id": "<warga.googlegroups.com>"}, "list"),
        # a null sender alone is not a bounce: RFC 3834 responders use it too (issue 17)
        ({"Return_Path": "<>"}, "auto_reply"),
        ({"From": "MAILER-DAEMON@mx.example.net"}, "bounce"),
        ({"From": "Mail Delivery <postmaster@mx.example.net>"}, "bounce"),
        ({"From": "Layanan Aduan <Aduan@BPBD.example.go.id>"}, "own"),
    ],
)
def test_classification(headers, kind):
    m = parse_message(mail(**headers), own_addresses={"aduan@bpbd.example.go.id"})
    assert m.kind == kind
    assert (m.reason == "") == (kind == "complaint")


def test_indonesian_out_of_office_reply():
    raw = mail(
        "Saya sedang cuti sampai 30 November 2026. Pesan Anda akan saya balas setelah kembali.",
        From="Pak Kades <kades@desa.id>",
        Subject="Balasan otomatis: [ADU/2026/11/0007] Tanda terima aduan",
        Auto_Submitted="auto-replied",
        In_Reply_To="<ack.ADU-2026-11-0007@aduan.example>",
    )
    m = parse_message(raw)
    assert m.kind == "auto_reply"
    assert m.in_reply_to == "<ack.ADU-2026-11-0007@aduan.example>"


DSN = (
    part(
        "This is the mail system at host mx.example.net.\r\n\r\nI'm sorry to have to inform you...\r\n"
    ),
    part(
        "Reporting-MTA: dns; mx.example.net\r\n\r\n"
        "Final-Recipient: rfc822; Budi@Warga.ID\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n"
        "Final-Recipient: rfc822; lambat@warga.id\r\nAction: delayed\r\nStatus: 4.2.2\r\n",
        "message/delivery-status",
    ),
    part(
        "From: aduan@bpbd.example.go.id\r\nTo: budi@warga.id\r\n"
        "Message-ID: <ack.ADU-2026-11-0007@aduan.example>\r\nSubject: Tanda terima\r\n\r\nisi\r\n",
        "text/rfc822-headers",
    ),
)


def test_bounce_gives_references_and_failed_recipients():
    raw = multipart(
        *DSN,
        subtype='report; report-type="delivery-status"',
        From="MAILER-DAEMON@mx.example.net",
        Subject="Undelivered Mail Returned to Sender",
    )
    m = parse_message(raw)
    assert m.kind == "bounce"
    assert m.references == ["<ack.ADU-2026-11-0007@aduan.example>"]
    assert "failed: budi@warga.id" in m.problems
    # a failure decides a mixed report; the recipient still being retried is not failed
    assert not any("lambat@warga.id" in p for p in m.problems)


def test_read_receipt_is_auto_reply():
    raw = multipart(part("dibaca"), subtype='report; report-type="disposition-notification"')
    assert parse_message(raw).kind == "auto_reply"


# --------------------------------------------------------------- robustness
@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x00\x01\x02",
        b"Subject: =?utf-8?B?!!!?=\r\n\r\n",
        b"Content-Type: multipart/mixed; boundary=\r\n\r\n--\r\n",
        b"From: <<<@@@>>>\r\nDate: 99 Foo 99999\r\n\r\nbody",
        b"Content-Type: text/plain; charset*=''\r\nContent-Disposition: attachment; filename*=x''%ZZ\r\n\r\nx",
    ],
)
def test_garbage_never_raises(raw):
    m = parse_message(raw)
    assert m.message_id.startswith("<") and m.kind


def test_broken_boundary_is_recovered():
    raw = (
        b"From: a@b.id\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: multipart/alternative; boundary=----=_NextPart_000_0093\r\n\r\n"
        b"preamble\r\n\r\n------=_NextPart_000_0093\r\nContent-Type: text/plain\r\n\r\n"
        b"Halo dari Outlook\r\n\r\n------=_NextPart_000_0093\r\nContent-Type: text/html\r\n\r\n"
        b"<p>Halo</p>\r\n------=_NextPart_000_0093--\r\n"
    )
    m = parse_message(raw)
    assert m.text == "Halo dari Outlook"
    assert m.attachments == []


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=400))
def test_arbitrary_bytes_never_raise(data):
    m = parse_message(b"From: a@b.id\r\nContent-Type: multipart/mixed; boundary=z\r\n\r\n" + data)
    assert m.message_id.startswith("<")


# ------------------------------------------------------------------ corpus
def corpus_files() -> list[Path]:
    root = require_corpus()
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file() and p.suffix in (".eml", ".txt") and not p.name.startswith("LICENSE")
    )


def test_every_corpus_file_parses():
    files = corpus_files()
    assert len(files) >= 150
    kinds = {}
    for f in files:
        m = parse_message(f.read_bytes(), f.name)
        assert m.kind in (
            "complaint",
            "bounce",
            "delay",
            "delivered",
            "feedback",
            "auto_reply",
            "list",
            "own",
        ), f  # never unparseable
        assert re.fullmatch(r"<[^<>\s]+>", m.message_id), (f, m.message_id)
        assert "\n" not in m.subject and "\r" not in m.subject, f
        assert m.date is None or m.date.tzinfo is not None, f
        kinds[f.name] = m.kind
    assert sum(k == "complaint" for k in kinds.values()) > 100


BOUNCES = [
    "mikel-mail/multipart_report_emails/multi_address_bounce1.eml",
    "mikel-mail/multipart_report_emails/multi_address_bounce2.eml",
    "mikel-mail/multipart_report_emails/multipart_report_multiple_status.eml",
    "mikel-mail/multipart_report_emails/report_530.eml",
    "cpython-email/msg_16.txt",
    "cpython-email/msg_25.txt",
    "cpython-email/msg_43.txt",
    "cpython-email/msg_05.txt",
]


# 4.x.x reports, "Action: delayed": the server is still trying, no failure (issue 17)
DELAYS = [
    "mikel-mail/multipart_report_emails/report_422.eml",
    "mikel-mail/mime_emails/raw_email_with_mimepart_without_content_type.eml",
]


@pytest.mark.parametrize("name", BOUNCES)
def test_corpus_dsns_are_bounces(name):
    m = parse_message((require_corpus() / name).read_bytes())
    assert m.kind == "bounce", m.reason


@pytest.mark.parametrize("name", DELAYS)
def test_corpus_delay_reports_are_delays(name):
    m = parse_message((require_corpus() / name).read_bytes())
    assert m.kind == "delay", m.reason
    assert m.problems and all(p.startswith("delayed: ") for p in m.problems), m.problems


def test_corpus_bounce_details():
    root = require_corpus()
    m = parse_message((root / BOUNCES[0]).read_bytes())
    assert m.references == ["<118707422.15521266992174819.JavaMail.root@lvmail01>"]
    assert len([p for p in m.problems if p.startswith("failed: ")]) == 5
    m = parse_message((root / DELAYS[0]).read_bytes())
    assert m.problems == ["delayed: fraser@oooooooo.com.au"]


CJK = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]")


@pytest.mark.parametrize(
    "name, field",
    [
        ("mikel-mail/multi_charset/japanese_iso_2022.eml", "text"),
        ("mikel-mail/multi_charset/japanese_iso_2022.eml", "subject"),
        ("mikel-mail/multi_charset/japanese_shift_jis.eml", "text"),
        ("mikel-mail/multi_charset/ks_c_5601-1987.eml", "text"),
        ("mikel-mail/plain_emails/raw_email.eml", "text"),
        ("mikel-mail/plain_emails/raw_email.eml", "subject"),
        ("mikel-mail/rfc2822/example14.eml", "subject"),
        ("mikel-mail/error_emails/content_transfer_encoding_empty.eml", "subject"),
    ],
)
def test_corpus_cjk_decodes_to_real_characters(name, field):
    m = parse_message((require_corpus() / name).read_bytes())
    value = getattr(m, field)
    assert len(CJK.findall(value)) >= 2, value
    assert "\ufffd" not in value


@pytest.mark.parametrize(
    "name, expected",
    [
        ("attachment_emails/attachment_nonascii_filename.eml", ["ciële.txt"]),
        ("attachment_emails/attachment_with_unquoted_name.eml", ["This is a test.txt"]),
        ("attachment_emails/attachment_with_base64_encoded_name.eml", ["This is a test.pdf"]),
        ("attachment_emails/attachment_with_quoted_filename.eml", ["Eelanalüüsi päring.jpg"]),
        ("attachment_emails/attachment_only_email.eml", ["blah.gz"]),
        ("attachment_emails/attachment_content_disposition.eml", ["api.rb"]),
        ("multi_charset/japanese_attachment.eml", ["てすと.txt"]),
        (
            "multi_charset/japanese_attachment_long_name.eml",
            ["かきくけこかきくけこかきくけこかきくけこかきくけこ.txt"],
        ),
        ("mime_emails/raw_email_with_nested_attachment.eml", ["truncated.png", "smime.p7s"]),
    ],
)
def test_corpus_odd_attachment_names(name, expected):
    m = parse_message((require_corpus() / "mikel-mail" / name).read_bytes())
    assert [a.filename for a in m.attachments] == expected


def test_corpus_rfc2231_iso2022jp_name_is_safe():
    root = require_corpus() / "mikel-mail"
    m = parse_message((root / "attachment_emails/attachment_with_encoded_name.eml").read_bytes())
    (name,) = [a.filename for a in m.attachments]
    assert name.startswith("01 Quien Te Dij") and name.endswith("at. Pitbull.mp3")
    assert name == safe_filename(name)


def test_corpus_cpython_clock_bmp_uses_disposition_filename():
    m = parse_message((require_corpus() / "cpython-email/msg_26.txt").read_bytes())
    assert [a.filename for a in m.attachments] == ["clock.bmp"]


def test_mime_bomb_nested_deep_is_unparseable_with_headers():
    depth = 1500
    head = b"From: Budi <budi@warga.id>\r\nSubject: bom\r\nMessage-ID: <bom@warga.id>\r\n"
    body = b"".join(
        b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (i, i)
        for i in range(depth)
    )
    body += b"Content-Type: text/plain\r\n\r\nhalo\r\n"
    body += b"".join(b"--b%d--\r\n" % i for i in reversed(range(depth)))
    m = parse_message(head + body)
    assert m.kind == "unparseable" and "multipart containers" in m.reason
    assert (m.from_addr, m.subject, m.message_id) == ("budi@warga.id", "bom", "<bom@warga.id>")
    assert m.problems[0].startswith("unparseable: ")


def test_nesting_below_the_cap_parses():
    depth = 150
    body = b"".join(
        b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (i, i)
        for i in range(depth)
    )
    body += b"Content-Type: text/plain\r\n\r\nhalo\r\n"
    body += b"".join(b"--b%d--\r\n" % i for i in reversed(range(depth)))
    m = parse_message(b"From: a@b.id\r\n" + body)
    assert m.kind == "complaint" and m.text == ""  # the walker stops 30 levels down


def test_thousands_of_parts_are_capped():
    one = part(b"xx", "image/png", Content_Disposition='attachment; filename="a.png"')
    m = parse_message(multipart(part("isi"), *([one] * 3000)))
    assert len(m.attachments) == 100
    assert [a.filename for a in m.attachments[:3]] == ["a.png", "a-2.png", "a-3.png"]
    assert m.attachments[-1].filename == "a-100.png"
    assert m.skipped_parts == ["2900 bagian lain (terlalu banyak)"]


def test_giant_html_body_is_cut_not_stalled():
    from aduan.inbox.body import MAX_HTML

    html = "<p>awal</p>" + "<p>isi</p>" * (MAX_HTML // 5)
    text = html_to_text(html)
    assert text.startswith("awal") and len(text) < MAX_HTML
