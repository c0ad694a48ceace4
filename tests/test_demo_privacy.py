"""Issue 16: the demo month, read as the protected roles read it. Every email to a role
that may not see identity (headers, body, every attachment) and every stored team
document under dokumen/ is scanned for each confidential complainant's name (the full
name, and its words for a personal name), email address and phone number in any
notation."""

from __future__ import annotations

import email
import email.policy
import re
from pathlib import Path

import pytest

from aduan.config.load import load_settings
from aduan.core.layout import C
from aduan.core.privacy import identity_roles
from aduan.demo.run import run_demo
from aduan.mail.identity import file_text
from tests.test_cycle import rows

TEAM_DOCS = ("lembar_disposisi", "rencana", "laporan", "hasil_keputusan")
_GENERIC = {"warga", "ketua", "rt", "rw", "pelapor", "masyarakat"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    run_demo(out, echo=lambda *a, **k: None)
    return out


def _needles(row: dict[str, str]) -> list[str]:
    name = " ".join(row[C.NAME].split()).casefold()
    out = []
    if name and name.split()[0] not in _GENERIC:
        out += [name, *(w for w in name.split() if len(w) > 2)]
    contact = row[C.CONTACT].strip().casefold()
    if "@" in contact:
        out.append(contact)
    digits = re.sub(r"\D", "", contact)
    if len(digits) >= 8:  # the national number, whether written 08…, +62 8… or 628…
        out.append(digits.removeprefix("62").removeprefix("0"))
    return out


def _found(text: str, needles: list[str]) -> list[str]:
    low = " ".join(text.split()).casefold()
    flat = re.sub(r"(?<=\d)[\s\-.()/]+(?=\d)", "", low)
    return [n for n in needles if re.search(rf"(?<![\w@.]){re.escape(n)}(?![\w])", flat)]


def _mail_text(m: email.message.EmailMessage) -> str:
    parts = [f"{k}: {v}" for k, v in m.items()]
    for p in m.walk():
        if p.is_multipart():
            continue
        data = p.get_payload(decode=True) or b""
        parts.append(p.get_filename() or "")
        parts.append(file_text(data) if p.get_filename() else data.decode("utf-8", "replace"))
    return "\n".join(parts)


@pytest.mark.parametrize("office", ["bpbd-karanganyar", "dinsos-blitar"])
def test_the_protected_roles_never_see_a_confidential_complainant(demo, office):
    root = demo / office
    s = load_settings(root / "settings.yaml")
    sop = s.load_sop()
    seeing = identity_roles(sop, s.identity_roles)
    allowed = {a.lower() for r, addrs in s.roles.items() if r in seeing for a in addrs}
    secret = [r for r in rows(root / "register.xlsx") if r.get(C.CONFIDENTIAL) == "Ya"]
    assert any(" " in r[C.NAME] and r[C.NAME].split()[0].lower() not in _GENERIC for r in secret)
    needles = {r[C.TICKET]: _needles(r) for r in secret}
    staff = {a.lower() for addrs in s.roles.values() for a in addrs}
    staff |= {str(a.email).lower() for a in s.agencies if a.email}
    mails = docs = 0
    for eml in sorted((root / "outbox").glob("*.eml")):
        m = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
        to = {a.strip().lower() for a in str(m["To"] or "").split(",")}
        to = {re.sub(r".*<|>.*", "", a) for a in to}
        if not to or to & allowed or not to <= staff:
            continue  # a citizen's own mail, or one the petugas / head may read
        text = _mail_text(m)
        mails += 1
        for ticket, ns in needles.items():
            # a name's single words only in its own ticket's mail (others share a "Dewi")
            ns = (
                ns
                if m["X-Aduan-Ticket"] == ticket
                else [n for n in ns if " " in n or not n.isalpha()]
            )
            assert _found(text, ns) == [], (eml.name, ticket, _found(text, ns))
    for p in sorted((root / "dokumen").rglob("*.docx")):
        if not any(k in p.name for k in TEAM_DOCS):
            continue
        text = file_text(p.read_bytes())
        docs += 1
        for ticket, ns in needles.items():
            ns = (
                ns
                if ticket.replace("/", "-") in str(p)
                else [n for n in ns if " " in n or not n.isalpha()]
            )
            assert _found(text, ns) == [], (p, ticket, _found(text, ns))
    print(f"{office}: {len(secret)} rahasia, {mails} email diperiksa, {docs} dokumen diperiksa")
    assert mails > 0 and docs > 0


def test_the_hand_off_went_through_the_fleet_on_one_clock(demo):
    """Issue 19: in the same month, BPBD's pothole complaint was handed to Dinas PUPR by
    the fleet's courier, registered and closed there, and BPBD's register shows that
    outcome; each mail between the offices was delivered once."""
    bpbd = rows(demo / "bpbd-karanganyar" / "register.xlsx")
    dpupr = rows(demo / "dpupr-karanganyar" / "register.xlsx")
    sent = next(r for r in bpbd if r[C.SUBJECT] == "Jalan kabupaten berlubang di Karangpandan")
    [got] = [r for r in dpupr if r[C.CHANNEL].startswith("Penyaluran dari")]
    assert got[C.CHANNEL] == "Penyaluran dari BPBD Kab. Karanganyar"
    assert got[C.STATUS] == "Selesai" and sent[C.TICKET] in got[C.NOTE]
    assert f"{got[C.TICKET]} — Selesai (ditindaklanjuti)" in sent[C.STEP], sent[C.STEP]
    carried = {
        office: sorted((demo / office / "maildir").rglob("*.kurir*"))
        for office in ("bpbd-karanganyar", "dpupr-karanganyar", "dinsos-blitar")
    }
    assert [len(v) for v in carried.values()] == [2, 1, 0], carried  # two statuses, one hand-off
