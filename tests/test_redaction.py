"""Redaction protects the person, not the words (aduan.core.privacy, issue 16):
literal complaints in, literal text out."""

from __future__ import annotations

import pytest

from aduan.core.privacy import (
    PLACEHOLDER,
    Identity,
    asks_confidentiality,
    identity_roles,
    is_pseudonym,
    redact_filename,
    redact_text,
    reveals_text,
    sees_identity,
)

WULAN = Identity("Wulan Sari", "wulan.sari@example.com")


@pytest.mark.parametrize(
    "written",
    [
        "Wulan Sari",
        "wulan sari",
        "WULAN  SARI",
        "Bu Wulan Sari",
        "Ibu Wulan Sari",
        "Sdr. Wulan Sari",
        "Wulan-Sari",
        "Wulan\nSari",
    ],
)
def test_the_full_name_goes_as_a_phrase_whatever_its_case_spacing_or_title(written):
    out = redact_text(f"Saya {written} dari Dusun Ngemplak.", WULAN, sign_off=False)
    assert out == f"Saya {PLACEHOLDER} dari Dusun Ngemplak."


def test_a_personal_names_own_words_go_too():
    out = redact_text("Rumah Wulan dekat pos ronda; sari pati singkong.", WULAN, sign_off=False)
    assert out == f"Rumah {PLACEHOLDER} dekat pos ronda; {PLACEHOLDER} pati singkong."


@pytest.mark.parametrize(
    "number",
    [
        "0812-3456-7890",
        "0812 3456 7890",
        "081234567890",
        "+62 812-3456-7890",
        "+62 (812) 3456 7890",
        "+6281234567890",
        "6281234567890",
        "0812.3456.7890",
        "(0271) 495123",
    ],
)
def test_phone_numbers_go_in_every_notation(number):
    out = redact_text(f"Hubungi {number} ya.", WULAN, sign_off=False)
    assert out == f"Hubungi {PLACEHOLDER} ya."


def test_dates_times_money_and_ticket_numbers_stay():
    text = (
        "Sejak 01-02-2026 08.00 dan 1/2/2026, biaya Rp 1.500.000, 150 KK, aduan ADU/2026/11/0007."
    )
    assert redact_text(text, WULAN, sign_off=False) == text


def test_emails_and_nik_go():
    out = redact_text("Balas ke w.sari@mail.id, NIK 3313012345678901.", WULAN, sign_off=False)
    assert out == f"Balas ke {PLACEHOLDER}, NIK {PLACEHOLDER}."


def test_the_signature_block_goes_and_the_closing_stays():
    text = "Lampu jalan mati.\n\nSalam,\nW. Sari\nRT 02 / RW 05\n0812 3456 7890\n"
    assert redact_text(text, WULAN) == f"Lampu jalan mati.\n\nSalam,\n{PLACEHOLDER}\n"
    assert redact_text("Lampu mati.\nSalam, Wulan", WULAN) == f"Lampu mati.\nSalam, {PLACEHOLDER}\n"
    # a closing sentence with no signature after it is the complaint's own words
    plain = "Lampu mati.\nTerima kasih atas perhatian Bapak/Ibu."
    assert redact_text(plain, WULAN) == plain


def test_a_quoted_reply_header_goes():
    text = (
        "Belum ada perbaikan.\n\n"
        "Pada Sen, 2 Nov 2026 pukul 08.00 Wulan Sari <wulan.sari@example.com> menulis:\n"
        "> Lampu mati.\n"
    )
    out = redact_text(text, WULAN, sign_off=False)
    assert out == f"Belum ada perbaikan.\n\n{PLACEHOLDER}\n> Lampu mati.\n"
    out = redact_text("On Mon, Nov 2, 2026 Wulan S. <ws@x.id> wrote:\n> a", Identity("Wulan S."))
    assert "wrote" not in out and "ws@x.id" not in out


@pytest.mark.parametrize(
    ("name", "pseudonym"),
    [
        ("Warga Girimulyo", True),
        ("Ketua RT 03", True),
        ("Hamba Allah", True),
        ("Pedagang Pasar Legi", True),
        ("Anonim", True),
        ("Wulan Sari", False),
        ("Ibu Sri Wahyuni", False),
        ("Budi", False),
    ],
)
def test_a_pseudonym_built_from_generic_words_names_nobody(name, pseudonym):
    assert is_pseudonym(name) is pseudonym


def test_a_pseudonym_that_is_a_place_keeps_the_complaint_readable():
    ident = Identity("Warga Girimulyo", "girimulyo.peduli@gmail.com")
    out = redact_text("Sumur Warga Girimulyo kering, dusun Girimulyo butuh air.", ident)
    assert out == "Sumur Warga Girimulyo kering, dusun Girimulyo butuh air."
    assert redact_text("Kirim ke girimulyo.peduli@gmail.com", ident) == f"Kirim ke {PLACEHOLDER}"


def test_attachment_names_carrying_the_name_are_renamed():
    assert redact_filename("KTP_Wulan_Sari.jpg", WULAN, 2) == "lampiran-2.jpg"
    assert redact_filename("wulan-sari-0812345678901.pdf", WULAN) == "lampiran-1.pdf"
    assert redact_filename("foto-lampu-mati.jpg", WULAN) == "foto-lampu-mati.jpg"


def test_the_scan_finds_what_redaction_removes():
    text = "Saya Bu Wulan Sari, 0812-3456-7890, wulan.sari@example.com"
    assert reveals_text(text, WULAN)
    assert reveals_text(redact_text(text, WULAN), WULAN) == []


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("Mohon identitas saya dirahasiakan.", True),
        ("jangan sebut nama saya ya pak", True),
        ("Tolong rahasiakan identitas pelapor.", True),
        ("Nama saya mohon dirahasiakan", True),
        ("Saya melapor sebagai anonim.", True),
        ("Jalan rusak di depan SD.", False),
        ("Dokumen rahasia negara bocor?", False),
    ],
)
def test_a_complaint_that_asks_for_confidentiality_in_its_own_words(text, asks):
    assert asks_confidentiality(text) is asks


def test_who_sees_identity_is_a_setting(make_settings):
    sop = make_settings("bpbd").load_sop()
    assert identity_roles(sop) == {sop.first.role, sop.head_role}
    assert identity_roles(sop, ["head"]) == {sop.head_role}
    assert not sees_identity(sop.first.role, sop, True, ["head"])
    assert sees_identity(sop.head_role, sop, True, ["head"])
