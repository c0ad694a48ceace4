"""``aduan archive --year 2026`` (issue 18): a past year's closed complaints and their
Riwayat rows leave the live register for the year's archive (a file beside the xlsx
register, a spreadsheet for Google Sheets), linked from *Petunjuk*.

Kill-safe, in this order:

1. the meta gets ``arsip:2026 = menyalin <where>``: a rerun finds the same archive;
2. the rows the archive lacks are copied (matched by ticket, Riwayat rows by content,
   so a rerun after a kill copies nothing twice);
3. the archive is read back: every row must be there, else nothing is deleted;
4. only then the rows leave the live register;
5. the meta gets ``arsip:2026 = <where>`` and *Petunjuk* the link.

A run killed anywhere loses nothing (rows leave the register only once copied and
verified) and duplicates nothing (the next run copies what is missing and deletes
what is still there). Open complaints never move.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aduan.config import Settings
from aduan.core import idfmt
from aduan.core.archive import ARCHIVE_KEY, COPYING, Table, missing_from, pick, subset
from aduan.core.layout import build_layout
from aduan.core.model import WriteSet
from aduan.errors import AduanError, RegisterError
from aduan.run.wiring import open_register

__all__ = ["ArchiveReport", "archive_year", "auto_archive", "run_archive"]

logger = logging.getLogger(__name__)


@dataclass
class ArchiveReport:
    """What one archive run did."""

    year: int
    where: str = ""
    moved: int = 0
    history: int = 0
    lines: list[str] = field(default_factory=list)


def archive_year(reg: Any, year: int, now: datetime) -> ArchiveReport:
    """Move ``year``'s closed complaints of register ``reg`` (an xlsx or Sheets
    register: ``archive_read``/``archive_store``/``archive_remove``) to its archive."""
    if year >= now.year:
        raise RegisterError(
            f"tahun {year} belum lewat; hanya aduan tahun yang sudah lewat yang diarsipkan "
            f"(mis. `aduan archive --year {now.year - 1}`)",
            permanent=True,
        )
    rep = ArchiveReport(year)
    key = f"{ARCHIVE_KEY}{year}"
    prior = reg.read().meta.get(key, "")
    resumed = prior[len(COPYING) :] if prior.startswith(COPYING) else ""
    register, history = reg.archive_read()
    tickets = pick(register, year, now.tzinfo or UTC)
    if not tickets and not resumed:
        rep.where = prior
        rep.lines.append(
            f"tidak ada aduan selesai tahun {year} di register"
            + (f"; arsipnya: {prior}" if prior else "")
        )
        return rep
    store = reg.archive_store(year, resumed)
    rep.where = store.where
    if prior != COPYING + store.where:
        reg.write(WriteSet(meta={key: COPYING + store.where}))
    want_reg, want_hist = subset(register, history, set(tickets))
    have_reg, have_hist = store.read()
    add_reg = missing_from(have_reg, want_reg, by_ticket=True)
    add_hist = missing_from(have_hist, want_hist, by_ticket=False)
    if add_reg or add_hist:
        store.add(
            Table(have_reg.headers or want_reg.headers, add_reg),
            Table(have_hist.headers or want_hist.headers, add_hist),
        )
    back_reg, back_hist = store.read()
    lost = len(missing_from(back_reg, want_reg, by_ticket=True)) + len(
        missing_from(back_hist, want_hist, by_ticket=False)
    )
    if lost:
        raise RegisterError(
            f"arsip {store.where}: {lost} baris tidak terbaca kembali setelah disalin; "
            "register tidak diubah, jalankan `aduan archive` lagi",
            permanent=False,
        )
    rep.moved, rep.history = reg.archive_remove(set(tickets))
    entry = {
        "Waktu": idfmt.tanggal_pendek(now),
        "No. Aduan": "",
        "Peristiwa": f"Arsip {year}",
        "Pelaku": "Sistem",
        "Keterangan": f"{len(tickets)} aduan selesai tahun {year} beserta riwayatnya "
        f"dipindahkan ke {store.where}",
        "Kunci": f"arsip|{year}",
    }
    reg.write(WriteSet(meta={key: store.where}, history=[entry]))
    rep.lines.append(
        f"{len(tickets)} aduan selesai tahun {year} disalin ke {store.where} dan diperiksa; "
        f"{rep.moved} baris register dan {rep.history} baris Riwayat dihapus dari register"
    )
    rep.lines += [f"Petunjuk: {line}" for line in reg.init() if "Petunjuk" in line]
    return rep


def run_archive(settings: Settings, year: int, now: datetime) -> ArchiveReport:
    """Open the register the settings name and archive ``year`` (the caller holds the lock)."""
    sop = settings.load_sop()
    layout = build_layout(sop, settings.categories, settings.service.kind_names())
    reg = open_register(settings, layout)
    try:
        return archive_year(reg, year, now)
    finally:
        reg.close()


def _done_file(settings: Settings, year: int) -> Path:
    return settings.path(settings.paths.state) / f"arsip-{year}.selesai"


def auto_archive(settings: Settings, now: datetime) -> str:
    """January's rotation (``register.archive_in_january``), after a cycle and under its
    lock: last year's archive once; a file in the state folder spares later cycles the
    read. A failure is one line for the cycle's problems (the next cycle tries again)."""
    conf = settings.register_
    if not getattr(conf, "archive_in_january", False) or now.month != 1:
        return ""
    year = now.year - 1
    done = _done_file(settings, year)
    if done.exists():
        return ""
    try:
        rep = run_archive(settings, year, now)
    except AduanError as e:
        logger.warning("yearly archive %d failed: %s", year, e)
        return f"arsip {year} gagal: {e}"
    done.parent.mkdir(parents=True, exist_ok=True)
    done.write_text(f"{rep.where}\n", encoding="utf-8")
    for line in rep.lines:
        logger.info("arsip %d: %s", year, line)
    return ""
