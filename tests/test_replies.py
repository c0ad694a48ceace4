"""Decisions by reply, the pure parts: command parsing, tokens, Authentication-Results,
the verdict; and the SOP/settings checks that go with them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from aduan.config import load_settings, load_sop
from aduan.core.model import InboundMail
from aduan.core.replies import (
    Command,
    ReplyKeys,
    auth_failures,
    find_tokens,
    judge,
    make_token,
    parse_command,
    reply_address,
    token_matches,
)
from aduan.errors import ConfigError

from .conftest import REPO, settings_dict

BPBD = [
    "TANGGAPI",
    "TINDAK LANJUT",
    "BUKAN KEWENANGAN",
    "DISPOSISI",
    "RENCANA",
    "SELESAI",
    "TERUSKAN",
]
KEY = b"k" * 32
OLD = b"o" * 32
TODAY = date(2026, 11, 25)


# ------------------------------------------------------------------ commands
def test_command_on_first_line_with_text():
    assert parse_command("DISPOSISI: Segera tinjau lokasi.", BPBD) == Command(
        "DISPOSISI", "Segera tinjau lokasi."
    )


def test_command_is_case_insensitive_and_takes_separators():
    assert parse_command("disposisi : tinjau", BPBD) == Command("DISPOSISI", "tinjau")
    assert parse_command("Selesai - jalan ditambal", BPBD) == Command("SELESAI", "jalan ditambal")
    assert parse_command("  teruskan.  ", BPBD) == Command("TERUSKAN", "")
    assert parse_command("*Disposisi*: tinjau", BPBD) == Command("DISPOSISI", "tinjau")


def test_longest_command_wins_and_spaces_inside_are_free():
    assert parse_command("bukan   kewenangan: Dinas PUPR", BPBD) == Command(
        "BUKAN KEWENANGAN", "Dinas PUPR"
    )
    assert parse_command("TINDAK LANJUT", BPBD) == Command("TINDAK LANJUT", "")


def test_a_word_that_merely_starts_a_sentence_is_no_command():
    assert parse_command("Selesai rapat tadi kami akan ke lokasi.", BPBD) is None
    assert parse_command("Disposisinya besok saja", BPBD) is None


def test_text_continues_to_the_blank_line_and_stops_at_signature():
    body = "DISPOSISI: Tinjau lokasi hari ini.\nKoordinasi dengan kepala desa.\n\nSalam,\nHendro"
    assert parse_command(body, BPBD) == Command(
        "DISPOSISI", "Tinjau lokasi hari ini.\nKoordinasi dengan kepala desa."
    )
    body = "RENCANA: cek lokasi\n-- \nTim Reaksi Cepat"
    assert parse_command(body, BPBD) == Command("RENCANA", "cek lokasi")
    body = "SELESAI: jalan ditambal\nDikirim dari iPhone saya"
    assert parse_command(body, BPBD) == Command("SELESAI", "jalan ditambal")


def test_command_alone_takes_the_next_paragraph():
    assert parse_command("DISPOSISI:\n\nTinjau lokasi\nhari ini\n\nSalam", BPBD) == Command(
        "DISPOSISI", "Tinjau lokasi\nhari ini"
    )


def test_a_greeting_may_come_first_but_not_a_whole_letter():
    assert parse_command("Yth. Admin,\n\nTERUSKAN", BPBD) == Command("TERUSKAN", "")
    letter = "Selamat pagi.\nSaya sudah baca.\nTerima kasih banyak.\nTERUSKAN"
    assert parse_command(letter, BPBD) is None


def test_command_below_a_quoted_task_email():
    body = (
        "Pada Rab, 25 Nov 2026 pukul 09.00, Layanan Aduan <aduan@bpbd.example.go.id> menulis:\n"
        "> Yth. Pimpinan,\n"
        "> CARA CEPAT — BALAS EMAIL INI dengan salah satu perintah berikut:\n"
        ">   • DISPOSISI: <arahan untuk tim>\n"
        ">\n"
        "> TUGAS ANDA: menyampaikan aduan.\n"
        "\n"
        "DISPOSISI: Tim segera rapat dan tinjau lokasi.\n"
    )
    assert parse_command(body, BPBD) == Command("DISPOSISI", "Tim segera rapat dan tinjau lokasi.")


def test_quoted_lines_are_never_commands():
    assert parse_command("> DISPOSISI: lama\n> SELESAI: lama", BPBD) is None


def test_the_example_copied_unchanged_has_no_text():
    assert parse_command("DISPOSISI: <arahan untuk tim>", BPBD) == Command("DISPOSISI", "")


def test_only_the_given_commands_count():
    assert parse_command("KEPUTUSAN: rapat memutuskan", BPBD) is None
    assert parse_command("KEPUTUSAN: rapat memutuskan", ["KEPUTUSAN"]) == Command(
        "KEPUTUSAN", "rapat memutuskan"
    )


def test_empty_body():
    assert parse_command("", BPBD) is None
    assert parse_command("\n\n  \n", BPBD) is None


# -------------------------------------------------------------------- tokens
def test_token_is_bound_to_ticket_step_and_role():
    t = make_token(KEY, "ADU/2026/11/0001", "sampaikan", "pimpinan")
    assert len(t) == 16 and t == t.lower()
    assert t == make_token(KEY, "ADU/2026/11/0001", "sampaikan", "pimpinan")
    others = {
        make_token(KEY, "ADU/2026/11/0002", "sampaikan", "pimpinan"),
        make_token(KEY, "ADU/2026/11/0001", "rapat", "pimpinan"),
        make_token(KEY, "ADU/2026/11/0001", "sampaikan", "tim"),
        make_token(OLD, "ADU/2026/11/0001", "sampaikan", "pimpinan"),
    }
    assert t not in others and len(others) == 4
    keys = ReplyKeys(KEY)
    assert token_matches(keys, t, "ADU/2026/11/0001", "sampaikan", "pimpinan", TODAY)
    assert token_matches(keys, t.upper(), "ADU/2026/11/0001", "sampaikan", "pimpinan", TODAY)
    assert not token_matches(keys, t, "ADU/2026/11/0002", "sampaikan", "pimpinan", TODAY)
    assert not token_matches(keys, t, "ADU/2026/11/0001", "rapat", "pimpinan", TODAY)
    assert not token_matches(keys, t, "ADU/2026/11/0001", "sampaikan", "tim", TODAY)
    assert not token_matches(keys, t[:-1], "ADU/2026/11/0001", "sampaikan", "pimpinan", TODAY)
    assert not token_matches(keys, "", "ADU/2026/11/0001", "sampaikan", "pimpinan", TODAY)


def test_rotation_accepts_the_old_key_through_its_last_day_only():
    old_token = make_token(OLD, "ADU/2026/11/0001", "rapat", "tim")
    keys = ReplyKeys(KEY, OLD, date(2026, 11, 30))
    args = ("ADU/2026/11/0001", "rapat", "tim")
    assert token_matches(keys, old_token, *args, date(2026, 11, 30))
    assert not token_matches(keys, old_token, *args, date(2026, 12, 1))
    assert token_matches(keys, make_token(KEY, *args), *args, date(2026, 12, 1))
    assert not token_matches(ReplyKeys(KEY), old_token, *args, TODAY)


def test_reply_address_and_finding_tokens():
    assert reply_address("aduan@bpbd.go.id", "abc") == "aduan+abc@bpbd.go.id"
    assert reply_address("aduan+x@bpbd.go.id", "abc") == "aduan+abc@bpbd.go.id"
    mail = _mail(
        recipients=["aduan+tok1@bpbd.go.id", "lain+tok2@bpbd.go.id", "aduan+tok3@lain.go.id"]
    )
    assert find_tokens(mail, "aduan@bpbd.go.id") == ["tok1"]
    assert find_tokens(_mail(recipients=["aduan@bpbd.go.id"]), "aduan@bpbd.go.id") == []
    tagged = _mail(recipients=["aduan@bpbd.go.id"])
    tagged.subject = "RE: [ADU/2026/11/0001] Tugas tahap 4 [Balas:ABCDEFGHIJKLMNOP]"
    assert find_tokens(tagged, "aduan@bpbd.go.id") == ["abcdefghijklmnop"]
    tagged.subject = "Re: [balas:abc]"  # not a token's length
    assert find_tokens(tagged, "aduan@bpbd.go.id") == []


# -------------------------------------------------------- Authentication-Results
def test_dkim_fail_for_the_sender_domain():
    ar = "mx.bpbd.go.id; dkim=fail (bad signature) header.d=bpbd.go.id header.s=s1; spf=pass"
    assert auth_failures(ar, "bpbd.go.id") == ["dkim=fail (header.d=bpbd.go.id)"]


def test_fail_for_another_domain_does_not_count():
    ar = "mx.bpbd.go.id; dkim=fail header.d=mailchimp.com; dkim=pass header.d=bpbd.go.id"
    assert auth_failures(ar, "bpbd.go.id") == []


def test_spf_and_dmarc_fail_and_subdomains():
    ar = (
        "mx.example; spf=fail smtp.mailfrom=kalak@mail.bpbd.go.id;\n"
        "mx2.example; dmarc=fail (p=reject) header.from=bpbd.go.id"
    )
    got = auth_failures(ar, "bpbd.go.id")
    assert got == [
        "spf=fail (smtp.mailfrom=kalak@mail.bpbd.go.id)",
        "dmarc=fail (header.from=bpbd.go.id)",
    ]


def test_passes_softfails_and_comments_are_not_failures():
    ar = (
        "mx.example; dkim=pass (no fail here) header.d=bpbd.go.id; spf=softfail "
        "smtp.mailfrom=bpbd.go.id; dmarc=none header.from=bpbd.go.id"
    )
    assert auth_failures(ar, "bpbd.go.id") == []
    assert auth_failures("", "bpbd.go.id") == []


def test_a_failure_naming_no_domain_counts_and_the_server_id_is_not_a_result():
    assert auth_failures("mx.example; dkim=fail", "bpbd.go.id") == ["dkim=fail"]
    assert auth_failures("dkim=fail.example; dkim=pass", "bpbd.go.id") == []


# ------------------------------------------------------------------- verdict
SOP = load_sop(REPO / "config/sop/bpbd-karanganyar.yaml")
ROLES = {
    "petugas": ("petugas@bpbd.go.id",),
    "tim": ("tim@bpbd.go.id", "anggota.tim@bpbd.go.id"),
    "pimpinan": ("kalak@bpbd.go.id",),
}
T = "ADU/2026/11/0001"


def _mail(
    text: str = "", frm: str = "kalak@bpbd.go.id", recipients=(), auth: str = ""
) -> InboundMail:
    return InboundMail(
        source_key="k",
        message_id="<m@x>",
        from_addr=frm,
        from_name="",
        subject=f"Re: [{T}] Tugas",
        date=None,
        text=text,
        recipients=list(recipients),
        auth_results=auth,
    )


def _judge(mail, step="disposisi", keys=None):
    return judge(
        mail,
        ticket=T,
        step=SOP.step(step) if step else None,
        steps=SOP.steps,
        role_addresses=ROLES,
        keys=keys or ReplyKeys(KEY),
        address="aduan@bpbd.go.id",
        today=TODAY,
        role_label={r: SOP.role_label(r) for r in SOP.roles},
    )


def _to(step: str, role: str, ticket: str = T) -> list[str]:
    return [reply_address("aduan@bpbd.go.id", make_token(KEY, ticket, step, role))]


def test_accepted_reply_sets_the_columns():
    v = _judge(_mail("DISPOSISI: tinjau lokasi", recipients=_to("disposisi", "pimpinan")))
    assert v.accepted and v.role == "pimpinan"
    assert v.values == {"Disposisi": "tinjau lokasi"}


def test_multi_column_command_and_any_address_of_the_role():
    v = _judge(
        _mail(
            "tanggapi: Sudah kami sampaikan ke desa.",
            frm="petugas@bpbd.go.id",
            recipients=_to("telaah", "petugas"),
        ),
        step="telaah",
    )
    assert v.values == {
        "Perlu Tindak Lanjut": "Tidak",
        "Tanggapan": "Sudah kami sampaikan ke desa.",
    }
    v = _judge(
        _mail("RENCANA: rapat", frm="ANGGOTA.TIM@bpbd.go.id", recipients=_to("rapat", "tim")),
        step="rapat",
    )
    assert v.accepted and v.role == "tim"


@pytest.mark.parametrize(
    ("mail", "step", "role", "reason"),
    [
        # forged From, no token
        (_mail("DISPOSISI: x"), "disposisi", "pimpinan", "tidak membawa kode balasan"),
        # a stranger holding a valid token
        (
            _mail("DISPOSISI: x", frm="orang@luar.id", recipients=_to("disposisi", "pimpinan")),
            "disposisi",
            None,
            "bukan alamat peran terdaftar",
        ),
        # another ticket's token
        (
            _mail("DISPOSISI: x", recipients=_to("disposisi", "pimpinan", "ADU/2026/11/0002")),
            "disposisi",
            "pimpinan",
            "tidak cocok",
        ),
        # the token of a step already done, replayed at a later step
        (
            _mail("RENCANA: x", frm="tim@bpbd.go.id", recipients=_to("rapat", "tim")),
            "tindak_lanjut",
            "tim",
            "untuk tahap 5",
        ),
        # the team's address at the head's step
        (
            _mail("DISPOSISI: x", frm="tim@bpbd.go.id", recipients=_to("disposisi", "pimpinan")),
            "disposisi",
            "tim",
            "dikerjakan oleh Pimpinan",
        ),
        # DKIM fail
        (
            _mail(
                "DISPOSISI: x",
                recipients=_to("disposisi", "pimpinan"),
                auth="mx; dkim=fail header.d=bpbd.go.id",
            ),
            "disposisi",
            "pimpinan",
            "dkim=fail",
        ),
        # a command of another step
        (
            _mail("SELESAI: x", recipients=_to("disposisi", "pimpinan")),
            "disposisi",
            "pimpinan",
            "yang berlaku di tahap 4: DISPOSISI",
        ),
        # the command without its text
        (
            _mail("DISPOSISI:", recipients=_to("disposisi", "pimpinan")),
            "disposisi",
            "pimpinan",
            "perlu isi",
        ),
        # closed
        (
            _mail("DISPOSISI: x", recipients=_to("disposisi", "pimpinan")),
            None,
            "pimpinan",
            "sudah ditutup",
        ),
    ],
)
def test_refusals(mail, step, role, reason):
    v = _judge(mail, step=step)
    assert not v.accepted
    assert v.role == role
    assert reason in v.reason
    assert v.values == {}


def test_roles_are_matched_by_the_assignee():
    # the disposition (issue 21: the office-added wait after step 4) is the head's
    assert SOP.step("disposisi").actor == "pimpinan"
    v = _judge(
        _mail("DISPOSISI: x", frm="petugas@bpbd.go.id", recipients=_to("disposisi", "petugas"))
    )
    assert not v.accepted and "dikerjakan oleh" in v.reason


# ------------------------------------------------------------- SOP and settings
def _sop_with(tmp_path: Path, step_id: str, replies: list) -> Path:
    data = yaml.safe_load((REPO / "config/sop/bpbd-karanganyar.yaml").read_text())
    for s in data["steps"]:
        if s["id"] == step_id:
            s["replies"] = replies
    p = tmp_path / "sop.yaml"
    p.write_text(yaml.safe_dump(data, allow_unicode=True))
    return p


def test_sop_reply_naming_an_unknown_column(tmp_path):
    p = _sop_with(tmp_path, "rapat", [{"command": "RENCANA", "set": {"Rencana": "{text}"}}])
    with pytest.raises(ConfigError, match=r"replies\[0\] \(RENCANA\)\.set.*no column 'Rencana'"):
        load_sop(p)


def test_sop_reply_that_completes_nothing(tmp_path):
    p = _sop_with(tmp_path, "rapat", [{"command": "RENCANA", "set": {"Catatan": "{text}"}}])
    with pytest.raises(ConfigError, match="complete none of the step's transitions"):
        load_sop(p)


def test_sop_reply_command_twice_and_bad_word(tmp_path):
    r = {"command": "rencana", "set": {"Rencana Tindak Lanjut": "{text}"}}
    with pytest.raises(ConfigError, match="listed twice"):
        load_sop(_sop_with(tmp_path, "rapat", [r, {**r, "command": "RENCANA"}]))
    with pytest.raises(ConfigError, match="one or more words of letters"):
        load_sop(_sop_with(tmp_path, "rapat", [{**r, "command": "RENCANA:"}]))


def test_every_deciding_step_of_both_sops_has_commands():
    for name in ("bpbd-karanganyar", "dinsos-blitar"):
        sop = load_sop(REPO / f"config/sop/{name}.yaml")
        for step in sop.steps:
            if step.task_roles:  # someone is asked to act
                assert step.replies, f"{name}: {step.id}"


def _settings(tmp_path, replies: dict):
    data = settings_dict(tmp_path, "bpbd", replies=replies)
    f = tmp_path / "settings.yaml"
    f.write_text(yaml.safe_dump(data, allow_unicode=True))
    return f


def test_replies_are_on_by_default_with_a_key_made_on_first_use(tmp_path):
    """Issue 21: no replies section at all: on, and the key is made in the state
    folder with 0600 on first use, then read back unchanged (never rewritten)."""
    import stat

    from aduan.run.wiring import reply_keys

    data = settings_dict(tmp_path, "bpbd")
    data.pop("replies", None)
    f = tmp_path / "settings.yaml"
    f.write_text(yaml.safe_dump(data, allow_unicode=True))
    s = load_settings(f)
    assert s.replies.enabled
    key = s.path(s.paths.state) / "reply.key"
    assert not key.exists()
    first = reply_keys(s)
    assert first is not None and len(first.current) == 64
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert reply_keys(s) == first, "the same key on every later run"
    assert str(key).startswith(str(tmp_path)), "in the state folder, not in the repo"


def test_settings_replies_need_a_key_source(tmp_path):
    with pytest.raises(ConfigError, match="replies.key: secrets may not be written"):
        load_settings(_settings(tmp_path, {"enabled": True, "key": "rahasia"}))
    with pytest.raises(ConfigError, match="previous_valid_until"):
        load_settings(
            _settings(tmp_path, {"enabled": True, "key_env": "K", "previous_key_env": "P"})
        )


def test_settings_keys_from_env_and_file(tmp_path, monkeypatch):
    (tmp_path / "old.key").write_text("o" * 40 + "\n")
    s = load_settings(
        _settings(
            tmp_path,
            {
                "enabled": True,
                "key_env": "ADUAN_TEST_REPLY_KEY",
                "previous_key_file": str(tmp_path / "old.key"),
                "previous_valid_until": "2026-12-31",
            },
        )
    )
    monkeypatch.setenv("ADUAN_TEST_REPLY_KEY", "k" * 32)
    keys = s.replies.keys(s.file)
    assert keys == ReplyKeys(b"k" * 32, b"o" * 40, date(2026, 12, 31))
    assert s.reply_address == "aduan@bpbd.example.go.id"
    monkeypatch.setenv("ADUAN_TEST_REPLY_KEY", "pendek")
    with pytest.raises(ConfigError, match="key too short"):
        s.replies.keys(s.file)
    monkeypatch.delenv("ADUAN_TEST_REPLY_KEY")
    with pytest.raises(ConfigError, match="ADUAN_TEST_REPLY_KEY is not set"):
        s.replies.keys(s.file)


# ----------------------------------------------------------------- templates
@pytest.mark.parametrize("show", [True, False])
def test_confirmation_and_refusal_templates_render(make_settings, show):
    from datetime import datetime

    from aduan.core.model import Notification
    from aduan.mail.compose import compose, sample_context
    from aduan.run.wiring import compose_cfg

    s = make_settings("bpbd")
    now = datetime(2026, 11, 25, 10, 0, tzinfo=s.tz)
    decision = {
        "from": "kalak@bpbd.example.go.id",
        "subject": "Re: tugas",
        "text": "DISPOSISI: rapat",
        "date": now,
        "command": "DISPOSISI",
        "values": {"Disposisi": "Tim segera rapat."},
    }
    extra = {
        "decision": decision,
        "refusal": "kode balasan ini untuk tahap 3, yang sudah tidak berjalan",
        "reply_to": "aduan+abcdefghijklmnop@bpbd.example.go.id",
        "reply_commands": [
            {"command": "DISPOSISI", "usage": "DISPOSISI: <arahan>", "description": "Arahan."}
        ],
    }
    for kind, must in (
        ("konfirmasi", ["DITERIMA", "Disposisi: Tim segera rapat."]),
        ("ditolak", ["TIDAK DIPROSES", "untuk tahap 3", "• DISPOSISI: <arahan>"]),
    ):
        n = Notification(
            key=f"ADU/2026/11/0007|disposisi|{kind}|x|pimpinan",
            kind=kind,
            ticket="ADU/2026/11/0007",
            step_id="disposisi",
            to_roles=("pimpinan",),
            context={**sample_context(kind, now), **extra},
        )
        msg = compose(n, ["kalak@bpbd.example.go.id"], compose_cfg(s), show_identity=show)
        text = msg.get_body(("plain",)).get_content()
        for m in must:
            assert m in text
        assert str(msg["Reply-To"]) == extra["reply_to"]
        assert "ADU/2026/11/0007" in str(msg["Subject"])


def test_intake_exposes_recipients_and_authentication_results():
    from aduan.inbox.parse import parse_message

    raw = (
        b"From: Kalak <kalak@bpbd.go.id>\r\n"
        b"To: Layanan Aduan <aduan+abcdefghijklmnop@bpbd.go.id>, b@bpbd.go.id\r\n"
        b"Cc: C@Bpbd.go.id\r\nDelivered-To: aduan@bpbd.go.id\r\n"
        b"Authentication-Results: mx.bpbd.go.id;\r\n\tdkim=fail header.d=bpbd.go.id;\r\n"
        b"\tspf=pass smtp.mailfrom=bpbd.go.id\r\n"
        b"Authentication-Results: relay.example; dmarc=pass\r\n"
        b"Subject: Re: tugas\r\n\r\nDISPOSISI: rapat\r\n"
    )
    m = parse_message(raw)
    assert m.recipients == [
        "aduan+abcdefghijklmnop@bpbd.go.id",
        "b@bpbd.go.id",
        "c@bpbd.go.id",
        "aduan@bpbd.go.id",
    ]
    assert m.auth_results == (
        "mx.bpbd.go.id; dkim=fail header.d=bpbd.go.id; spf=pass smtp.mailfrom=bpbd.go.id\n"
        "relay.example; dmarc=pass"
    )
    assert find_tokens(m, "aduan@bpbd.go.id") == ["abcdefghijklmnop"]
    assert auth_failures(m.auth_results, "bpbd.go.id") == ["dkim=fail (header.d=bpbd.go.id)"]
