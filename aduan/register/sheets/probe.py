"""``aduan check --deep``: the live probe, run on the office's real sheet without
touching its tabs (issue 18 part 6).

Everything happens in a scratch tab ``_aduan_uji_<random>`` that is made for the
probe and deleted afterwards, also when a step fails:

1. the tab gets the register's headers, its dropdowns (every column with value
   options) and the TEXT format on the rows below the header, as ``aduan init``
   puts them on the real register;
2. one ``appendCells`` writes test rows holding every value option, a phone
   number with its leading zero, ``+62…`` and a leading ``=``;
3. one read gives them back as text: each must come back exactly as written, and
   the first must sit on row 2 — Google's ``appendCells`` appends "after the last
   row with data"; if rows that hold only dropdowns or formats count as data, new
   complaints would land below row 1000 of the real register (item 8);
4. the tab is deleted (looked up by title, so a tab made by a retried request
   that Google had already applied goes too).

Each outcome is one Indonesian line with a verdict: ``(ok, line)``."""

from __future__ import annotations

import logging
import secrets

from aduan.core.layout import C
from aduan.errors import AduanError
from aduan.register.sheets.batch import (
    add_sheet,
    append,
    at,
    list_rule,
    quote_tab,
    update_row,
)
from aduan.register.sheets.state import SheetsState, new_sheet_id

__all__ = ["PROBE_PREFIX", "PROBE_ROWS", "deep_probe", "probe_rows"]

logger = logging.getLogger(__name__)

PROBE_PREFIX = "_aduan_uji_"
PROBE_ROWS = 20  # rows with dropdowns below the header, as init's 2-1000 but small

#: cells whose text Google must keep as typed (the register writes RAW stringValues)
TRICKY = {
    C.TICKET: "ADU/UJI/0001",
    C.CONTACT: "081234567890",
    C.NAME: "+62 812-3456-7890",
    C.SUBJECT: "=1+1",
    C.TEXT: '=IMPORTXML("http://contoh.invalid";"//a")',
    C.RECEIVED: "03/11/2026 08.00",
}

Outcome = tuple[bool, str]


def probe_rows(headers: list[str], choices: dict[str, tuple[str, ...]]) -> list[list[str]]:
    """The test rows: row i holds option i of every column with options (cycled), the
    first row also the tricky texts; as many rows as the longest list of options."""
    n = max((len(v) for v in choices.values() if v), default=1)
    rows = []
    for i in range(n):
        row = []
        for h in headers:
            opts = choices.get(h)
            if opts:
                row.append(opts[i % len(opts)])
            elif i == 0:
                row.append(TRICKY.get(h, ""))
            else:
                row.append(TRICKY[C.TICKET] if h == C.TICKET else "")
        rows.append(row)
    return rows


def _setup_requests(sid: int, title: str, st: SheetsState) -> list[dict]:
    """The scratch tab as the register is: header, dropdowns and TEXT below it."""
    cols = st.layout.columns
    grid = {"rowCount": PROBE_ROWS + 1, "columnCount": len(cols)}
    reqs = [
        add_sheet({"sheetId": sid, "title": title, "hidden": True, "gridProperties": grid}),
        update_row(sid, 0, [c.name for c in cols]),
        {
            "repeatCell": {
                "range": {"sheetId": sid, "startRowIndex": 1},
                "cell": {"userEnteredFormat": {"numberFormat": {"type": "TEXT"}}},
                "fields": "userEnteredFormat.numberFormat",
            }
        },
    ]
    for j, c in enumerate(cols):
        if c.choices:
            rng = {
                "sheetId": sid,
                "startRowIndex": 1,
                "endRowIndex": PROBE_ROWS + 1,
                "startColumnIndex": j,
                "endColumnIndex": j + 1,
            }
            reqs.append({"setDataValidation": {"range": rng, "rule": list_rule(c.choices)}})
    return reqs


def _compare(written: list[list[str]], got: list[list[str]], headers: list[str]) -> list[str]:
    """Cells that did not come back as written, as 'Kolom: 'x' terbaca 'y''."""
    out = []
    for want, row in zip(written, got, strict=False):
        for j, h in enumerate(headers):
            if want[j] != at(row, j):
                out.append(f"{h}: {want[j]!r} terbaca {at(row, j)!r}")
    out += [f"baris uji ke-{i + 1} tidak terbaca" for i in range(len(got), len(written))]
    return out


def deep_probe(st: SheetsState) -> list[Outcome]:
    """Run the probe on ``st``'s spreadsheet (see the module doc); never raises."""
    client = st.client
    title = PROBE_PREFIX + secrets.token_hex(3)
    headers = [c.name for c in st.layout.columns]
    choices = {c.name: c.choices for c in st.layout.columns if c.choices}
    written = probe_rows(headers, choices)
    out: list[Outcome] = []
    tried = False  # whether the tab may exist (a failed addSheet can still land)
    try:
        used = set(client.titles().values())
        sid = new_sheet_id(used)
        tried = True
        client.batch_update({"requests": _setup_requests(sid, title, st)}, what="membuat tab uji")
        client.batch_update({"requests": [append(sid, written)]}, what="menulis baris uji")
        # the whole tab by title: Google refuses a range past its grid
        (vr,) = client.batch_get([quote_tab(title)], "membaca baris uji")
        values = [[str(v) for v in r] for r in vr.get("values") or []]
        data = [i for i, r in enumerate(values) if i and any(str(v).strip() for v in r)]
        got = values[data[0] : data[0] + len(written)] if data else []
        bad = _compare(written, got, headers)
        n_opts = sum(len(v) for v in choices.values())
        if not bad:
            out.append(
                (
                    True,
                    f"Tulis dan baca balik: {n_opts} pilihan dari {len(choices)} kolom "
                    "berdropdown tersimpan persis seperti ditulis",
                )
            )
            out.append(
                (
                    True,
                    f"Teks tetap teks: {TRICKY[C.CONTACT]} dan {TRICKY[C.NAME]} tidak menjadi "
                    f"angka, {TRICKY[C.SUBJECT]} dan rumus IMPORTXML tidak dijalankan",
                )
            )
        else:
            out.append(
                (
                    False,
                    "Tulis dan baca balik: Google mengubah nilai yang ditulis Aduan ("
                    + "; ".join(bad[:5])
                    + (f"; dan {len(bad) - 5} lagi" if len(bad) > 5 else "")
                    + ")",
                )
            )
        if not data:
            out.append((False, "Tambah baris: baris uji tidak ditemukan sesudah ditambahkan"))
        elif data[0] == 1:
            out.append(
                (
                    True,
                    "Tambah baris: aduan baru masuk tepat di bawah judul (baris 2), walau "
                    f"baris 2–{PROBE_ROWS + 1} hanya berisi dropdown dan format",
                )
            )
        else:
            out.append(
                (
                    False,
                    f"Tambah baris: aduan baru masuk di baris {data[0] + 1}, di bawah baris "
                    "yang hanya berisi dropdown dan format: Google menghitungnya sebagai data, "
                    "jadi di register aduan baru akan muncul di bawah baris terakhir "
                    "berdropdown; laporkan ke pengembang Aduan",
                )
            )
    except AduanError as e:
        out.append((False, f"Uji berhenti: {e}"))
    except Exception as e:  # a probe reports, it must not crash `aduan check`
        logger.exception("deep probe")
        out.append((False, f"Uji berhenti: {type(e).__name__}: {e}"))
    finally:
        if tried:
            out.append(_remove(st, title))
    return out


def _remove(st: SheetsState, title: str) -> Outcome:
    """Delete the scratch tab if it exists (by title: whatever made it)."""
    try:
        sid = st.client.titles().get(title)
        if sid is not None:
            st.client.batch_update(
                {"requests": [{"deleteSheet": {"sheetId": sid}}]}, what="menghapus tab uji"
            )
    except AduanError as e:
        return (
            False,
            f"Tab uji '{title}' tidak dapat dihapus ({e}); hapus sendiri tab itu di Google Sheet",
        )
    return True, f"Tab uji '{title}' dihapus; tab register tidak disentuh"
