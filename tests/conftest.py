"""Shared fixtures. Real servers live in their own plugin modules:
``tests/fixtures_imap.py`` (Dovecot) and ``tests/fixtures_smtp.py`` (aiosmtpd)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import yaml

pytest_plugins = [
    "tests.fixtures_imap",
    "tests.fixtures_smtp",
    "tests.sheets_server",
    "tests.drive_fake",
]

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("ADUAN_SHARED", REPO.parent / "shared"))
CORPUS = SHARED / "corpus"


def require_corpus() -> Path:
    """The real-world email corpus from ../shared/corpus; fail under CI, else skip."""
    if not CORPUS.is_dir():
        msg = f"email corpus not found at {CORPUS} (set ADUAN_SHARED to the shared/ folder)"
        if os.environ.get("CI") == "true":
            pytest.fail(msg)
        pytest.skip(msg)
    return CORPUS


OFFICES = {
    "bpbd": {
        "office": {
            "id": "bpbd-karanganyar",
            "government": "PEMERINTAH KABUPATEN KARANGANYAR",
            "name": "BADAN PENANGGULANGAN BENCANA DAERAH",
            "short_name": "BPBD Kab. Karanganyar",
            "address": "Jl. Lawu No. 385, Karanganyar",
            "city": "Karanganyar",
            "head": {
                "name": "HENDRO PRAYITNO, SH.MM",
                "title": "Kepala Pelaksana BPBD",
                "rank": "Pembina Tk.I",
                "nip": "19760531 199503 1 001",
            },
        },
        "sop": str(REPO / "config/sop/bpbd-karanganyar.yaml"),
        "roles": {
            "petugas": ["petugas@bpbd.example.go.id"],
            "tim": ["tim@bpbd.example.go.id"],
            "pimpinan": ["kalak@bpbd.example.go.id"],
        },
    },
    "blitar": {
        "office": {
            "id": "dinsos-blitar",
            "government": "PEMERINTAH KOTA BLITAR",
            "name": "DINAS SOSIAL",
            "short_name": "Dinsos Kota Blitar",
            "address": "Jl. Ir. Soekarno No. 2, Blitar",
            "city": "Blitar",
            "head": {
                "name": "SAD SASMINTARTI, S.H.,M.M",
                "title": "Kepala Dinas Sosial",
                "rank": "Pembina Utama Muda",
                "nip": "196601191986022002",
            },
        },
        "sop": str(REPO / "config/sop/dinsos-blitar.yaml"),
        "roles": {
            "petugas": ["petugas@dinsos.example.go.id"],
            "tim": ["tim@dinsos.example.go.id"],
            "sekretaris": ["sekretaris@dinsos.example.go.id"],
            "kepala": ["kadis@dinsos.example.go.id"],
        },
    },
}


#: issue 16: the address book of agencies of every test office (settings ``agencies:``)
AGENCIES = [
    {
        "name": "Dinas PUPR Kota Blitar",
        "aliases": ["Dinas Pekerjaan Umum dan Penataan Ruang Kota Blitar"],
        "email": "pupr@blitarkota.example.go.id",
    },
    {
        "name": "Dinas PUPR Kab. Karanganyar",
        "aliases": ["DPUPR", "Dinas PUPR Kabupaten Karanganyar"],
        "email": "dpupr@karanganyarkab.example.go.id",
    },
]


def settings_dict(root: Path, name: str = "bpbd", **overrides) -> dict:
    """A complete settings mapping for one seed office, with every path under ``root``."""
    office = name
    o = OFFICES[office]
    data = {
        "office": o["office"],
        "sop": o["sop"],
        "timezone": "WIB",
        "roles": o["roles"],
        "inbox": {"type": "maildir", "path": str(root / "maildir")},
        "register": {"type": "xlsx", "path": str(root / "register.xlsx")},
        "mail": {"type": "file", "outbox": str(root / "outbox")},
        "mail_identity": {
            "from_address": f"aduan@{office}.example.go.id",
            "from_name": "Layanan Aduan",
        },
        "paths": {
            "documents": str(root / "dokumen"),
            "attachments": str(root / "lampiran"),
            "state": str(root / "state"),
        },
        "templates": str(REPO / "templates"),
        "base": str(root),
        # issue 16: the agencies the tests forward to have addresses, as the demo's do
        "agencies": AGENCIES,
    }
    data.update(overrides)
    return data


@pytest.fixture
def make_settings(tmp_path):
    """Write a settings file for a seed office and load it: ``make_settings('blitar')``."""
    from aduan.config import load_settings

    def make(name: str = "bpbd", root: Path | None = None, **overrides):
        r = root or tmp_path / name
        r.mkdir(parents=True, exist_ok=True)
        f = r / "settings.yaml"
        f.write_text(yaml.safe_dump(settings_dict(r, name, **overrides), allow_unicode=True))
        return load_settings(f)

    return make


# ---- issue 18: every request the local Google fakes received, judged by Google's description


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # type: ignore[no-untyped-def]
    """Report how many Google requests were checked against the discovery documents."""
    from tests import google_schema

    log = google_schema.LOG
    if log.checked:
        terminalreporter.write_line(
            f"google_schema: {log.checked} Sheets/Drive requests checked against "
            f"sheets.v4.json/drive.v3.json, {len(log.open)} violation(s) unclaimed"
        )
    seen: set[str] = set()
    for v in log.open:
        line = re.sub(r"\[\d+\]", "[i]", str(v))  # one line per kind of breach
        if line not in seen:
            seen.add(line)
            terminalreporter.write_line(f"google_schema: {line}", red=True)


def pytest_sessionfinish(session, exitstatus):  # type: ignore[no-untyped-def]
    """A schema error or deprecated field left unclaimed fails the whole run."""
    from tests import google_schema

    if google_schema.LOG.open and session.exitstatus == 0:
        session.exitstatus = 1
