"""The Google Sheets register (see the package doc): read, write, setup and
``aduan check`` together behind :class:`aduan.register.base.Register`."""

from __future__ import annotations

from aduan.core.layout import REGISTER_TAB
from aduan.register.sheets.archive import SheetsArchive
from aduan.register.sheets.batch import quote_tab
from aduan.register.sheets.client import CELL_LIMIT, thousands
from aduan.register.sheets.probe import deep_probe
from aduan.register.sheets.setup import SheetsSetup
from aduan.register.sheets.write import SheetsWriter

__all__ = ["CELL_WARN", "SheetsRegister", "cell_budget"]

CELL_WARN = 0.8  # `aduan check` warns from 80% of Google's cell limit


def cell_budget(meta: dict) -> str:
    """Cells in use (every tab's grid, as Google counts) against the limit, one line;
    a warning naming the fix from 80%."""
    used = sum(
        g.get("rowCount", 0) * g.get("columnCount", 0)
        for s in meta.get("sheets", [])
        for g in [s.get("properties", {}).get("gridProperties", {})]
    )
    share = used / CELL_LIMIT
    line = f"{thousands(used)} dari {thousands(CELL_LIMIT)} sel terpakai ({share:.0%})"
    if share >= CELL_WARN:
        line = (
            f"PERINGATAN: {line}; bila penuh, Google menolak setiap penulisan: jalankan "
            "`aduan archive --year TAHUN` untuk memindahkan aduan tahun lalu"
        )
    return line


class SheetsRegister(SheetsWriter, SheetsSetup, SheetsArchive):
    """A register kept in a Google Sheet (see :class:`aduan.register.base.Register`);
    the constructor is :class:`aduan.register.sheets.state.SheetsState`'s."""

    def check(self) -> str:
        """One human line for ``aduan check``: title, rows, identity."""
        meta = self.client.metadata(
            "properties.title,sheets.properties(title,gridProperties(rowCount,columnCount))"
        )
        title = meta.get("properties", {}).get("title", "?")
        tabs = [s["properties"]["title"] for s in meta.get("sheets", [])]
        budget = cell_budget(meta)
        who = self.service_account_email or "akun layanan (tanpa berkas kunci)"
        if REGISTER_TAB not in tabs:
            return (
                f"Google Sheet '{title}' terbuka sebagai {who}, tetapi tab '{REGISTER_TAB}' "
                f"belum ada: jalankan `aduan init`; {budget}"
            )
        (col,) = self.client.batch_get([f"{quote_tab(REGISTER_TAB)}!A:A"], "memeriksa register")
        n = sum(1 for r in (col.get("values") or [])[1:] if r and str(r[0]).strip())
        return f"Google Sheet '{title}': {n} aduan bernomor; {budget}; akses sebagai {who}"

    # -- issue 18 part 6: `aduan check --deep`
    def probe(self) -> list[tuple[bool, str]]:
        """The live probe in a scratch tab it removes (:mod:`.probe`); real tabs untouched."""
        return deep_probe(self)
