"""The Google Sheets register (see the package doc): read, write, setup and
``aduan check`` together behind :class:`aduan.register.base.Register`."""

from __future__ import annotations

from aduan.core.layout import REGISTER_TAB
from aduan.register.sheets.batch import quote_tab
from aduan.register.sheets.setup import SheetsSetup
from aduan.register.sheets.write import SheetsWriter

__all__ = ["SheetsRegister"]


class SheetsRegister(SheetsWriter, SheetsSetup):
    """A register kept in a Google Sheet (see :class:`aduan.register.base.Register`);
    the constructor is :class:`aduan.register.sheets.state.SheetsState`'s."""

    def check(self) -> str:
        """One human line for ``aduan check``: title, rows, identity."""
        meta = self.client.metadata("properties.title,sheets.properties.title")
        title = meta.get("properties", {}).get("title", "?")
        tabs = [s["properties"]["title"] for s in meta.get("sheets", [])]
        who = self.service_account_email or "akun layanan (tanpa berkas kunci)"
        if REGISTER_TAB not in tabs:
            return (
                f"Google Sheet '{title}' terbuka sebagai {who}, tetapi tab '{REGISTER_TAB}' "
                "belum ada: jalankan `aduan init`"
            )
        (col,) = self.client.batch_get([f"{quote_tab(REGISTER_TAB)}!A:A"], "memeriksa register")
        n = sum(1 for r in (col.get("values") or [])[1:] if r and str(r[0]).strip())
        return f"Google Sheet '{title}': {n} aduan bernomor; akses sebagai {who}"
