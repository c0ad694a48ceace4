"""Live test of one office end to end (issue 18 part 6; imapclient's livetest pattern):
a real inbox (IMAP), real SMTP, a scratch Google spreadsheet and a scratch Drive folder.

Needs ``tests/live/live.ini`` (or ``ADUAN_LIVE_INI``) as in ``live-sample.ini``; each test
skips naming the section and keys it lacks. What it does:

* the citizen's mailbox sends a complaint by SMTP to the office inbox; one ``run_cycle``
  (IMAP inbox, Sheets register, SMTP); staff answer it in the scratch sheet; a second
  cycle; the acknowledgement (and the answer) are found in the citizen's mailbox;
* the deep probe of ``aduan check --deep`` on the scratch spreadsheet;
* a document uploaded by :class:`aduan.google.drive.Drive` into a scratch folder.

Everything it made is deleted at the end (the spreadsheet, the Drive folder and files,
the test mails in both mailboxes), also when a step fails. Real servers deliver mail
when they do, so waiting here is a bounded poll, not a fixed sleep."""

from __future__ import annotations

import configparser
import secrets
import smtplib
import ssl
import time
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any

import pytest

from aduan.core.layout import REGISTER_TAB, C
from tests.live.test_live_google import _config, scratch  # noqa: F401 (fixture)

WAIT_S = 180  # how long a real server may take to deliver a mail


def section(cfg: configparser.ConfigParser, name: str, keys: tuple[str, ...]) -> dict:
    """A section of the ini with ``keys`` set, or skip saying exactly what to set."""
    got = dict(cfg[name]) if cfg.has_section(name) else {}
    missing = [k for k in keys if not got.get(k)]
    if missing:
        pytest.skip(f"live.ini: set [{name}] {', '.join(missing)} (see live-sample.ini)")
    return got


MAILBOX_KEYS = ("address", "imap_host", "smtp_host", "user", "password")


def imap(box: dict) -> Any:
    from imapclient import IMAPClient

    port = int(box.get("imap_port") or 993)
    c = IMAPClient(box["imap_host"], port=port, ssl=box.get("imap_security", "ssl") == "ssl")
    if box.get("imap_security") == "starttls":
        c.starttls(ssl.create_default_context())
    c.login(box["user"], box["password"])
    return c


def send(box: dict, msg: EmailMessage) -> None:
    port = int(box.get("smtp_port") or 465)
    sec = box.get("smtp_security", "ssl")
    cls = smtplib.SMTP_SSL if sec == "ssl" else smtplib.SMTP
    with cls(box["smtp_host"], port, timeout=60) as s:
        if sec == "starttls":
            s.starttls(context=ssl.create_default_context())
        s.login(box["user"], box["password"])
        s.send_message(msg)


def wait_for(what: str, probe: Callable[[], Any]) -> Any:
    """Poll a real server until ``probe`` answers something, at most WAIT_S."""
    end = time.monotonic() + WAIT_S
    while True:
        got = probe()
        if got:
            return got
        if time.monotonic() > end:
            pytest.fail(f"{what}: nothing after {WAIT_S} s")
        time.sleep(5)


def subjects(box: dict, text: str) -> list[str]:
    """Subjects of the INBOX messages whose subject holds ``text``."""
    c = imap(box)
    try:
        c.select_folder("INBOX")
        ids = c.search(["SUBJECT", text])
        got = c.fetch(ids, ["ENVELOPE"]) if ids else {}
        return [(m[b"ENVELOPE"].subject or b"").decode(errors="replace") for m in got.values()]
    finally:
        c.logout()


def delete_mail(box: dict, texts: list[str]) -> None:
    """Delete the INBOX messages whose subject holds one of ``texts``."""
    c = imap(box)
    try:
        c.select_folder("INBOX")
        for t in texts:
            ids = c.search(["SUBJECT", t])
            if ids:
                c.delete_messages(ids)
        c.expunge()
    finally:
        c.logout()


@pytest.fixture
def office(request, make_settings, monkeypatch):
    """Settings of one office on the live inbox, SMTP and the scratch spreadsheet."""
    cfg = _config()
    g = section(cfg, "google", ("credentials_file",))
    box = section(cfg, "office", MAILBOX_KEYS)
    citizen = section(cfg, "complainant", MAILBOX_KEYS)
    gc, sh = request.getfixturevalue("scratch")  # made only once the ini is complete
    monkeypatch.setenv("ADUAN_LIVE_PASSWORD", box["password"])
    staff = box.get("staff_address") or box["address"]  # task mails: Auto-Submitted, ignored
    settings = make_settings(
        "bpbd",
        inbox={
            "type": "imap",
            "host": box["imap_host"],
            "port": int(box.get("imap_port") or 993),
            "security": box.get("imap_security", "ssl"),
            "user": box["user"],
            "password_env": "ADUAN_LIVE_PASSWORD",
        },
        register={
            "type": "google",
            "spreadsheet_id": sh.id,
            "credentials_file": g["credentials_file"],
        },
        mail={
            "type": "smtp",
            "host": box["smtp_host"],
            "port": int(box.get("smtp_port") or 465),
            "security": box.get("smtp_security", "ssl"),
            "user": box["user"],
            "password_env": "ADUAN_LIVE_PASSWORD",
        },
        mail_identity={"from_address": box["address"], "from_name": "Aduan (uji langsung)"},
        roles={"petugas": [staff], "tim": [staff], "pimpinan": [staff]},
    )
    return settings, gc, sh, box, citizen


def test_an_email_complaint_through_two_cycles(office):
    from aduan.run.cycle import run_cycle
    from aduan.run.wiring import open_register

    settings, gc, sh, box, citizen = office
    token = f"UJI-{secrets.token_hex(4)}"
    made: list[str] = [token]
    reg = open_register(settings, _layout(settings))
    try:
        assert reg.init(), "aduan init on the scratch spreadsheet"
    finally:
        reg.close()
    try:
        msg = EmailMessage()
        msg["From"] = citizen["address"]
        msg["To"] = box["address"]
        msg["Subject"] = f"Jalan berlubang di depan balai desa ({token})"
        msg["Message-ID"] = make_msgid(domain=citizen["address"].split("@")[1])
        msg.set_content(
            "Selamat pagi,\n\nJalan di depan balai desa berlubang dan membahayakan.\n\n"
            "Salam,\nWarga Uji\n"
        )
        send(citizen, msg)
        wait_for("the complaint in the office inbox", lambda: subjects(box, token))

        rep = run_cycle(settings)
        assert not rep.problems, rep.problems
        ws = sh.worksheet(REGISTER_TAB)
        heads = ws.row_values(1)
        rows = ws.get_all_values()[1:]
        (row,) = [r for r in rows if token in r[heads.index(C.SUBJECT)]]
        ticket = row[heads.index(C.TICKET)]
        assert ticket, "the first cycle numbers the complaint"
        made.append(ticket)

        # staff answer it directly in the sheet (BPBD step 2: TANGGAPI)
        r = rows.index(row) + 2
        for name, value in (
            ("Perlu Tindak Lanjut", "Tidak"),
            ("Tanggapan", "Terima kasih, tim kami memperbaiki jalan itu minggu ini (uji)."),
        ):
            ws.update_cell(r, heads.index(name) + 1, value)
        rep = run_cycle(settings)
        assert not rep.problems, rep.problems
        reg = open_register(settings, _layout(settings))
        try:
            (done,) = [x for x in reg.read().rows if x.values[C.TICKET] == ticket]
        finally:
            reg.close()
        assert done.values[C.STATUS].startswith("Selesai"), done.values[C.STATUS]

        got = wait_for(
            "the acknowledgement in the citizen's mailbox", lambda: subjects(citizen, ticket)
        )
        # the acknowledgement goes at once; the answer may wait for office hours
        print(f"live test: the citizen received {got}")
        assert got, "the acknowledgement names the ticket in its subject"
    finally:
        for mailbox in (box, citizen):
            try:
                delete_mail(mailbox, made)
            except Exception as e:  # cleanup reports, it must not hide the test's failure
                print(f"live test: could not delete test mails in {mailbox['address']}: {e}")


def _layout(settings):
    from aduan.core.layout import build_layout

    return build_layout(settings.load_sop(), settings.categories, settings.service.kind_names())


def test_deep_probe_on_the_scratch_spreadsheet(scratch):  # noqa: F811
    """`aduan check --deep` on a real sheet: prints Google's answers, incl. item 8."""
    from aduan.config.sections import GoogleRegister
    from aduan.config.sopfile import load_sop
    from aduan.core.layout import build_layout
    from aduan.register.sheets import SheetsRegister

    gc, sh = scratch
    repo = Path(__file__).resolve().parents[2]
    layout = build_layout(load_sop(repo / "config/sop/bpbd-karanganyar.yaml"), ["Lainnya"])
    reg = SheetsRegister(GoogleRegister(spreadsheet_id=sh.id), layout, client=gc)
    out = reg.probe()
    for ok, line in out:
        print(f"[{'OK' if ok else 'GAGAL'}] {line}")
    assert out[-1][0], "the scratch tab is deleted"
    assert all(not w.title.startswith("_aduan_uji_") for w in sh.worksheets())
    assert all(ok for ok, _ in out), out


@pytest.fixture
def drive_folder() -> Iterator[tuple[Any, str, dict]]:
    """A scratch folder inside [google] scratch_folder_id, deleted with its content."""
    from google.auth.transport.requests import AuthorizedSession
    from google.oauth2 import service_account

    cfg = _config()
    g = section(cfg, "google", ("credentials_file", "scratch_folder_id"))
    creds = service_account.Credentials.from_service_account_file(
        g["credentials_file"], scopes=["https://www.googleapis.com/auth/drive"]
    )
    http = AuthorizedSession(creds)
    api = "https://www.googleapis.com/drive/v3/files"
    r = http.post(
        api,
        params={"supportsAllDrives": "true", "fields": "id"},
        json={
            "name": f"aduan-livetest-{secrets.token_hex(3)} (boleh dihapus)",
            "mimeType": "application/vnd.google-apps.folder",
            "parents": [g["scratch_folder_id"]],
        },
    )
    r.raise_for_status()
    folder = r.json()["id"]
    try:
        yield http, folder, g
    finally:
        # children first: a Shared Drive may refuse a folder delete that would cascade
        q = {"q": f"'{folder}' in parents", "fields": "files(id,mimeType)"}
        q |= {"supportsAllDrives": "true", "includeItemsFromAllDrives": "true"}
        for f in http.get(api, params=q).json().get("files", []):
            sub = {**q, "q": f"'{f['id']}' in parents"}
            for c in http.get(api, params=sub).json().get("files", []):
                http.delete(f"{api}/{c['id']}", params={"supportsAllDrives": "true"})
            http.delete(f"{api}/{f['id']}", params={"supportsAllDrives": "true"})
        r = http.delete(f"{api}/{folder}", params={"supportsAllDrives": "true"})
        assert r.status_code in (200, 204), f"scratch Drive folder {folder} left: {r.text}"
        http.close()


def test_a_document_uploaded_to_drive(drive_folder, make_settings, tmp_path):
    from aduan.run.wiring import drive_for

    http, folder, g = drive_folder
    shared = g.get("shared_drive", "no").lower() in ("1", "yes", "true", "ya")
    s = make_settings(
        "bpbd",
        google={
            "key_file": g["credentials_file"],
            "drive_folder_id": folder,
            "shared_drive": shared,
        },
    )
    doc = s.path(s.paths.documents) / "2026" / "ADU-2026-11-0001" / "uji.txt"
    doc.parent.mkdir(parents=True)
    doc.write_text("Dokumen uji Aduan (boleh dihapus).\n", encoding="utf-8")
    drive = drive_for(s)
    try:
        res = drive.sync()
        assert res.created == 1 and not res.problems, res.problems
        links, folders = drive.links()
        assert set(links) == {"2026/ADU-2026-11-0001/uji.txt"}
        assert drive.sync().created == 0, "a second sync uploads nothing"
    finally:
        drive.close()
    q = {"q": f"'{folder}' in parents", "supportsAllDrives": "true"}
    q["includeItemsFromAllDrives"] = "true"
    got = http.get("https://www.googleapis.com/drive/v3/files", params=q).json()
    assert [f["name"] for f in got.get("files", [])] == ["ADU-2026-11-0001"]
