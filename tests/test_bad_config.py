"""Bad configuration: one line on stderr naming the file, the key and the fix;
exit code 2; no traceback. A table of broken settings and SOP files, each run
through the real CLI (``aduan --config X run``) in-process with Click's runner,
and one through a real subprocess to prove the installed command behaves the same.
"""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from aduan.cli import cli
from tests.conftest import REPO, settings_dict

SOP_FILE = REPO / "config/sop/dinsos-blitar.yaml"
NOW = "2026-11-24T09:10"


def _sop() -> dict:
    return yaml.safe_load(SOP_FILE.read_text(encoding="utf-8"))


def _step(sop: dict, step_id: str) -> dict:
    return next(s for s in sop["steps"] if s["id"] == step_id)


# ----------------------------------------------------------- the broken files
# Each case edits (settings dict, SOP dict, root folder) in place; the expected
# words are what the one line must contain: the file, the key, and the fix.
def _drop(key: str) -> Callable:
    def fn(s, sop, root):
        s.pop(key)

    return fn


def _set(path: str, value) -> Callable:
    def fn(s, sop, root):
        *head, last = path.split(".")
        d = s
        for k in head:
            d = d.setdefault(k, {})
        d[last] = value

    return fn


def _sop_edit(fn: Callable) -> Callable:
    def edit(s, sop, root):
        fn(sop)

    return edit


def _dead_end(sop):
    _step(sop, "lapor_kadis")["transitions"] = []


def _unreachable(sop):
    sop["steps"].insert(
        2,
        {
            "id": "arsip",
            "number": 9,
            "label": "Mengarsipkan",
            "role": "petugas",
            "standard_minutes": 5,
            "output": "Arsip",
            "transitions": [{"when": {"column": "Catatan"}, "to": "disposisi"}],
        },
    )


def _unknown_column(sop):
    _step(sop, "disposisi")["transitions"][0]["when"] = {"column": "Disposisi Kadis"}


def _unknown_role_in_sop(sop):
    _step(sop, "pembahasan")["role"] = "bendahara"


def _unknown_target(sop):
    _step(sop, "pembahasan")["transitions"][0]["to"] = "rapat_pleno"


def _unknown_document(sop):
    _step(sop, "pembahasan")["transitions"][0]["documents"] = ["notulen_rapat"]


def _missing_template(s, sop, root):
    tpl = root / "templat"
    tpl.mkdir()
    for p in (REPO / "templates").glob("*.docx"):
        if p.name != "berita_acara.docx":
            (tpl / p.name).write_bytes(p.read_bytes())
    s["templates"] = str(tpl)


def _unreadable_key(s, sop, root):
    s["register"] = {
        "type": "google",
        "spreadsheet_id": "1Uji",
        "credentials_file": str(root / "tidak-ada" / "sa.json"),
    }


def _unreadable_password(s, sop, root):
    # found when the first email is due: give the run a register and a complaint
    from email.message import EmailMessage

    from aduan.config import load_settings
    from aduan.core.layout import build_layout
    from aduan.run.wiring import open_register

    (root / "ok.yaml").write_text(yaml.safe_dump(s, allow_unicode=True))
    ok = load_settings(root / "ok.yaml")
    reg = open_register(ok, build_layout(ok.load_sop(), ok.categories))
    try:
        reg.init()
    finally:
        reg.close()
    for d in ("new", "cur", "tmp"):
        (root / "maildir" / d).mkdir(parents=True, exist_ok=True)
    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = "Warga <w@contoh.id>", "aduan@x.id", "Jalan rusak"
    m["Message-ID"] = "<sandi@contoh.id>"
    m.set_content("Jalan rusak.")
    (root / "maildir" / "new" / "sandi").write_bytes(m.as_bytes())
    s["mail"] = {
        "type": "smtp",
        "host": "127.0.0.1",
        "port": 2525,
        "user": "aduan@blitar.example.go.id",
        "password_file": str(root / "tidak-ada.txt"),
    }


def _bad_yaml(s, sop, root):
    s["__raw__"] = "office:\n  id: x\n name: salah indentasi\n"


def _bad_sop_yaml(s, sop, root):
    sop["__raw__"] = "steps:\n  - id: terima\n   number: 1\n"


CASES = {
    # id: (edit, words the single line must hold)
    "missing_key": (_drop("mail_identity"), ["settings.yaml", "mail_identity", "missing"]),
    "wrong_type": (
        _set("limits.attachment_mb", "banyak"),
        ["settings.yaml", "limits.attachment_mb"],
    ),
    "wrong_type_list": (_set("roles.petugas", "petugas@dinsos.example.go.id"), ["roles.petugas"]),
    "unknown_key": (
        _set("ofice_hours", {"senin": "08.00-16.00"}),
        ["settings.yaml", "ofice_hours", "typo"],
    ),
    "unknown_role": (
        _set("roles.bendahara", ["b@dinsos.example.go.id"]),
        ["settings.yaml", "roles", "bendahara"],
    ),
    "role_without_address": (_set("roles.kepala", []), ["settings.yaml", "roles", "kepala"]),
    "bad_time_zone": (_set("timezone", "WIBB"), ["settings.yaml", "timezone", "Asia/Jakarta"]),
    "bad_office_hours": (
        _set("office_hours", {"senin": "8-16"}),
        ["settings.yaml", "office_hours", "07.30-16.00"],
    ),
    "bad_email": (
        _set("mail_identity.from_address", "aduan-at-dinsos"),
        ["mail_identity.from_address"],
    ),
    "secret_in_settings": (
        _set("mail.password", "rahasia"),
        ["settings.yaml", "mail.password", "password_env"],
    ),
    "settings_not_yaml": (_bad_yaml, ["settings.yaml", "line", "indentation"]),
    "unreadable_key_file": (_unreadable_key, ["settings.yaml", "register", "sa.json"]),
    "unreadable_password_file": (
        _unreadable_password,
        ["settings.yaml", "mail.password", "tidak-ada.txt"],
    ),
    "template_missing": (_missing_template, ["berita_acara", "templates"]),
    "sop_not_yaml": (_bad_sop_yaml, ["sop.yaml", "line"]),
    "sop_dead_end": (_sop_edit(_dead_end), ["sop.yaml", "lapor_kadis", "transition"]),
    "sop_unreachable_step": (_sop_edit(_unreachable), ["sop.yaml", "arsip", "reach"]),
    "sop_unknown_column": (_sop_edit(_unknown_column), ["sop.yaml", "Disposisi Kadis", "columns"]),
    "sop_unknown_role": (_sop_edit(_unknown_role_in_sop), ["sop.yaml", "bendahara"]),
    "sop_unknown_target": (_sop_edit(_unknown_target), ["sop.yaml", "rapat_pleno"]),
    "sop_unknown_document": (_sop_edit(_unknown_document), ["notulen_rapat"]),
}


def _write(root: Path, edit: Callable) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    s = copy.deepcopy(settings_dict(root, "blitar"))  # it shares the seed office's dicts
    sop = copy.deepcopy(_sop())
    edit(s, sop, root)
    sop_path = root / "sop.yaml"
    sop_raw = sop.pop("__raw__", None)
    sop_path.write_text(sop_raw or yaml.safe_dump(sop, allow_unicode=True, sort_keys=False))
    s["sop"] = str(sop_path)
    raw = s.pop("__raw__", None)
    cfg = root / "settings.yaml"
    cfg.write_text(raw or yaml.safe_dump(s, allow_unicode=True, sort_keys=False))
    return cfg


@pytest.mark.parametrize("case", list(CASES))
def test_bad_config_one_line_exit_2(tmp_path, case):
    edit, words = CASES[case]
    cfg = _write(tmp_path / case, edit)
    r = CliRunner().invoke(cli, ["--config", str(cfg), "run", "--now", NOW])
    lines = r.stderr.strip().splitlines()
    assert r.exit_code == 2, (r.exit_code, r.stderr, r.exception)
    assert len(lines) == 1, lines
    line = lines[0]
    assert line.startswith("aduan: kesalahan konfigurasi: ")
    assert "Traceback" not in r.output + r.stderr
    assert " — " in line, f"no fix given: {line}"  # ConfigError puts the fix after a dash
    for w in words:
        assert w in line, f"{w!r} not in: {line}"


def test_real_command_same_line(tmp_path):
    cfg = _write(tmp_path / "tz", _set("timezone", "Mars/Olympus"))
    r = subprocess.run(
        [sys.executable, "-m", "aduan.cli", "--config", str(cfg), "check"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ},
    )
    assert r.returncode == 2
    assert r.stdout == ""
    assert r.stderr.count("\n") == 1 and "timezone" in r.stderr and "Traceback" not in r.stderr
