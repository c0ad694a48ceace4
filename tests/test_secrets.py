"""Secrets never leak: not to the terminal (even with --verbose, even on failure),
not to the register or Riwayat, not to emails, documents, the spool or any other file.

Recognisable values are configured the supported ways (environment variable,
file outside the settings): an IMAP password, an SMTP password, the reply-token
HMAC key, and a Google service-account key (file and environment variable).
Every command then runs with --verbose against local servers that make it fail
in the interesting places: an IMAP port nobody listens on, a real SMTP server
that refuses the password, a token endpoint on a closed port.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import openpyxl
import pytest
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from aduan.config import load_settings
from aduan.core.layout import REGISTER_TAB, C, build_layout
from aduan.run.wiring import open_register
from tests.conftest import settings_dict
from tests.fixtures_smtp import free_port

IMAP_PW = "imapRAHASIA-4b1e9c"
SMTP_PW = "smtpRAHASIA-77d0aa"
REPLY_KEY = "replyRAHASIA-0c2f5d3e9a"
SA_KEY_ID = "sakeyidRAHASIA-9f8e7d6c5b4a"
NOW = "2026-11-24T09:10"


def _service_account(token_port: int) -> tuple[dict, str]:
    """A real (throw-away) service-account key and one line of its private key."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    info = {
        "type": "service_account",
        "project_id": "aduan-uji",
        "private_key_id": SA_KEY_ID,
        "private_key": pem,
        "client_email": "aduan-uji@aduan-uji.iam.gserviceaccount.com",
        "client_id": "1234567890",
        "token_uri": f"http://127.0.0.1:{token_port}/token",  # closed: the token fetch fails
    }
    return info, pem.splitlines()[5]


@pytest.fixture
def world(tmp_path, smtp_server):
    """Three offices sharing the secrets: xlsx + IMAP + SMTP, Google (key file), Google (env)."""
    secrets = tmp_path / "rahasia"  # outside every office folder, as the guide says
    secrets.mkdir()
    (secrets / "smtp.txt").write_text(SMTP_PW + "\n")
    info, pem_line = _service_account(free_port())
    (secrets / "sa.json").write_text(json.dumps(info))
    smtp_server.password = "kata-sandi-lain"  # the server refuses ours: an auth failure path
    common = {
        "inbox": {
            "type": "imap",
            "host": "127.0.0.1",
            "port": free_port(),
            "security": "plain",
            "user": "aduan@blitar.example.go.id",
            "password_env": "ADUAN_UJI_IMAP",
            "timeout_s": 2,
        },
        "mail": {
            "type": "smtp",
            "host": "127.0.0.1",
            "port": smtp_server.port,
            "security": "plain",
            "user": smtp_server.user,
            "password_file": str(secrets / "smtp.txt"),
            "timeout_s": 5,
        },
        "replies": {"enabled": True, "key_env": "ADUAN_UJI_REPLY"},
    }
    offices = {}
    for name, register in (
        ("xlsx", None),
        ("google-file", {"credentials_file": str(secrets / "sa.json")}),
        ("google-env", {"credentials_env": "ADUAN_UJI_SA"}),
    ):
        root = tmp_path / name
        root.mkdir()
        data = settings_dict(root, "blitar", **common)
        if register:
            data["register"] = {
                "type": "google",
                "spreadsheet_id": "1UjiSpreadsheetTanpaRahasia",
                "timeout_s": 2,
                "retries": 1,
                **register,
            }
        (root / "settings.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))
        offices[name] = root
    env = {
        **os.environ,
        "ADUAN_UJI_IMAP": IMAP_PW,
        "ADUAN_UJI_REPLY": REPLY_KEY,
        "ADUAN_UJI_SA": json.dumps(info),
    }
    return offices, env, [IMAP_PW, SMTP_PW, REPLY_KEY, SA_KEY_ID, pem_line], secrets


def _aduan(root: Path, env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "aduan.cli",
            "--verbose",
            "--config",
            str(root / "settings.yaml"),
            *args,
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def _type_complaint(root: Path) -> None:
    """The officer types a walk-in complaint (the IMAP inbox is down), already judged."""
    s = load_settings(root / "settings.yaml")
    reg = open_register(s, build_layout(s.load_sop(), s.categories))
    try:
        reg.init()
    finally:
        reg.close()
    wb = openpyxl.load_workbook(root / "register.xlsx")
    ws = wb[REGISTER_TAB]
    col = {c.value: c.column for c in ws[1]}
    for k, v in (
        (C.CHANNEL, "Datang Langsung"),
        (C.NAME, "Ibu Sumiati"),
        (C.CONTACT, "sumiati@contoh.id"),
        (C.SUBJECT, "Bantuan PKH belum diterima"),
        (C.TEXT, "Sudah tiga bulan bantuan belum diterima."),
        ("Kewenangan", "Kewenangan Dinas"),
    ):
        ws.cell(2, col[k]).value = v
    wb.save(root / "register.xlsx")


def _texts(root: Path, skip: Path) -> dict[str, str]:
    """Every file under ``root`` as text; zip containers (xlsx, docx) member by member."""
    out = {}
    for p in root.rglob("*"):
        if not p.is_file() or p.is_relative_to(skip):
            continue
        data = p.read_bytes()
        if zipfile.is_zipfile(p):
            with zipfile.ZipFile(p) as z:
                for n in z.namelist():
                    out[f"{p}!{n}"] = z.read(n).decode("utf-8", "replace")
        else:
            out[str(p)] = data.decode("utf-8", "replace")
    return out


def test_no_secret_anywhere(world):
    offices, env, secrets, secret_dir = world
    xlsx = offices["xlsx"]
    _type_complaint(xlsx)
    outputs: list[tuple[str, subprocess.CompletedProcess]] = []

    def chain_xlsx():  # one after the other: they share the lock
        for args in (
            ("run", "--now", NOW),
            ("recap", "--month", "2026-11", "--send", "--now", NOW),
        ):
            outputs.append((f"xlsx {args[0]}", _aduan(xlsx, env, *args)))

    def one(name: str, args: tuple[str, ...]):
        outputs.append((f"{name} {args[0]}", _aduan(offices[name], env, *args)))

    with ThreadPoolExecutor(4) as pool:
        jobs = [pool.submit(chain_xlsx)]
        jobs += [
            pool.submit(one, name, args)
            for name, args in (
                ("xlsx", ("check",)),  # takes no lock
                ("google-file", ("run", "--now", NOW)),
                ("google-file", ("check",)),
                ("google-env", ("init",)),
            )
        ]
        for j in jobs:
            j.result()

    by = dict(outputs)
    # the failure paths really ran: IMAP down, SMTP login refused, Google token refused
    assert by["xlsx run"].returncode == 1, by["xlsx run"].stderr[-2000:]
    assert "kotak masuk" in by["xlsx run"].stderr
    assert "535" in by["xlsx run"].stderr or "535" in by["xlsx run"].stdout
    assert by["xlsx check"].returncode != 0
    for label in ("google-file run", "google-env init"):
        assert by[label].returncode == 4, by[label].stderr[-2000:]
        assert "Google menolak kunci akun layanan" in by[label].stderr
    # the run did its work: a ticket, Riwayat, a document
    texts = _texts(xlsx.parent, skip=secret_dir)
    assert any("ADU/2026/11/0001" in t for k, t in texts.items() if "register.xlsx!" in k)
    assert any(k.endswith(".docx!word/document.xml") for k in texts)

    for label, r in outputs:
        for s in secrets:
            assert s not in r.stdout and s not in r.stderr, f"{label} printed a secret"
    for where, text in texts.items():
        for s in secrets:
            assert s not in text, f"{where} holds a secret"
