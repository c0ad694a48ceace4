"""Documents on Drive, against the local fake Drive (tests/drive_fake.py): uploads
counted per request, a steady cycle at zero requests, the same Drive file for a
changed document, the service-account quota error, a folder not shared, an outage,
a lost manifest; the Dokumen cell's links (pure, literal inputs); and both SOPs
end to end through ``run_cycle`` with documents uploaded and linked."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from pathlib import Path

import pytest

from aduan.core.layout import REGISTER_TAB, C, build_layout
from aduan.core.model import Row, RowUpdate, Snapshot, WriteSet
from aduan.core.state import RowState
from aduan.google import auth as gauth
from aduan.google.drive import MULTIPART_MAX, Drive
from aduan.google.links import document_cell, link_documents
from aduan.run.cycle import run_cycle
from aduan.run.wiring import drive_for as open_drive_for
from aduan.run.wiring import google_account
from tests.drive_fake import FOLDER, DriveServer
from tests.test_e2e_sheets import MON, SheetsOffice, XlsxOffice, complaint, deliver

USER = "bpbd.kab@gmail.com"
SA = "aduan@kantor-123.iam.gserviceaccount.com"
URL = "https://drive.google.com/file/d/"


@pytest.fixture
def fake():
    with DriveServer() as server:
        yield server
    assert not server.errors, server.errors


@pytest.fixture
def office(make_settings, fake, tmp_path):
    """Settings for the oauth_user mode with a folder in the office's My Drive."""

    def make(name: str = "bpbd", mode: str = "oauth_user", register=None, **google):
        secrets = tmp_path / "rahasia"
        secrets.mkdir(exist_ok=True)
        (secrets / "token.json").write_text(json.dumps(fake.user_token(USER)))
        (secrets / "token.json").chmod(0o600)
        (secrets / "sa.json").write_text(json.dumps(fake.service_account(SA)))
        root = google.pop("root", None) or fake.create_folder("Aduan BPBD", owner=USER)
        g = {
            "auth": mode,
            "token_file": str(secrets / "token.json"),
            "key_file": str(secrets / "sa.json"),
            "drive_folder_id": root,
            **google,
        }
        extra = {"register": register} if register else {}
        return make_settings(name, google=g, **extra)

    return make


def drive_for(s, fake) -> Drive:
    creds = gauth.credentials(google_account(s), token_uri=fake.token_uri)
    return open_drive_for(s, api_base=fake.base_url, credentials=creds, backoff_s=0)


def put(s, rel: str, data: bytes, kind: str = "documents"):
    p = s.path(getattr(s.paths, kind)) / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data)
    return p


def sync(s, fake):
    d = drive_for(s, fake)
    try:
        return d.sync(), d.links()
    finally:
        d.close()


# ------------------------------------------------------------------ pure parts
def test_document_cell_literal():
    docs = ["2026/ADU-2026-11-0001/03-lembar_disposisi.docx", "2026/ADU-2026-11-0001/05-x.docx"]
    links = {docs[0]: URL + "abcDEF_123-/view"}
    assert document_cell(docs, {}) == "\n".join(docs)  # without Drive: the engine's text
    assert document_cell(docs, links, "https://drive.google.com/drive/folders/F1") == (
        "Lembar Disposisi: https://drive.google.com/file/d/abcDEF_123-/view\n"
        "2026/ADU-2026-11-0001/05-x.docx\n"
        "Folder Drive (dokumen & lampiran): https://drive.google.com/drive/folders/F1"
    )


def _state(docs: list[str]) -> str:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    t = datetime(2026, 11, 2, 8, 0, tzinfo=ZoneInfo("Asia/Jakarta"))
    return RowState(step="s2", since=t, deadline=None, received=t, docs=docs).dumps()


def test_link_documents_writes_once_then_nothing():
    doc = "2026/ADU-2026-11-0001/01-formulir_aduan.docx"
    links = {doc: URL + "F111111/view"}
    folders = {"ADU-2026-11-0001": "https://drive.google.com/drive/folders/D1"}
    linked = document_cell([doc], links, folders["ADU-2026-11-0001"])
    st = _state([doc])
    row = {C.TICKET: "ADU/2026/11/0001", C.STATE: st, C.DOCUMENTS: doc}
    # 1. the engine left the row alone (paths already there): links arrive -> one update
    snap = Snapshot(headers=list(row), rows=[Row(0, dict(row))])
    ws = WriteSet()
    assert link_documents(snap, ws, links, folders) == (1, 0)
    assert ws.updates[0].ticket == "ADU/2026/11/0001"
    assert ws.updates[0].values == {C.DOCUMENTS: linked}
    # 2. steady: the cell holds the links; the engine wants its paths back -> dropped
    row[C.DOCUMENTS] = linked
    snap = Snapshot(headers=list(row), rows=[Row(0, dict(row))])
    ws = WriteSet(updates=[RowUpdate(values={C.DOCUMENTS: doc}, ticket="ADU/2026/11/0001")])
    assert link_documents(snap, ws, links, folders) == (0, 1) and ws.updates == []
    # 3. a state change keeps the other values, the Dokumen cell is left as it is
    ws = WriteSet(
        updates=[RowUpdate(values={C.DOCUMENTS: doc, C.STATUS: "Selesai"}, ticket=row[C.TICKET])]
    )
    link_documents(snap, ws, links, folders)
    assert ws.updates[0].values == {C.STATUS: "Selesai"}
    # 4. a new row (append) gets its links in the same write
    ws = WriteSet(appends=[{C.TICKET: "ADU/2026/11/0001", C.STATE: st, C.DOCUMENTS: doc}])
    link_documents(Snapshot(headers=[], rows=[]), ws, links, folders)
    assert ws.appends[0][C.DOCUMENTS] == linked


def test_link_documents_leaves_unreadable_state_alone():
    row = {C.TICKET: "ADU/2026/11/0009", C.STATE: "rusak", C.DOCUMENTS: "ketikan staf"}
    ws = WriteSet()
    link_documents(Snapshot(headers=list(row), rows=[Row(0, row)]), ws, {}, {})
    assert ws.updates == []


# --------------------------------------------------------------- uploads
def test_upload_once_then_zero_requests_then_same_file(office, fake):
    s = office()
    put(s, "2026/ADU-2026-11-0001/01-formulir_aduan.docx", b"PK\x03\x04 versi 1")
    put(s, "2026/ADU-2026-11-0001/03-lembar_disposisi.docx", b"PK\x03\x04 disposisi")
    put(
        s,
        "2026/ADU-2026-11-0001/foto jalan.jpg",
        b"\xff\xd8\xff" + bytes(range(256)),
        "attachments",
    )
    put(s, "2026/ADU-2026-11-0001/email-asli.eml", b"From: x", "attachments")
    res, (links, folders) = sync(s, fake)
    assert res.problems == [] and res.created == 3
    assert fake.uploads() == 3  # one request per new file
    assert fake.count("files.create") == 1  # the ticket's folder
    (folder,) = [f for f in fake.files.values() if f.mime == FOLDER and f.name.startswith("ADU")]
    names = sorted(f.name for f in fake.children(folder.id))
    assert names == [
        "01-formulir_aduan.docx",
        "03-lembar_disposisi.docx",
        "Lampiran - foto jalan.jpg",
    ]
    assert not fake.by_name("Lampiran - email-asli.eml")  # the raw email stays local
    jpg = fake.by_name("Lampiran - foto jalan.jpg")[0]
    assert jpg.data == b"\xff\xd8\xff" + bytes(range(256))  # byte for byte
    doc = "2026/ADU-2026-11-0001/01-formulir_aduan.docx"
    fid = fake.by_name("01-formulir_aduan.docx")[0].id
    assert links[doc] == f"{URL}{fid}/view" and folders == {
        "ADU-2026-11-0001": f"https://drive.google.com/drive/folders/{folder.id}"
    }

    # steady: nothing changed -> not a single request (no token refresh either)
    fake.reset_counts()
    res, _ = sync(s, fake)
    assert fake.count() == 0 and res.requests == 0

    # a re-rendered document: one request, a new version of the same Drive file
    put(s, doc, b"PK\x03\x04 versi 2")
    res, (links2, _) = sync(s, fake)
    assert res.updated == 1 and res.created == 0
    assert fake.uploads() == 1 and fake.count("upload.update") == 1
    (f,) = fake.by_name("01-formulir_aduan.docx")
    assert f.id == fid and f.version == 2 and f.data == b"PK\x03\x04 versi 2"
    assert links2[doc] == links[doc]


def test_touched_but_same_content_is_not_uploaded(office, fake):
    s = office()
    p = put(s, "2026/ADU-2026-11-0001/01-formulir_aduan.docx", b"sama")
    sync(s, fake)
    fake.reset_counts()
    p.write_bytes(b"sama")  # new mtime, same bytes
    sync(s, fake)
    assert fake.count() == 0


def test_lost_manifest_finds_files_instead_of_duplicating(office, fake):
    s = office()
    put(s, "2026/ADU-2026-11-0001/01-formulir_aduan.docx", b"satu")
    put(s, "2026/ADU-2026-11-0002/01-formulir_aduan.docx", b"dua")
    sync(s, fake)
    (s.path(s.paths.state) / "drive.sqlite").unlink()  # e.g. the state folder was wiped
    put(s, "2026/ADU-2026-11-0002/01-formulir_aduan.docx", b"dua, diperbarui")
    fake.reset_counts()
    res, (links, _) = sync(s, fake)
    assert res.found == 1 and res.updated == 1 and res.created == 0
    assert fake.uploads() == 1  # only the changed one
    assert len(fake.by_name("01-formulir_aduan.docx")) == 2  # no duplicates
    assert len([f for f in fake.files.values() if f.name.startswith("ADU-")]) == 2
    assert len(links) == 2


def test_file_deleted_on_drive_is_uploaded_anew(office, fake):
    s = office()
    p = put(s, "2026/ADU-2026-11-0001/01-formulir_aduan.docx", b"satu")
    sync(s, fake)
    fake.by_name("01-formulir_aduan.docx")[0].trashed = True
    p.write_bytes(b"satu lagi")
    res, _ = sync(s, fake)
    assert res.problems == [] and res.created == 1
    assert [f.data for f in fake.by_name("01-formulir_aduan.docx")] == [b"satu lagi"]


def test_ticket_folder_deleted_on_drive_is_made_again(office, fake):
    s = office()
    put(s, "2026/ADU-2026-11-0001/01-formulir_aduan.docx", b"satu")
    sync(s, fake)
    (folder,) = fake.by_name("ADU-2026-11-0001")
    del fake.files[folder.id]  # deleted for good by a staff member
    put(s, "2026/ADU-2026-11-0001/03-lembar_disposisi.docx", b"dua")
    res, (links, folders) = sync(s, fake)
    assert res.problems == [] and res.created == 1
    (again,) = fake.by_name("ADU-2026-11-0001")
    assert [f.name for f in fake.children(again.id)] == ["03-lembar_disposisi.docx"]
    assert folders["ADU-2026-11-0001"].endswith(again.id)


def test_big_attachment_goes_resumable(office, fake):
    s = office()
    big = hashlib.sha256(b"x").digest() * (MULTIPART_MAX // 32 + 10)
    put(s, "2026/ADU-2026-11-0001/video.mp4", big, "attachments")
    res, _ = sync(s, fake)
    assert res.problems == [] and fake.count("upload.create") == 1
    assert fake.count("upload.session") == 1
    assert fake.by_name("Lampiran - video.mp4")[0].data == big


# ------------------------------------------------------------------ failures
def test_service_account_in_my_drive_quota_error(office, fake):
    s = office(mode="service_account", root=fake.create_folder("Aduan", USER, shared_with=(SA,)))
    put(s, "2026/ADU-2026-11-0001/01-formulir_aduan.docx", b"a")
    put(s, "2026/ADU-2026-11-0001/03-lembar_disposisi.docx", b"b")
    res, (links, _) = sync(s, fake)
    (msg,) = res.problems  # one clear line, not one per file
    assert "storageQuotaExceeded" in msg and "Service Accounts do not have storage quota" in msg
    assert "google.auth: oauth_user" in msg and "Shared Drive" in msg
    assert fake.uploads() == 1 and res.failed == 2 and links == {}
    assert (s.path(s.paths.documents) / "2026/ADU-2026-11-0001/01-formulir_aduan.docx").is_file()


def test_service_account_into_a_shared_drive(office, fake):
    shared = fake.create_shared_drive("Aduan Kantor", members=(SA,))
    s = office(mode="service_account", root=shared, shared_drive=True)
    put(s, "2026/ADU-2026-11-0001/01-formulir_aduan.docx", b"a")
    res, (links, _) = sync(s, fake)
    assert res.problems == [] and res.created == 1 and len(links) == 1
    assert all(
        r.query.get("supportsAllDrives") == "true" for r in fake.requests if r.kind != "token"
    )
    assert fake.by_name("01-formulir_aduan.docx")[0].drive_id == shared


def test_folder_not_shared(office, fake):
    s = office(root=fake.create_folder("Punya orang lain", owner="lain@gmail.com"))
    put(s, "2026/ADU-2026-11-0001/01-formulir_aduan.docx", b"a")
    res, _ = sync(s, fake)
    (msg,) = res.problems
    assert "tidak ditemukan atau belum dibagikan ke akun Google bpbd.kab@gmail.com" in msg
    assert fake.uploads() == 0


def test_outage_is_retried_next_run_nothing_lost(office, fake):
    s = office()
    put(s, "2026/ADU-2026-11-0001/01-formulir_aduan.docx", b"a")
    put(s, "2026/ADU-2026-11-0002/01-formulir_aduan.docx", b"b")
    fake.fail_next(503, n=3, match="upload.create")  # every attempt of this run
    res, (links, _) = sync(s, fake)
    (msg,) = res.problems
    assert "terganggu" in msg and "run berikutnya" in msg and "tetap tersimpan" in msg
    assert fake.count("upload.create") == 3  # bounded retries, then the run goes on
    assert res.created == 0 and links == {}
    fake.reset_counts()
    res, (links, _) = sync(s, fake)
    assert res.problems == [] and res.created == 2 and len(links) == 2
    assert len(fake.by_name("01-formulir_aduan.docx")) == 2  # each once


def test_revoked_token_stops_with_one_line(office, fake, tmp_path):
    s = office()
    token = json.loads((tmp_path / "rahasia" / "token.json").read_text())
    fake.revoke(token["refresh_token"])
    put(s, "2026/ADU-2026-11-0001/01-formulir_aduan.docx", b"a")
    res, _ = sync(s, fake)
    (msg,) = res.problems
    assert "invalid_grant" in msg and "aduan auth google" in msg and fake.uploads() == 0


# ------------------------------------------------------------------ end to end
class Office:
    def __init__(self, s, reg, fake) -> None:
        self.s, self.reg, self.fake = s, reg, fake

    def cycle(self, now):
        rep = run_cycle(
            self.s, now=now, register=self.reg.register(), drive=drive_for(self.s, self.fake)
        )
        assert rep.problems == [], rep.problems
        self.reg.check_cost()  # Sheets: still one read and at most one write per cycle
        return rep

    def row(self, ticket: str) -> dict[str, str]:
        rows = self.reg.table(REGISTER_TAB)
        return next(dict(zip(rows[0], r, strict=False)) for r in rows[1:] if r[0] == ticket)


@pytest.fixture(params=["xlsx", "sheets"])
def backend(request, office, fake):
    def make(name: str):
        if request.param == "xlsx":
            s = office(name)
            return Office(s, XlsxOffice(s, build_layout(s.load_sop(), s.categories)), fake)
        server = request.getfixturevalue("sheets_server")
        key = server.create_spreadsheet(f"Register {name}", tabs=["Sheet1"])
        s = office(name, register={"type": "google", "spreadsheet_id": key})
        return Office(
            s, SheetsOffice(s, build_layout(s.load_sop(), s.categories), server, key), fake
        )

    return make


PHOTO = b"\xff\xd8\xff\xe0 foto lubang jalan \r\n--batas\r\n"


def with_photo(raw: bytes) -> bytes:
    """The complaint as multipart/mixed with a JPEG attached."""
    from email import message_from_bytes, policy

    msg = message_from_bytes(raw, policy=policy.default)
    msg.add_attachment(PHOTO, maintype="image", subtype="jpeg", filename="lubang.jpg")
    return msg.as_bytes()


def links_of(cell: str) -> list[str]:
    return [line for line in cell.split("\n") if line]


def test_bpbd_documents_on_drive_end_to_end(backend, fake):
    o = backend("bpbd")
    deliver(o.s.path(o.s.inbox.path), 1, complaint(1))
    now = MON + timedelta(minutes=2)
    o.cycle(now)
    t = "ADU/2026/11/0001"
    for cells in (
        {"Perlu Tindak Lanjut": "Ya"},
        {"Kategori": "Bencana"},
        {"Disposisi": "Tim segera cek lokasi"},
        {"Rencana Tindak Lanjut": "Kirim regu"},
        {"Hasil Tindak Lanjut": "Pohon dipotong", "Jawaban untuk Pengadu": "Pohon dipotong"},
        {"Laporan Pelaksanaan": "Selesai pukul 10"},
    ):
        now += timedelta(minutes=3)
        o.reg.edit(t, cells)
        o.cycle(now)
    row = o.row(t)
    assert row[C.STATUS] == "Selesai"
    lines = links_of(row[C.DOCUMENTS])
    st = RowState.loads(row[C.STATE])
    assert len(lines) == len(st.docs) + 1 and len(st.docs) >= 2
    for doc, line in zip(st.docs, lines, strict=False):
        label, _, url = line.partition(": ")
        fid = url.removeprefix(URL).removesuffix("/view")
        assert fake.files[fid].data == (o.s.path(o.s.paths.documents) / doc).read_bytes()
        assert label[0].isupper() and "/" not in label  # a readable name, not a path
    assert lines[-1].startswith("Folder Drive (dokumen & lampiran): https://drive.google.com/")
    # one Drive file per document, and a steady cycle asks Drive nothing
    assert len(fake.by_name("07-laporan_pelaksanaan.docx")) == 1
    before = o.reg.table(REGISTER_TAB)
    fake.reset_counts()
    rep = o.cycle(now + timedelta(seconds=20))
    assert fake.count() == 0 and o.reg.table(REGISTER_TAB) == before
    assert rep.counts["rows_updated"] == 0 and rep.counts["drive_links"] == 0


def test_blitar_forwarding_documents_linked(backend, fake):
    o = backend("blitar")
    deliver(o.s.path(o.s.inbox.path), 2, with_photo(complaint(2, "Jalan rusak")))
    now = MON + timedelta(minutes=2)
    o.cycle(now)
    t = "ADU/2026/11/0001"
    before = RowState.loads(o.row(t)[C.STATE]).docs
    # no document yet, but the evidence is on Drive: the ticket's folder is linked
    (line,) = links_of(o.row(t)[C.DOCUMENTS])
    fid = line.rpartition("/folders/")[2]
    assert [f.name for f in fake.children(fid)] == ["Lampiran - lubang.jpg"]
    assert fake.children(fid)[0].data == PHOTO
    o.reg.edit(t, {"Kewenangan": "Bukan Kewenangan", "Instansi Tujuan": "Dinas PUPR Kota Blitar"})
    fake.reset_counts()
    o.cycle(now + timedelta(minutes=1))
    row = o.row(t)
    assert row[C.STATUS] == "Disalurkan"
    line = next(x for x in links_of(row[C.DOCUMENTS]) if x.startswith("Formulir Penyaluran"))
    fid = line.rpartition(URL)[2].removesuffix("/view")
    assert fake.files[fid].name.endswith("formulir_penyaluran.docx")
    new = [d for d in RowState.loads(row[C.STATE]).docs if d not in before]
    # exactly one upload per new document, and per PDF made for the citizen (issue 16:
    # the formulir penyaluran goes to the complainant as PDF where LibreOffice is present)
    docs = Path(o.s.path(o.s.paths.documents))
    pdfs = [d for d in new if (docs / d).with_suffix(".pdf").is_file()]
    assert new and fake.uploads() == len(new) + len(pdfs)


# ---------------------------------------------------------------- aduan check
def test_check_names_the_identity_and_the_folder(office, fake):
    shared = fake.create_shared_drive("Aduan Kantor", members=(SA,))
    s = office(mode="service_account", root=shared, shared_drive=True)
    d = drive_for(s, fake)
    try:
        line = d.check()
    finally:
        d.close()
    assert (
        line == f"folder Drive 'Aduan Kantor' (Shared Drive) dapat ditulis oleh akun layanan {SA}"
    )
    s = office(mode="service_account", root=fake.create_folder("Aduan", USER, shared_with=(SA,)))
    d = drive_for(s, fake)
    try:
        assert "PERINGATAN: akun layanan tidak bisa mengunggah ke My Drive" in d.check()
    finally:
        d.close()


def test_access_token_refused_after_refresh(office, fake):
    s = office()
    put(s, "2026/ADU-2026-11-0001/01-formulir_aduan.docx", b"a")
    # google-auth refreshes and retries twice on 401; refused every time
    fake.fail_next(401, n=3, match="files.list")
    res, _ = sync(s, fake)
    (msg,) = res.problems
    assert "HTTP 401" in msg and "aduan auth google" in msg
    assert fake.count("files.list") == 3 and fake.uploads() == 0


# -------------------------------------------- issue 18: Drive as it really behaves
def test_change_of_oauth_client_finds_files_by_name_not_twice(office, fake, tmp_path):
    """appProperties are private to the project that wrote them: after the office
    switches OAuth client (another Cloud project) and loses the manifest, the search
    by appProperties finds nothing; the name inside the ticket folder does."""
    s = office()
    put(s, "2026/ADU-2026-11-0001/01-formulir_aduan.docx", b"satu")
    sync(s, fake)
    fake.clients["lain.apps.googleusercontent.com"] = "rahasia-lain"
    token = fake.user_token(USER, client_id="lain.apps.googleusercontent.com")
    (tmp_path / "rahasia" / "token.json").write_text(json.dumps(token))
    (s.path(s.paths.state) / "drive.sqlite").unlink()
    fake.reset_counts()
    res, (links, folders) = sync(s, fake)
    assert res.problems == [] and res.found == 1 and res.created == 0
    assert fake.uploads() == 0
    assert len(fake.by_name("ADU-2026-11-0001")) == 1  # no second folder either
    assert len(fake.by_name("01-formulir_aduan.docx")) == 1
    (f,) = fake.by_name("01-formulir_aduan.docx")
    assert links["2026/ADU-2026-11-0001/01-formulir_aduan.docx"].endswith(f"{f.id}/view")


def test_shared_drive_searches_within_the_drive_and_never_conclude_from_incomplete(office, fake):
    shared = fake.create_shared_drive("Aduan Kantor", members=(SA,))
    s = office(mode="service_account", root=shared, shared_drive=True)
    put(s, "2026/ADU-2026-11-0001/01-formulir_aduan.docx", b"a")
    sync(s, fake)
    (s.path(s.paths.state) / "drive.sqlite").unlink()
    fake.reset_counts()
    fake.incomplete = 5  # every cross-drive search would come back incomplete
    res, _ = sync(s, fake)
    lists = [r for r in fake.requests if r.kind == "files.list"]
    assert lists and all(r.query.get("corpora") == "drive" for r in lists)
    assert all(r.query.get("driveId") == shared for r in lists)
    assert res.problems == [] and res.found == 1 and fake.uploads() == 0


def test_incomplete_search_defers_instead_of_uploading_twice(office, fake):
    s = office()
    put(s, "2026/ADU-2026-11-0001/01-formulir_aduan.docx", b"satu")
    sync(s, fake)
    (s.path(s.paths.state) / "drive.sqlite").unlink()
    # a My Drive search is not corpora=drive: model Google giving up on it
    fake.incomplete = 1
    fake.reset_counts()
    res, _ = sync(s, fake)
    assert res.failed == 1 and "incompleteSearch" in res.problems[0]
    assert fake.uploads() == 0 and len(fake.by_name("01-formulir_aduan.docx")) == 1
    res, _ = sync(s, fake)  # the next run, the search complete: found, not doubled
    assert res.problems == [] and res.found == 1
    assert len(fake.by_name("01-formulir_aduan.docx")) == 1


def test_resumable_upload_broken_mid_way_resumes_from_the_offset(office, fake):
    from aduan.google.resumable import CHUNK

    s = office()
    big = hashlib.sha256(b"y").digest() * ((2 * CHUNK + 1000) // 32)
    put(s, "2026/ADU-2026-11-0001/video.mp4", big, "attachments")
    fake.break_at = CHUNK + 4096  # the second chunk breaks after 4 KiB
    res, _ = sync(s, fake)
    assert res.problems == [] and res.created == 1
    assert fake.by_name("Lampiran - video.mp4")[0].data == big
    puts = [r for r in fake.requests if r.kind == "upload.session"]
    # chunk 1, chunk 2 (broken after 4 KiB), the offset query, the rest from there
    assert len(puts) == 4
    assert puts[2].query == {} and fake.break_at is None
    assert fake.count("upload.create") == 1  # one session, never restarted from zero


def test_resumable_upload_killed_resumes_in_the_next_run(office, fake):
    from aduan.google.resumable import CHUNK

    s = office()
    big = hashlib.sha256(b"z").digest() * ((2 * CHUNK) // 32)
    put(s, "2026/ADU-2026-11-0001/video.mp4", big, "attachments")
    # the session is made, then the process dies: every PUT of this run is lost
    fake.fail_next(503, n=50, match="upload.session")
    res, _ = sync(s, fake)
    assert res.failed == 1
    fake._faults.clear()
    fake.reset_counts()
    res, _ = sync(s, fake)
    assert res.problems == [] and res.created == 1
    assert fake.count("upload.create") == 0  # the kept session, not a new one
    assert fake.by_name("Lampiran - video.mp4")[0].data == big
