"""Documents: every template rendered for both seed offices and reopened with python-docx."""

from __future__ import annotations

import os
import shutil
import subprocess
import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import docx
import pytest
import yaml
from docx.oxml.ns import qn

from aduan.config import load_settings
from aduan.core.model import DocumentJob
from aduan.core.privacy import Identity, reveals_text
from aduan.documents.context import REDACTED, TEAM_DOCUMENTS, clean, hari, tanggal
from aduan.documents.render import TEMPLATES
from aduan.errors import DocumentError
from aduan.run.wiring import engine_config, open_documents
from tests.conftest import OFFICES, REPO, settings_dict

WIB = ZoneInfo("Asia/Jakarta")
NOW = datetime(2026, 11, 24, 10, 30, tzinfo=WIB)
LOGO = REPO / "templates" / "logo-contoh.png"

# What each document must show of the decision fields (keys of ``f``).
DECISIONS = {
    "formulir_aduan": (),
    "lembar_disposisi": ("disposisi",),
    "rencana_tindak_lanjut": ("rencana",),
    "laporan_pelaksanaan": ("hasil", "laporan"),
    "hasil_keputusan": ("keputusan",),
    "berita_acara": ("keputusan", "hasil"),
    "formulir_penyaluran": ("instansi_tujuan",),
    "formulir_penerimaan": (),
}
# Who signs each document (office-standards.md): sign.<who> from office.<who>.
SIGNERS = {
    "formulir_aduan": ("petugas",),
    "lembar_disposisi": ("head",),
    "rencana_tindak_lanjut": ("team_leader", "head"),
    "laporan_pelaksanaan": ("team_leader",),
    "hasil_keputusan": ("team_leader", "head"),
    "berita_acara": ("petugas", "head"),
    "formulir_penyaluran": ("head",),
    "formulir_penerimaan": ("petugas",),
}
OFFICIALS = {
    "petugas": {"name": "RINA ASTUTI", "title": "Petugas Pengaduan", "nip": "19900101 201501 2 003"},
    "team_leader": {"name": "BUDI SANTOSO, S.T.", "title": "Ketua Tim", "nip": "19800202 200501 1 004"},
}  # fmt: skip

CASES = {
    "bpbd": {
        "ticket": "ADU/2026/11/0012",
        "name": "Sutarno Wibowo",
        "contact": "0812-2650-7781",
        "channel": "WhatsApp",
        "subject": "Tanah longsor menutup jalan Desa Berjo",
        "text": "Longsor di Dusun Tlogo, Desa Berjo menutup jalan sejak pukul 05.00.\n"
        "Dua rumah terancam. Mohon bantuan alat berat.",
        "category": "Bencana",
        "f": {
            "disposisi": "Tim TRC segera ke lokasi, koordinasi dengan Camat Ngargoyoso.",
            "rencana": "Kirim 1 ekskavator dan 10 personel TRC pukul 13.00.",
            "hasil": "Jalan sudah dapat dilalui kendaraan roda dua pukul 16.20.",
            "laporan": "Pembersihan material longsor selesai, warga aman.",
            "keputusan": "Aduan ditangani TRC; jalan dibuka kembali.",
            "instansi_tujuan": "Dinas PUPR Kabupaten Karanganyar",
        },
    },
    "blitar": {
        "ticket": "ADU/2026/11/0003",
        "name": "Endang Purwaningsih",
        "contact": "endang.p@example.co.id",
        "channel": "Email",
        "subject": "Bantuan PKH tidak cair tiga bulan",
        "text": "Bantuan PKH ibu saya di Kelurahan Sentul tidak cair sejak Agustus.",
        "category": "Bantuan Sosial",
        "f": {
            "disposisi": "Bahas di rapat tim hari ini; cek data DTKS.",
            "keputusan": "Data diperbarui di DTKS; pencairan diajukan bulan Desember.",
            "hasil": "Pengadu diberi tahu jadwal pencairan Desember 2026.",
            "instansi_tujuan": "Kantor Pos Cabang Blitar",
            "rencana": "Verifikasi data ke Kelurahan Sentul hari Rabu.",
            "laporan": "Verifikasi selesai; usulan pencairan dikirim.",
        },
    },
}


def context(office: str, **over) -> dict:
    c = CASES[office]
    step = {
        "id": "disposisi", "number": 3, "label": "Mendisposisi", "role": "Kepala Dinas",
        "role_id": "kepala", "output": "Lembar disposisi", "requirements": "",
        "standard_minutes": 10, "allowance": "10 menit", "started": NOW,
        "deadline": NOW + timedelta(minutes=10),
    }  # fmt: skip
    ctx = {
        "ticket": c["ticket"], "received": datetime(2026, 11, 23, 8, 5, tzinfo=WIB),
        "channel": c["channel"], "name": c["name"], "contact": c["contact"],
        "subject": c["subject"], "text": c["text"], "attachments": "foto-1.jpg",
        "category": c["category"], "fields": {"Kategori": c["category"], "Catatan": ""},
        "f": dict(c["f"]), "confidential": False, "sop_name": "SOP", "sop_number": "1",
        "step": step, "outcome": None, "now": NOW, "date": NOW, "nomor": "012/DIS/2026",
        "source_message_id": "",
    }  # fmt: skip
    ctx.update(over)
    return ctx


@pytest.fixture
def settings_for(tmp_path):
    """Settings of a seed office with a logo; ``make_settings`` cannot override ``office``."""

    def make(office: str, logo: Path | None = LOGO, **over):
        root = tmp_path / office
        root.mkdir(exist_ok=True)
        data = settings_dict(root, office, **over)
        data["office"] = dict(data["office"], logo=str(logo) if logo else "", **OFFICIALS)
        f = root / "settings.yaml"
        f.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        return load_settings(f)

    return make


def job(ctx: dict, doc: str, path: str | None = None) -> DocumentJob:
    return DocumentJob(ctx["ticket"], doc, f"2026/T/{doc}.docx" if path is None else path, ctx)


def text_of(path: Path) -> str:
    """All text of a .docx (body paragraphs and table cells), line breaks as \\n."""
    body = docx.Document(str(path)).element.body
    out = []
    for el in body.iter(qn("w:t"), qn("w:br"), qn("w:p")):
        out.append(el.text or "" if el.tag == qn("w:t") else "\n")
    return "".join(out)


def xml_of(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml"))


# ------------------------------------------------------------------ pure
def test_text_helpers():
    assert tanggal(date(2024, 1, 10)) == "10 Januari 2024"
    assert tanggal(None) == "-"
    assert tanggal("bukan tanggal") == "bukan tanggal"
    assert tanggal("2026-11-24T10:30:00+07:00") == "24 November 2026"
    assert hari(date(2026, 11, 24)) == "Selasa"
    assert hari(None) == ""
    assert clean("a\x00b\x07c\x0c\r\nd\ud800e\ufffe") == "abc\nde"
    assert clean({"k": ["x\x1b", 3, None]}) == {"k": ["x", 3, None]}


# ------------------------------------------------------------ rendering
@pytest.mark.parametrize("office", ["bpbd", "blitar"])
@pytest.mark.parametrize("doc", TEMPLATES)
def test_every_template_renders_for_each_office(settings_for, office, doc):
    s = settings_for(office)
    ctx = context(office)
    path = open_documents(s).render(job(ctx, doc))
    assert path == s.path(s.paths.documents) / "2026/T" / f"{doc}.docx"
    text = text_of(path)
    o = OFFICES[office]["office"]
    for expected in (
        ctx["ticket"],
        ctx["name"],
        # the regional lembar disposisi names the sender (Surat dari), not the contact
        # the minutes name the complaint, its text is on the lembar disposisi the meeting had
        ctx["contact"] if doc not in ("lembar_disposisi", "rencana_tindak_lanjut") else ctx["name"],
        ctx["subject"],
        o["government"],
        o["name"],
        "Nomor: 012/DIS/2026",
        "23 November 2026 pukul 08.05 WIB",
    ):
        assert expected in text, expected  # fmt: skip
    # the right signer, with NIP; the head only where the document needs the head
    signers = {**OFFICIALS, "head": o["head"]}
    for who, off in signers.items():
        signs = who in SIGNERS[doc]
        assert (off["name"] in text) is signs, (who, doc)
        assert ("NIP. " + off["nip"] in text) is (signs and doc != "lembar_disposisi"), (who, doc)
    if doc != "lembar_disposisi":  # the lembar's end is the head's paraf and its date
        assert f"{o['city']}, 24 November 2026" in text
    if doc != "rencana_tindak_lanjut":
        assert ctx["text"] in text  # the line break survives as a break
    for key in DECISIONS[doc]:
        assert ctx["f"][key] in text, key
    xml = xml_of(path)
    assert "{{" not in xml and "{%" not in xml
    assert len(docx.Document(str(path)).inline_shapes) == 1


def test_check_passes_for_shipped_templates(settings_for):
    for office in ("bpbd", "blitar"):
        assert open_documents(settings_for(office)).check() == []


def test_forwarded_to_role_comes_from_the_sop(settings_for):
    bpbd = text_of(
        open_documents(settings_for("bpbd")).render(job(context("bpbd"), "lembar_disposisi"))
    )
    blitar = open_documents(settings_for("blitar")).render(
        job(context("blitar"), "lembar_disposisi")
    )
    assert "☒ TIM" in bpbd and "☐ TIM" not in bpbd
    assert "☒ Tim Pengelola Pengaduan" in text_of(blitar)
    assert "☐ Sekretaris" in text_of(blitar)  # the other positions listed, not ticked


def test_no_logo_configured_means_no_image(settings_for):
    path = open_documents(settings_for("bpbd", logo=None)).render(
        job(context("bpbd"), "berita_acara")
    )
    assert len(docx.Document(str(path)).inline_shapes) == 0
    assert "BERITA ACARA PENYELESAIAN ADUAN" in text_of(path)


def test_unusable_logo_is_skipped_not_fatal(settings_for, tmp_path, caplog):
    bad = tmp_path / "logo.png"
    bad.write_bytes(b"not an image")
    path = open_documents(settings_for("bpbd", logo=bad)).render(
        job(context("bpbd"), "berita_acara")
    )
    assert len(docx.Document(str(path)).inline_shapes) == 0
    assert "office.logo" in caplog.text


# -------------------------------------------------------- confidentiality
@pytest.mark.parametrize("doc", TEMPLATES)
def test_confidential_identity_hidden_from_team_documents(settings_for, doc):
    ctx = context("blitar", confidential=True)
    text = text_of(open_documents(settings_for("blitar")).render(job(ctx, doc)))
    team = doc in TEAM_DOCUMENTS  # issue 16: the laporan and the penyaluran too
    assert (ctx["name"] in text) is not team
    assert (ctx["contact"] in text) is not team
    assert (REDACTED in text) is team
    assert ctx["ticket"] in text and ctx["subject"] in text


@pytest.mark.parametrize("doc", sorted(TEAM_DOCUMENTS))
def test_team_documents_carry_the_redacted_text_or_staffs_correction(settings_for, doc):
    """Issue 16: the name in the body and sign-off goes, the complaint stays; the
    text staff corrected in *Isi untuk Tim* wins over the automatic redaction."""
    body = "Saya Wulan Sari, hp 0812-3456-7890: bantuan sembako belum cair.\n\nSalam,\nWulan Sari"
    ctx = context(
        "blitar", confidential=True, name="Wulan Sari", contact="wulan@example.com", text=body
    )
    ctx["f"] = {k: f"{v} (untuk {ctx['name']})" for k, v in ctx["f"].items()}
    text = text_of(open_documents(settings_for("blitar")).render(job(ctx, doc)))
    assert reveals_text(text, Identity("Wulan Sari", "wulan@example.com")) == []
    if doc in ("lembar_disposisi", "formulir_penyaluran"):  # the forms that quote it
        assert "bantuan sembako belum cair" in text
    fixed = dict(ctx, team_text="Bantuan sembako seorang warga belum cair (dikoreksi petugas).")
    text = text_of(open_documents(settings_for("blitar")).render(job(fixed, doc)))
    if doc in ("lembar_disposisi", "formulir_penyaluran"):  # the forms that quote it
        assert "dikoreksi petugas" in text


# ----------------------------------------------------------- hostile text
def test_hostile_text_renders_as_text(settings_for):
    rtl = "شكوى بشأن المياه"  # Arabic, right to left
    nasty = "</w:t><w:r>&amp; <b>\"'{{ 7*7 }}{% if x %}\x00\x07\x0c\x1b\ud83d"
    long = ("Air bersih 💧 tidak mengalir. " * 700)[:20_000]
    ctx = context("bpbd", name=nasty, subject=rtl, text=long + "\nAKHIR")
    ctx["f"]["disposisi"] = "Tindak <segera> & laporkan 🙏"
    path = open_documents(settings_for("bpbd")).render(job(ctx, "lembar_disposisi"))
    text = text_of(path)
    assert "</w:t><w:r>&amp; <b>\"'{{ 7*7 }}{% if x %}" in text  # literal, not markup
    assert "49" not in text
    assert rtl in text
    assert long in text and "\nAKHIR" in text
    assert "Tindak <segera> & laporkan 🙏" in text


# -------------------------------------------------------- broken templates
def broken_templates(tmp_path: Path, doc: str, old: str, new: str) -> Path:
    """A copy of templates/ in which one template has a tag edited as staff might."""
    folder = tmp_path / "tpl"
    shutil.copytree(REPO / "templates", folder, ignore=shutil.ignore_patterns("email"))
    src = folder / f"{doc}.docx"
    with zipfile.ZipFile(src) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    xml = parts["word/document.xml"].decode()
    assert old in xml
    parts["word/document.xml"] = xml.replace(old, new, 1).encode()
    with zipfile.ZipFile(src, "w") as z:
        for n, data in parts.items():
            z.writestr(n, data)
    return folder


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ("{{ nomor }}", "{{ nomor|rusak }}", ["rusak"]),
        ("{{ nomor }}", "{{ nomor ]}", ["broken tag"]),
        ("{{ nomor }}", "{{ nomer }}", ["unknown tag", "nomer"]),
        ("{{ nomor }}", "{% if nomor %}", ["broken tag"]),
        ("{{ sign.head.name }}", "{{ sign.kepala.name }}", ["unknown tag", "kepala"]),
        ("{{ nomor }}", "{{ nomor.__class__ }}", ["__class__"]),  # the sandbox holds
        ("{{ nomor }}", "{{ nomor|tanggal(3) }}", ["broken tag", "TypeError"]),
        ("{{ nomor }}", "{{ 1 / 0 }}", ["broken tag", "ZeroDivisionError"]),
    ],
)
def test_broken_template_reported_by_name(settings_for, tmp_path, old, new, words):
    s = settings_for(
        "blitar", templates=str(broken_templates(tmp_path, "lembar_disposisi", old, new))
    )
    docs = open_documents(s)
    problems = docs.check()
    assert len(problems) == 1, problems
    assert problems[0].startswith("template lembar_disposisi: ")
    for w in words:
        assert w in problems[0]
    with pytest.raises(DocumentError, match="lembar_disposisi"):
        docs.render(job(context("blitar"), "lembar_disposisi"))
    # the other documents still render
    assert docs.render(job(context("blitar"), "berita_acara")).exists()


def test_template_that_is_not_a_docx(settings_for, tmp_path):
    folder = tmp_path / "tpl"
    shutil.copytree(REPO / "templates", folder, ignore=shutil.ignore_patterns("email"))
    (folder / "berita_acara.docx").write_text("bukan docx")
    problems = open_documents(settings_for("bpbd", templates=str(folder))).check()
    assert len(problems) == 1 and problems[0].startswith(
        "template berita_acara: not a usable .docx"
    )


def test_missing_template(settings_for):
    docs = open_documents(settings_for("bpbd"))
    with pytest.raises(DocumentError, match="template rekap_tahunan: file .* not found"):
        docs.render(job(context("bpbd"), "rekap_tahunan"))
    with pytest.raises(DocumentError):
        docs.render(job(context("bpbd"), "../formulir_aduan"))


# --------------------------------------------------------- paths and files
@pytest.mark.parametrize(
    "rel",
    ["../x.docx", "/tmp/x.docx", "2026/../../x.docx", "a\\..\\x.docx", "x.txt", "", "a\x00.docx"],
)
def test_unsafe_paths_refused(settings_for, rel):
    with pytest.raises(DocumentError):
        open_documents(settings_for("bpbd")).render(job(context("bpbd"), "formulir_aduan", rel))


def test_symlink_out_of_documents_folder_refused(settings_for, tmp_path):
    s = settings_for("bpbd")
    out = s.path(s.paths.documents)
    out.mkdir(parents=True)
    (tmp_path / "outside").mkdir()
    (out / "link").symlink_to(tmp_path / "outside")
    with pytest.raises(DocumentError, match="leaves"):
        open_documents(s).render(job(context("bpbd"), "formulir_aduan", "link/x.docx"))
    assert list((tmp_path / "outside").iterdir()) == []


def test_rerender_only_when_data_or_template_changes(settings_for, tmp_path):
    s = settings_for("bpbd")
    docs = open_documents(s)
    ctx = context("bpbd")
    path = docs.render(job(ctx, "lembar_disposisi"))
    first = path.stat()

    # same data, another run a minute later: kept as is (same file, not rewritten)
    again = docs.render(job(context("bpbd", now=NOW + timedelta(minutes=1)), "lembar_disposisi"))
    assert again == path
    assert (path.stat().st_ino, path.stat().st_mtime_ns) == (first.st_ino, first.st_mtime_ns)

    # staff changed the disposition: rewritten in place
    ctx2 = context("bpbd")
    ctx2["f"]["disposisi"] = "Tunda; tunggu laporan kecamatan."
    assert open_documents(s).render(job(ctx2, "lembar_disposisi")) == path
    assert path.stat().st_ino != first.st_ino
    assert "Tunda; tunggu laporan kecamatan." in text_of(path)
    second = path.stat()

    # the office restyled the template: rewritten too
    tpl = tmp_path / "tpl"
    shutil.copytree(REPO / "templates", tpl, ignore=shutil.ignore_patterns("email"))
    with zipfile.ZipFile(tpl / "lembar_disposisi.docx", "a") as z:
        z.writestr("customXml/catatan.xml", "<x/>")
    s2 = settings_for("bpbd", templates=str(tpl))
    open_documents(s2).render(job(ctx2, "lembar_disposisi"))
    assert path.stat().st_ino != second.st_ino

    # one document, one file (plus its hash sidecar), no temp files left
    names = sorted(p.name for p in path.parent.iterdir())
    assert names == [".lembar_disposisi.docx.sha256", "lembar_disposisi.docx"]


def test_deleted_document_is_written_again(settings_for):
    docs = open_documents(settings_for("bpbd"))
    path = docs.render(job(context("bpbd"), "formulir_aduan"))
    path.unlink()
    assert docs.render(job(context("bpbd"), "formulir_aduan")).exists()


def test_failed_render_keeps_previous_file_and_leaves_no_temp(settings_for, tmp_path):
    s = settings_for("blitar")
    path = open_documents(s).render(job(context("blitar"), "lembar_disposisi"))
    before = path.read_bytes()
    folder = broken_templates(tmp_path, "lembar_disposisi", "{{ nomor }}", "{{ nomor|rusak }}")
    ctx = context("blitar")
    ctx["f"]["disposisi"] = "Perubahan yang tidak jadi ditulis."
    with pytest.raises(DocumentError):
        open_documents(settings_for("blitar", templates=str(folder))).render(
            job(ctx, "lembar_disposisi")
        )
    assert path.read_bytes() == before
    assert sorted(os.listdir(path.parent)) == [
        ".lembar_disposisi.docx.sha256",
        "lembar_disposisi.docx",
    ]


# --------------------------------------------------------------------- PDF
@pytest.fixture(scope="session")
def lo_profile(tmp_path_factory) -> Path:
    """One LibreOffice profile for all PDF tests: creating one costs seconds."""
    return tmp_path_factory.mktemp("libreoffice")


def require_soffice() -> None:
    """LibreOffice and pdftotext: installed by `make test`; fail under CI, else skip."""
    missing = [b for b in ("soffice", "pdftotext") if not shutil.which(b)]
    if missing:
        msg = f"{', '.join(missing)} not installed (scripts/install-system-deps.sh)"
        if os.environ.get("CI") == "true":
            pytest.fail(msg)
        pytest.skip(msg)


def test_pdf_next_to_docx_contains_the_ticket(settings_for, lo_profile):
    require_soffice()
    docs = open_documents(settings_for("blitar"))
    docs.pdf, docs.lo_profile = True, lo_profile
    ctx = context("blitar")
    path = docs.render(job(ctx, "berita_acara"))
    pdf = path.with_suffix(".pdf")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True)
    assert ctx["ticket"] in text.stdout
    assert "BERITA ACARA PENYELESAIAN ADUAN" in text.stdout
    before = pdf.stat()
    docs.render(job(ctx, "berita_acara"))  # unchanged: neither docx nor PDF rewritten
    assert (pdf.stat().st_ino, pdf.stat().st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert sorted(p.name for p in path.parent.iterdir()) == [
        ".berita_acara.docx.sha256", "berita_acara.docx", "berita_acara.pdf"
    ]  # fmt: skip


def test_pdf_without_libreoffice_says_how_to_fix(settings_for, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    docs = open_documents(settings_for("bpbd"))
    docs.pdf = True
    with pytest.raises(DocumentError, match="LibreOffice .* not installed .* documents.pdf: false"):
        docs.render(job(context("bpbd"), "formulir_aduan"))
    docs.pdf = False
    assert docs.render(job(context("bpbd"), "formulir_aduan")).exists()  # the .docx is fine


def test_render_many_isolates_failures_and_batches_pdfs(settings_for, lo_profile):
    require_soffice()
    docs = open_documents(settings_for("bpbd"))
    docs.pdf, docs.lo_profile = True, lo_profile
    ctx = context("bpbd")
    jobs = [
        job(ctx, "formulir_aduan"),
        job(ctx, "tidak_ada"),
        job(ctx, "lembar_disposisi", "../luar.docx"),
        job(ctx, "lembar_disposisi"),
    ]
    results = docs.render_many(jobs)
    assert [type(r).__name__ for r in results] == [
        "PosixPath",
        "DocumentError",
        "DocumentError",
        "PosixPath",
    ]
    assert "tidak_ada" in str(results[1])
    for r in (results[0], results[3]):
        assert r.with_suffix(".pdf").stat().st_size > 0


# ------------------------------------------------ with the engine's context
class Register:
    """The smallest in-memory register the engine can be driven with."""

    def __init__(self, headers: list[str]) -> None:
        self.headers, self.rows, self.meta = headers, [], {}

    def cycle(self, cfg, now: datetime, mails=()):
        from aduan.core.engine import decide
        from aduan.core.model import Row, Snapshot

        snap = Snapshot(
            self.headers, [Row(i, dict(r)) for i, r in enumerate(self.rows)], dict(self.meta)
        )
        d = decide(snap, list(mails), cfg, now)
        for u in d.writes.updates:
            next(r for r in self.rows if r.get("No. Aduan") == u.ticket).update(u.values)
        self.rows.extend(dict(a) for a in d.writes.appends)
        self.meta.update(d.writes.meta)
        return d


FULL_PATHS = {
    "bpbd": [
        {"Perlu Tindak Lanjut": "Ya"},
        {"Kategori": "Bencana"},
        {"Disposisi": "Tim TRC segera cek lokasi longsor."},
        {"Rencana Tindak Lanjut": "Kirim regu TRC dan ekskavator."},
        {
            "Hasil Tindak Lanjut": "Material longsor dibersihkan.",
            "Jawaban untuk Pengadu": "Material longsor dibersihkan.",
        },
        {"Laporan Pelaksanaan": "Jalan dibuka pukul 16.00."},
    ],
    "blitar": [
        {"Kewenangan": "Kewenangan Dinas"},
        {"Diteruskan ke Kepala Dinas": "Ya"},
        {"Disposisi": "Rapatkan dengan tim PKH."},
        {"Keputusan Penyelesaian": "Data DTKS diperbarui."},
        {"Jawaban untuk Pengadu": "Pencairan dijadwalkan Desember."},
    ],
}


@pytest.mark.parametrize(("office", "confidential"), [("bpbd", False), ("blitar", True)])
def test_engine_path_renders_exactly_the_documents_the_sop_names(
    settings_for, office, confidential
):
    from aduan.core.layout import build_layout
    from aduan.core.model import InboundMail

    s = settings_for(office, confidential_default=confidential)
    sop = s.load_sop()
    layout = build_layout(sop, s.categories)
    cfg = engine_config(s, sop, layout, s.calendar())
    reg = Register(layout.headers)
    monday = datetime(2026, 11, 2, 8, 0, tzinfo=WIB)
    complaint = InboundMail(
        source_key="k1", message_id="<m1@example.com>", from_addr="budi@example.com",
        from_name="Budi Santoso", subject="Pohon tumbang & <kabel> putus", date=monday,
        text="Pohon tumbang di Jl. Lawu, kabel listrik putus.",
    )  # fmt: skip
    jobs = list(reg.cycle(cfg, monday, [complaint]).documents)
    now = monday
    for cells in FULL_PATHS[office]:
        now += timedelta(minutes=3)
        reg.rows[0].update(cells)
        jobs += reg.cycle(cfg, now).documents
    assert [j.doc for j in jobs] == [d for d in sop.documents() if d != "formulir_penyaluran"]
    results = open_documents(s).render_many(jobs)
    for j, path in zip(jobs, results, strict=True):
        assert isinstance(path, Path), path
        text = text_of(path)
        assert j.ticket in text and "Pohon tumbang & <kabel> putus" in text
        assert "2 November 2026" in text
        hidden = confidential and j.doc in (
            "lembar_disposisi",
            "rencana_tindak_lanjut",
            "hasil_keputusan",
        )
        assert ("Budi Santoso" in text) is not hidden, j.doc
        for key in DECISIONS[j.doc]:
            assert j.context["f"][key] and j.context["f"][key] in text, (j.doc, key)
