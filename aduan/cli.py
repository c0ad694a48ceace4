"""The `aduan` command: a thin layer over the library.

Every AduanError becomes one line on stderr and an exit code; no traceback
reaches the admin unless --verbose asks for it.

Exit codes:
  0  all done
  1  done, but a part failed (inbox, register write, an email); see the log
  2  configuration error (settings or SOP file)
  3  another run is in progress (the lock is held)
  4  the register or another system could not be used at all
"""

from __future__ import annotations

import logging
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from aduan.errors import AduanError, ConfigError, RunLocked

if TYPE_CHECKING:  # the heavy imports wait until a command needs them
    from aduan.config import Settings

__all__ = ["main", "cli"]

EXIT_CONFIG = 2
EXIT_LOCKED = 3
EXIT_FAILED = 4


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def _fail(e: AduanError, verbose: bool) -> None:
    if verbose:
        logging.getLogger("aduan").exception("error")
    code = (
        EXIT_CONFIG
        if isinstance(e, ConfigError)
        else EXIT_LOCKED
        if isinstance(e, RunLocked)
        else EXIT_FAILED
    )
    label = {EXIT_CONFIG: "kesalahan konfigurasi", EXIT_LOCKED: "sibuk"}.get(code, "gagal")
    click.echo(f"aduan: {label}: {e}", err=True)
    sys.exit(code)


def _parse_now(value: str | None, settings: Settings) -> datetime | None:
    if not value:
        return None
    try:
        d = datetime.fromisoformat(value)
    except ValueError:
        raise ConfigError(
            f"--now {value!r} is not an ISO date-time", fix="write e.g. 2026-11-24T10:30"
        ) from None
    return d if d.tzinfo else d.replace(tzinfo=settings.tz)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    envvar="ADUAN_CONFIG",
    default="config/settings.yaml",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="Berkas pengaturan (juga dari variabel ADUAN_CONFIG).",
)
@click.option("-v", "--verbose", is_flag=True, help="Tampilkan log rinci.")
@click.version_option(package_name="aduan")
@click.pass_context
def cli(ctx: click.Context, config_path: str, verbose: bool) -> None:
    """Aduan: menjalankan SOP pengaduan masyarakat di atas email, register, dan dokumen Word.

    Example:

        aduan --config config/settings.yaml run
    """
    _setup_logging(verbose)
    ctx.obj = {"config": config_path, "verbose": verbose}


def _settings(ctx: click.Context):
    from aduan.config import load_settings

    return load_settings(ctx.obj["config"])


now_option = click.option(
    "--now",
    "now_text",
    default=None,
    metavar="ISO",
    help="Jalankan seolah-olah pada waktu ini (untuk uji coba).",
)


@cli.command()
@click.pass_context
def init(ctx: click.Context) -> None:
    """Siapkan register: tab, judul kolom, pilihan (dropdown), format.

    Aman dijalankan berulang: yang sudah benar tidak diubah.

    Example:

        aduan init
    """
    try:
        from aduan.core.layout import build_layout
        from aduan.run.wiring import open_register

        s = _settings(ctx)
        sop = s.load_sop()
        with _locked(s):
            reg = open_register(s, build_layout(sop, s.categories, s.service.kind_names()))
            try:
                done = reg.init()
            finally:
                reg.close()
            done = list(done or []) + _reply_key(s)
        for line in done or ["register sudah lengkap; tidak ada yang diubah"]:
            click.echo(f"- {line}")
    except AduanError as e:
        _fail(e, ctx.obj["verbose"])


# -- issue 18: yearly rotation ------------------------------------------------------
@cli.command()
@click.option(
    "--year",
    "year",
    required=True,
    type=click.IntRange(2000, 2999),
    metavar="TAHUN",
    help="Tahun yang diarsipkan (harus sudah lewat).",
)
@now_option
@click.pass_context
def archive(ctx: click.Context, year: int, now_text: str | None) -> None:
    """Pindahkan aduan yang sudah selesai dari tahun yang lalu ke arsip.

    Aduan berstatus Selesai, Disalurkan atau Ditutup yang diterima pada TAHUN itu,
    beserta baris Riwayat-nya, disalin ke arsip (register .xlsx: berkas
    register-arsip-TAHUN.xlsx di sampingnya; Google Sheet: spreadsheet arsip),
    diperiksa, lalu baru dihapus dari register. Aduan yang masih berjalan tidak
    pernah dipindah. Tautan arsip ditulis di tab Petunjuk. Aman dihentikan kapan
    saja: jalankan lagi, tidak ada yang hilang atau tersalin dua kali.

    Example:

        \b
        aduan archive --year 2026
    """
    try:
        from aduan.run.archive import run_archive

        s = _settings(ctx)
        now = _parse_now(now_text, s) or datetime.now(s.tz)
        with _locked(s):
            rep = run_archive(s, year, now)
        for line in rep.lines:
            click.echo(f"- {line}")
    except AduanError as e:
        _fail(e, ctx.obj["verbose"])


def _reply_key(s: Settings) -> list[str]:
    """Make the reply key on first use (issue 21); a line when it was made now."""
    from aduan.config import AUTO_KEY_FILE
    from aduan.run.wiring import reply_keys

    if not s.replies.enabled or s.replies.key_env or s.replies.key_file:
        return []
    path = s.path(s.paths.state) / AUTO_KEY_FILE
    existed = path.exists()
    reply_keys(s)
    return [] if existed else [f"kunci balasan email dibuat: {path} (hanya pemilik, 0600)"]


class _locked:
    """The run lock as a context manager that raises RunLocked when held."""

    def __init__(self, settings: Settings) -> None:
        from aduan.run.lock import lock

        self.lk = lock(settings)

    def __enter__(self):
        from filelock import Timeout

        from aduan.run.lock import busy

        try:
            self.lk.acquire()
        except Timeout:
            raise busy(self.lk) from None
        return self

    def __exit__(self, *exc) -> None:
        self.lk.release()


# -- issue 19: the fleet (run/check/recap --all DIR) ------------------------------
all_option = click.option(
    "--all",
    "all_dir",
    default=None,
    metavar="DIR",
    type=click.Path(exists=True),
    help="Semua kantor: DIR/<kantor>/settings.yaml, atau berkas daftar kantor.",
)
jobs_option = click.option(
    "--jobs",
    "-j",
    default=None,
    type=click.IntRange(1, 256),
    metavar="N",
    help="Kantor yang berjalan bersamaan (bawaan: jumlah CPU).",
)


def _fleet_now(value: str | None) -> datetime | None:
    """--now for a fleet: without a zone it is each office's own local time."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise ConfigError(
            f"--now {value!r} is not an ISO date-time", fix="write e.g. 2026-11-24T10:30"
        ) from None


def _fleet(ctx: click.Context, all_dir: str, jobs, task: str, now_text, deliver=False) -> None:
    """Run a task for every office of the fleet (``deliver``: then the courier); exit 0 or 1."""
    import functools
    import time

    from aduan.run import courier, fleet

    t0 = time.perf_counter()
    try:
        offices = fleet.find_offices(Path(all_dir))
        now = _fleet_now(now_text)
    except AduanError as e:
        _fail(e, ctx.obj["verbose"])
        return
    if task == "run":
        import aduan.run.cycle  # noqa: F401  (imported once here, shared by every fork)

        work = functools.partial(fleet.cycle_work, now=now)
    else:
        import aduan.run.check  # noqa: F401

        work = functools.partial(fleet.check_work, now=now)
    results = fleet.run_fleet(
        offices, work, jobs=jobs, on_result=lambda r: click.echo(f"aduan: {r.line}")
    )
    rep = courier.run_courier(offices, now=now) if deliver else None  # mail between offices
    if rep is not None:
        click.echo(f"aduan: {rep.line}")
    click.echo(f"aduan: {fleet.fleet_total(results, time.perf_counter() - t0)}")
    sys.exit(fleet.fleet_exit(results) or int(bool(rep and rep.problems)))


# -- end issue 19 -------------------------------------------------------------------


@cli.command()
@now_option
@all_option
@jobs_option
@click.option("--no-courier", is_flag=True, help="Dengan --all: tanpa kurir antar-kantor.")
@click.pass_context
def run(ctx: click.Context, now_text: str | None, all_dir, jobs, no_courier: bool) -> None:
    """Jalankan satu siklus: baca email dan register, gerakkan SOP, kirim email.

    Ini yang dijalankan cron setiap beberapa menit. Dengan --all DIR: satu siklus per
    kantor (terpisah: kantor yang gagal disebut namanya, yang lain jalan terus), lalu
    kurir mengantar email antar-kantor lewat folder armada (docs/armada.md).

    Example:

        \b
        */5 * * * * cd /opt/aduan && .venv/bin/aduan run
        */5 * * * * cd /opt/aduan && .venv/bin/aduan run --all /srv/aduan
    """
    if all_dir:
        _fleet(ctx, all_dir, jobs, "run", now_text, deliver=not no_courier)
        return
    try:
        from aduan.run.lock import probe

        s = _settings(ctx)
        probe(s)  # a second run exits here, before the heavy imports below
        from aduan.run.cycle import run_cycle

        rep = run_cycle(s, now=_parse_now(now_text, s))
    except AduanError as e:
        _fail(e, ctx.obj["verbose"])
        return
    from aduan.run.fleet import cycle_line

    click.echo(f"aduan: {cycle_line(rep)} ({rep.seconds:.2f} s)")
    for p in rep.problems:
        click.echo(f"aduan: masalah: {p}", err=True)
    sys.exit(rep.exit_code)


@cli.command()
@click.option(
    "--send-test",
    "send_test",
    default="",
    metavar="ALAMAT",
    help="Kirim juga email uji ke alamat ini (memastikan email benar-benar sampai).",
)
@click.option(
    "--deep",
    is_flag=True,
    help="Uji juga Google Sheet kantor sungguhan di tab uji sementara yang lalu dihapus "
    "(tab register tidak disentuh).",
)
@all_option
@jobs_option
@click.pass_context
def check(
    ctx: click.Context, send_test: str, deep: bool, all_dir: str | None, jobs: int | None
) -> None:
    """Periksa pengaturan, SOP, templat, register, kotak masuk, dan pengiriman email.

    Dengan --all DIR: setiap kantor diperiksa, satu baris per kantor.

    Dengan --deep: Aduan membuat tab uji sementara (_aduan_uji_...) di Google Sheet
    kantor, menulis baris uji berisi pilihan dropdown register, nomor 0812... dan
    teks berawalan '=', membacanya kembali sebagai teks, memeriksa apakah baris baru
    masuk tepat di bawah judul walau baris di bawahnya berisi dropdown, lalu
    menghapus tab itu (juga bila uji gagal). Register .xlsx: tidak ada yang diuji.

    Example:

        \b
        aduan check
        aduan check --deep
        aduan check --send-test admin@kantor.go.id
        aduan check --all /srv/aduan
    """
    if all_dir:
        _fleet(ctx, all_dir, jobs, "check", None)
        return
    from aduan.run.check import run_checks

    try:
        s = _settings(ctx)
    except AduanError as e:
        _fail(e, ctx.obj["verbose"])
        return
    ok = True
    for name, good, detail in run_checks(s, send_test_to=send_test):
        ok &= good
        click.echo(f"[{'OK' if good else 'GAGAL'}] {name}: {detail}")
    if deep:  # issue 18 part 6
        from aduan.run.check import deep_checks

        for name, good, detail in deep_checks(s):
            ok &= good
            click.echo(f"[{'OK' if good else 'GAGAL'}] {name}: {detail}")
    sys.exit(0 if ok else EXIT_FAILED)


@cli.command()
@click.option(
    "--dir",
    "out_dir",
    default="var/demo",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Folder hasil demo.",
)
@click.pass_context
def demo(ctx: click.Context, out_dir: str) -> None:
    """Demo: tiga kantor (BPBD dan Dinas PUPR Karanganyar, Dinsos Blitar), satu bulan.

    Membuat folder kantor (pengaturan, Maildir berisi aduan contoh), lalu menjalankan
    armada (run --all) dengan satu jam simulasi sambil mengisi kolom staf seperti petugas,
    sekretaris, pimpinan, dan tim. Hasil: register .xlsx, email .eml, dokumen .docx.

    Example:

        aduan demo --dir var/demo
    """
    from aduan.demo.run import run_demo

    try:
        run_demo(Path(out_dir))
    except AduanError as e:
        _fail(e, ctx.obj["verbose"])


@cli.command()
@click.option(
    "--month",
    "month_text",
    default=None,
    metavar="YYYY-MM",
    help="Bulan yang direkap (bawaan: bulan lalu).",
)
@click.option("--send", is_flag=True, help="Kirim laporan lewat email kepada pimpinan.")
@now_option
@all_option
@jobs_option
@click.option(
    "--out",
    "out_dir",
    default=None,
    type=click.Path(file_okay=False),
    help="Dengan --all: folder rekap pemda (bawaan: DIR/rekap-pemda).",
)
@click.option(
    "--kop",
    "letterhead",
    default=None,
    metavar="KANTOR",
    help="Dengan --all: kantor koordinator yang kop dan pimpinannya dipakai (bawaan: kantor pertama).",
)
@click.pass_context
def recap(
    ctx: click.Context,
    month_text: str | None,
    send: bool,
    now_text: str | None,
    all_dir: str | None,
    jobs: int | None,
    out_dir: str | None,
    letterhead: str | None,
) -> None:
    """Rekap bulanan: tab 'Rekap YYYY-MM' di register dan laporan Word (dokumen/rekap/).

    Jumlah aduan per saluran, kategori dan hasil; waktu tiap tahap SOP terhadap
    mutu baku; daftar penyimpangan; aduan yang masih terbuka; perbandingan
    dengan bulan lalu. Dengan --all DIR: rekap pemda, satu laporan Word dan satu
    sheet untuk semua kantor (diterima, selesai, tepat waktu, standar pelayanan,
    disalurkan masuk/keluar, kepuasan).

    Example:

        \b
        aduan recap --month 2026-11 --send
        0 7 1 * * cd /opt/aduan && .venv/bin/aduan recap --send
        aduan recap --all /srv/aduan --month 2026-11
    """
    if all_dir:
        _pemda_recap(ctx, all_dir, month_text, now_text, jobs, out_dir, letterhead)
        return
    try:
        from aduan.run.lock import probe

        s = _settings(ctx)
        probe(s)  # busy: say so before importing the recap (matplotlib is slow to load)
        from aduan.run.recap import parse_month, previous_month, run_recap

        now = _parse_now(now_text, s) or datetime.now(s.tz)
        if month_text:
            try:
                month = parse_month(month_text)
            except ValueError as e:
                raise ConfigError(str(e), key="--month") from None
        else:
            local = now.astimezone(s.tz)
            month = previous_month(local.year, local.month)
        rep = run_recap(s, month, now=now, send=send)
    except AduanError as e:
        _fail(e, ctx.obj["verbose"])
        return
    done = [f"rekap {rep.recap.label}: {rep.recap.received} aduan diterima"]
    if rep.tab and not any(p.startswith("tab ") for p in rep.problems):
        done.append(f"tab '{rep.tab}' ditulis")
    if rep.path:
        done.append(f"dokumen {rep.path}")
    if rep.emailed:
        done.append(f"email ke {', '.join(rep.emailed)}")
    click.echo("aduan: " + "; ".join(done))
    for p in rep.problems:
        click.echo(f"aduan: masalah: {p}", err=True)
    sys.exit(1 if rep.problems else 0)


def _pemda_recap(ctx, all_dir, month_text, now_text, jobs, out_dir, letterhead) -> None:
    """``recap --all``: one line per office, then the report and the sheet (issue 19)."""
    from aduan.core.recap import parse_month, previous_month
    from aduan.run import fleet
    from aduan.run.pemda import run_pemda_recap

    try:
        offices = fleet.find_offices(Path(all_dir))
        now = _fleet_now(now_text)
        if month_text:
            try:
                month = parse_month(month_text)
            except ValueError as e:
                raise ConfigError(str(e), key="--month") from None
        else:
            today = now or datetime.now()
            month = previous_month(today.year, today.month)
        root = Path(all_dir) if Path(all_dir).is_dir() else Path(all_dir).parent
        rep = run_pemda_recap(
            offices,
            month,
            out=Path(out_dir) if out_dir else root / "rekap-pemda",
            letterhead=letterhead,
            now=now,
            jobs=jobs,
            on_result=lambda r: click.echo(f"aduan: {r.line}"),
        )
    except AduanError as e:
        _fail(e, ctx.obj["verbose"])
        return
    click.echo(
        f"aduan: rekap pemda {rep.recap.label}: {len(rep.recap.offices)} kantor; "
        f"dokumen {rep.docx}; sheet {rep.sheet}"
    )
    for p in rep.problems:
        click.echo(f"aduan: masalah: {p}", err=True)
    sys.exit(1 if rep.problems else 0)


@cli.group()
def auth() -> None:
    """Izin akses ke layanan luar (Google).

    Example:

        aduan auth google --paste
    """


@auth.command("google")
@click.option(
    "--paste",
    is_flag=True,
    help="Server tanpa browser: buka alamat di komputer lain, lalu tempel alamat hasilnya.",
)
@click.option(
    "--no-browser",
    "no_browser",
    is_flag=True,
    help="Jangan buka browser; tunggu di --port (pakai terowongan ssh -L dari laptop).",
)
@click.option("--port", default=8765, show_default=True, help="Port localhost untuk pengalihan.")
@click.option("--gmail", is_flag=True, help="Sekaligus izin IMAP/SMTP Gmail (XOAUTH2).")
@click.pass_context
def auth_google(ctx: click.Context, paste: bool, no_browser: bool, port: int, gmail: bool) -> None:
    """Hubungkan akun Google kantor (mode oauth_user) sekali; token disimpan 0600.

    Perlu google.client_secrets_file (klien OAuth jenis Desktop app). Token
    disimpan di google.token_file, di luar folder proyek; run berikutnya
    memperbaruinya sendiri. Lihat docs/google-akun.md.

    Example:

        aduan auth google            # komputer dengan browser
        aduan auth google --paste    # server tanpa browser
    """
    from aduan.google import auth as gauth
    from aduan.run.wiring import google_account

    try:
        s = _settings(ctx)
        account = google_account(s)
        if paste:
            done = gauth.paste_flow(account, port=port, gmail=gmail, say=click.echo)
        else:
            done = gauth.browser_flow(account, port=port, open_browser=not no_browser, gmail=gmail)
    except AduanError as e:
        _fail(e, ctx.obj["verbose"])
        return
    click.echo(f"aduan: {done}")
    if s.google.auth != "oauth_user":
        click.echo("aduan: catatan: isi google.auth: oauth_user agar token ini dipakai", err=True)


def main() -> None:
    cli(prog_name="aduan")


if __name__ == "__main__":
    main()
