"""``aduan init`` on a Google Sheet: tabs, headers, dropdowns, conditional
formatting and (warning-only) protections, in one batchUpdate or none."""

from __future__ import annotations

from aduan.core.archive import archive_links
from aduan.core.layout import GUIDE_TAB, HISTORY_HEADERS, HISTORY_TAB, META_TAB, REGISTER_TAB, C
from aduan.errors import RegisterError
from aduan.register.base import guide_rows, missing_message
from aduan.register.sheets.batch import (
    COLOURS,
    GREY,
    RED,
    a1_col,
    add_sheet,
    at,
    bold_row,
    cells_range,
    clear_values,
    column_width,
    dimension,
    freeze_header,
    list_rule,
    protect,
    quote_tab,
    resize,
    rgb,
    runs,
    update_row,
    update_rows,
)
from aduan.register.sheets.readable import readable_requests
from aduan.register.sheets.state import (
    ID_KEY,
    META_HEADERS,
    OWN_TABS,
    TAB_COLUMNS,
    SheetsState,
    grid_of,
    new_sheet_id,
)

__all__ = ["SheetsSetup"]

DONE_STATUSES = ("Selesai", "Disalurkan")
PROTECT_NOTE = "Aduan: kolom sistem, diisi otomatis"
PROTECT_HEADER = "Aduan: judul kolom, jangan diubah"
PROTECT_LOG = "Aduan: riwayat, hanya ditambah sistem"


class SheetsSetup(SheetsState):
    """Creating and repairing the sheet's structure."""

    def init(self) -> list[str]:
        """Create or repair tabs, headers, dropdowns, formatting and protection;
        one batchUpdate, none at all when the sheet is already complete."""
        meta = self.client.metadata(
            "sheets(properties,conditionalFormats,protectedRanges,basicFilter)"
        )
        sheets = {s["properties"]["title"]: s for s in meta.get("sheets", [])}
        done: list[str] = []
        reqs: list[dict] = []
        ids = {t: s["properties"]["sheetId"] for t, s in sheets.items()}
        used = set(ids.values())

        def new_id() -> int:
            return new_sheet_id(used)

        existing = [t for t in (REGISTER_TAB, HISTORY_TAB, GUIDE_TAB, META_TAB) if t in sheets]
        got = self.client.batch_get(
            [f"{quote_tab(t)}!1:1" if t != GUIDE_TAB else quote_tab(t) for t in existing]
            + ([quote_tab(META_TAB)] if META_TAB in sheets else []),
            "membaca register",
        )
        values = {t: got[i].get("values") or [] for i, t in enumerate(existing)}
        meta_values = (got[-1].get("values") or []) if META_TAB in sheets else []
        ncols = len(self.layout.columns)

        # Register Aduan
        header = [str(v).strip() for v in (values.get(REGISTER_TAB) or [[]])[0]]
        fresh_register = not any(header)
        if REGISTER_TAB not in sheets:
            ids[REGISTER_TAB] = new_id()
            grid = {"rowCount": 1000, "columnCount": ncols}
            props = {"sheetId": ids[REGISTER_TAB], "title": REGISTER_TAB, "index": 0}
            reqs.append({"addSheet": {"properties": props | {"gridProperties": grid}}})
            done.append(f"Tab '{REGISTER_TAB}' dibuat")
            reg_props: dict = props | {"gridProperties": grid}
        else:
            reg_props = sheets[REGISTER_TAB]["properties"]
        reg = ids[REGISTER_TAB]
        grid = reg_props["gridProperties"]
        if fresh_register:
            if grid["columnCount"] < ncols:
                reqs.append(resize(reg, grid["rowCount"], ncols))
                grid = {**grid, "columnCount": ncols}
            reqs += self._header_requests(reg)
            header = list(self.layout.headers)
            done.append(f"Judul kolom tab '{REGISTER_TAB}' ditulis ({ncols} kolom)")
        missing = [n for n in self.layout.headers if n not in header]
        if missing:
            raise RegisterError(
                missing_message(f"Google Sheet {self.key}", missing), permanent=True
            )
        col = {n: header.index(n) for n in self.layout.headers}
        width = max(len(header), ncols)
        if grid.get("frozenRowCount", 0) != 1:
            reqs.append(freeze_header(reg))
            done.append("Baris judul dibekukan")
        # -- issue 22: a register staff can read (the same as the xlsx backend)
        reqs_r, done_r = readable_requests(
            sheets.get(REGISTER_TAB, {}), grid, reg, width, first_col=col[C.TICKET]
        )
        reqs += reqs_r
        done += done_r
        rows = grid["rowCount"]
        if REGISTER_TAB in sheets:
            hidden, rules = self._column_state(col, rows)
        else:
            hidden, rules = set(), {}
        for c in self.layout.columns:
            if c.kind == "hidden" and col[c.name] not in hidden:
                reqs.append(dimension(reg, col[c.name], {"hiddenByUser": True}, "hiddenByUser"))
                done.append(f"Kolom '{c.name}' disembunyikan")
        for c in self.layout.columns:
            if not c.choices:
                continue
            rule = list_rule(c.choices)
            if rules.get(col[c.name]) == rule:
                continue
            rng = {
                "sheetId": reg,
                "startRowIndex": 1,
                "endRowIndex": rows,
                "startColumnIndex": col[c.name],
                "endColumnIndex": col[c.name] + 1,
            }
            reqs.append({"setDataValidation": {"range": rng, "rule": rule}})
            done.append(f"Daftar pilihan kolom '{c.name}' dibuat")
        reqs_cf, done_cf = self._formatting(sheets.get(REGISTER_TAB, {}), reg, col, width)
        reqs += reqs_cf
        done += done_cf
        reqs_p, done_p = self._protection(sheets.get(REGISTER_TAB, {}), reg, col, width)
        reqs += reqs_p
        done += done_p

        # Riwayat
        if HISTORY_TAB not in sheets:
            ids[HISTORY_TAB] = new_id()
            props = {
                "sheetId": ids[HISTORY_TAB],
                "title": HISTORY_TAB,
                "gridProperties": grid_of(HISTORY_TAB),
            }
            reqs.append(add_sheet(props))
            done.append(f"Tab '{HISTORY_TAB}' dibuat")
        hist = ids[HISTORY_TAB]
        if not any(str(v).strip() for v in (values.get(HISTORY_TAB) or [[]])[0]):
            reqs.append(update_row(hist, 0, HISTORY_HEADERS))
            reqs.append(bold_row(hist, len(HISTORY_HEADERS)))
            reqs.append(freeze_header(hist))
            for j in range(len(HISTORY_HEADERS)):
                reqs.append(column_width(hist, j, 20 if j < 4 else 50))
            # Riwayat for people (issue 22): the bookkeeping key column hidden
            kunci = HISTORY_HEADERS.index("Kunci")
            reqs.append(dimension(hist, kunci, {"hiddenByUser": True}, "hiddenByUser"))
            done.append(f"Judul kolom tab '{HISTORY_TAB}' ditulis")
        # staff may have protected the whole tab themselves: Google refuses a second one
        if not any(
            p.get("description") == PROTECT_LOG or not set(p.get("range", {})) - {"sheetId"}
            for p in sheets.get(HISTORY_TAB, {}).get("protectedRanges", [])
        ):
            reqs.append(protect({"sheetId": hist}, PROTECT_LOG))
            done.append(f"Tab '{HISTORY_TAB}' dilindungi (peringatan saja)")

        # Petunjuk
        archives = archive_links({at(r, 0).strip(): at(r, 1) for r in meta_values[1:] if r})
        want = [r + [""] * (4 - len(r)) for r in guide_rows(self.layout, archives)]
        have = [[str(v) for v in r] + [""] * (4 - len(r)) for r in values.get(GUIDE_TAB, [])]
        if have != want:
            if GUIDE_TAB not in sheets:
                ids[GUIDE_TAB] = new_id()
                props = {
                    "sheetId": ids[GUIDE_TAB],
                    "title": GUIDE_TAB,
                    "gridProperties": grid_of(GUIDE_TAB, len(want)),
                }
                reqs.append(add_sheet(props))
                for j, w in enumerate((28, 30, 30, 70)):
                    reqs.append(column_width(ids[GUIDE_TAB], j, w))
            guide = ids[GUIDE_TAB]
            rows_now = (
                sheets[GUIDE_TAB]["properties"].get("gridProperties", {}).get("rowCount", 0)
                if GUIDE_TAB in sheets
                else len(want)
            )
            if rows_now < len(want):  # a longer guide (an archive link, more columns)
                grow = {"sheetId": guide, "dimension": "ROWS", "length": len(want) - rows_now}
                reqs.append({"appendDimension": grow})
            reqs += [clear_values(guide), update_rows(guide, want)]
            done.append(
                f"Tab '{GUIDE_TAB}' {'dibuat' if GUIDE_TAB not in sheets else 'diperbarui'}"
            )

        # _aduan (hidden meta) and the tab-id cache in it
        if META_TAB not in sheets:
            ids[META_TAB] = new_id()
            props = {
                "sheetId": ids[META_TAB],
                "title": META_TAB,
                "hidden": True,
                "gridProperties": grid_of(META_TAB),
            }
            reqs.append(add_sheet(props))
            done.append(f"Tab tersembunyi '{META_TAB}' dibuat")
        elif not sheets[META_TAB]["properties"].get("hidden"):
            reqs.append(
                {
                    "updateSheetProperties": {
                        "properties": {"sheetId": ids[META_TAB], "hidden": True},
                        "fields": "hidden",
                    }
                }
            )
            done.append(f"Tab '{META_TAB}' disembunyikan")
        # -- issue 18: tabs made with Google's default 26 columns shrink to what they use
        reqs_w, done_w = self._shrink(sheets, values, meta_values)
        reqs += reqs_w
        done += done_w
        self._meta_tab = META_TAB in sheets
        self._load_meta(meta_values)
        cached = {f"{ID_KEY}{t}": str(ids[t]) for t in OWN_TABS}
        stale = {
            k: v
            for k, v in cached.items()
            if k not in self._meta_rows or at(meta_values[self._meta_rows[k]], 1) != v
        }
        if reqs or stale:
            if not meta_values:
                reqs.append(update_row(ids[META_TAB], 0, META_HEADERS))
                self._meta_rows, self._meta_tab = {"key": 0}, True
            self._ids_dirty = False
            reqs += self._meta_requests(stale, ids)
            self.client.batch_update(
                {"requests": reqs}, fields="spreadsheetId", what="menyiapkan register"
            )
        self._ids = {t: ids[t] for t in OWN_TABS}
        return done

    def _shrink(
        self, sheets: dict[str, dict], values: dict[str, list], meta_values: list
    ) -> tuple[list[dict], list[str]]:
        """deleteDimension on the columns past what Riwayat, _aduan and Petunjuk use:
        every cell of a grid counts against Google's 10-million-cell limit."""
        used = {
            HISTORY_TAB: len((values.get(HISTORY_TAB) or [[]])[0]),
            META_TAB: max((len(r) for r in meta_values), default=0),
            GUIDE_TAB: max((len(r) for r in values.get(GUIDE_TAB, [])), default=0),
        }
        reqs, done = [], []
        for tab, need in TAB_COLUMNS.items():
            if tab not in sheets:
                continue
            props = sheets[tab]["properties"]
            have = props.get("gridProperties", {}).get("columnCount", 0)
            keep = max(need, used[tab])
            if have > keep:
                rng = {
                    "sheetId": props["sheetId"],
                    "dimension": "COLUMNS",
                    "startIndex": keep,
                    "endIndex": have,
                }
                reqs.append({"deleteDimension": {"range": rng}})
                done.append(f"Tab '{tab}' dipersempit dari {have} ke {keep} kolom (hemat sel)")
        return reqs, done

    def _header_requests(self, reg: int) -> list[dict]:
        cols = self.layout.columns
        reqs = [update_row(reg, 0, [c.name for c in cols]), bold_row(reg, len(cols))]
        for j, c in enumerate(cols):
            # backgroundColorStyle: backgroundColor is deprecated in the API description
            kind = "intake" if c.typeable else c.kind  # staff may type it: shown as theirs
            fill = {"backgroundColorStyle": {"rgbColor": rgb(COLOURS.get(kind, (1, 1, 1)))}}
            reqs.append(
                {
                    "repeatCell": {
                        "range": cells_range(reg, 0, 1, j, j + 1),
                        "cell": {"userEnteredFormat": fill},
                        "fields": "userEnteredFormat.backgroundColorStyle",
                    }
                }
            )
            reqs.append(column_width(reg, j, c.width))
        # staff type phone numbers: text format keeps the leading zero
        reqs.append(
            {
                "repeatCell": {
                    "range": {"sheetId": reg, "startRowIndex": 1},
                    "cell": {"userEnteredFormat": {"numberFormat": {"type": "TEXT"}}},
                    "fields": "userEnteredFormat.numberFormat",
                }
            }
        )
        return reqs

    def _column_state(self, col: dict[str, int], rows: int) -> tuple[set[int], dict[int, dict]]:
        """Hidden columns, and each dropdown column's rule when every data row has it."""
        choice = [col[c.name] for c in self.layout.columns if c.choices]
        ranges = [f"{quote_tab(REGISTER_TAB)}!1:1"] + [
            f"{quote_tab(REGISTER_TAB)}!{a1_col(c)}2:{a1_col(c)}{rows}" for c in choice
        ]
        data = self.client.metadata(
            "sheets(properties.title,"
            "data(columnMetadata(hiddenByUser),rowData(values(dataValidation))))",
            ranges,
        )
        sheet = next(s for s in data["sheets"] if s["properties"]["title"] == REGISTER_TAB)
        grids = sheet.get("data", [])
        hidden = {
            j for j, m in enumerate(grids[0].get("columnMetadata", [])) if m.get("hiddenByUser")
        }
        rules: dict[int, dict] = {}
        for c, g in zip(choice, grids[1:], strict=True):
            cells = [
                (rd.get("values") or [{}])[0].get("dataValidation") for rd in g.get("rowData", [])
            ]
            if len(cells) == rows - 1 and cells and all(x == cells[0] for x in cells):
                rules[c] = cells[0]
        return hidden, rules

    def _formatting(
        self, sheet: dict, reg: int, col: dict[str, int], width: int
    ) -> tuple[list[dict], list[str]]:
        late, st = a1_col(col[C.LATE]), a1_col(col[C.STATUS])
        done_f = "=OR(" + ",".join(f'${st}2="{s}"' for s in DONE_STATUSES) + ")"
        late_f = f'=${late}2="Ya"'
        have = {
            v.get("userEnteredValue")
            for rule in sheet.get("conditionalFormats", [])
            for v in rule.get("booleanRule", {}).get("condition", {}).get("values", [])
        }
        reqs, done = [], []
        # grey first: Sheets applies the first matching rule, so a closed complaint
        # is grey even if a step was late
        for index, (formula, colour, what) in enumerate(
            ((done_f, GREY, "abu-abu: selesai/disalurkan"), (late_f, RED, "merah: terlambat"))
        ):
            if formula in have:
                continue
            rule = {
                "ranges": [
                    {
                        "sheetId": reg,
                        "startRowIndex": 1,
                        "startColumnIndex": 0,
                        "endColumnIndex": width,
                    }
                ],
                "booleanRule": {
                    "condition": {
                        "type": "CUSTOM_FORMULA",
                        "values": [{"userEnteredValue": formula}],
                    },
                    "format": {"backgroundColorStyle": {"rgbColor": rgb(colour)}},
                },
            }
            reqs.append({"addConditionalFormatRule": {"rule": rule, "index": index}})
            done.append(f"Format bersyarat baris {what} dibuat")
        return reqs, done

    def _protection(
        self, sheet: dict, reg: int, col: dict[str, int], width: int
    ) -> tuple[list[dict], list[str]]:
        have = {
            (
                p.get("description"),
                p["range"].get("startColumnIndex"),
                p["range"].get("endColumnIndex"),
            )
            for p in sheet.get("protectedRanges", [])
        }
        spans = runs(
            sorted(
                col[c.name]
                for c in self.layout.columns
                if c.kind in ("system", "hidden") and not c.typeable  # Diterima: issue 22
            )
        )
        reqs, done = [], []
        for c0, c1 in spans:
            if (PROTECT_NOTE, c0, c1) in have:
                continue
            rng = {"sheetId": reg, "startRowIndex": 1, "startColumnIndex": c0, "endColumnIndex": c1}
            reqs.append(protect(rng, PROTECT_NOTE))
            names = ", ".join(f"'{n}'" for n in col if c0 <= col[n] < c1)
            done.append(f"Kolom {names} dilindungi (peringatan saja)")
        if (PROTECT_HEADER, 0, width) not in have:
            rng = {
                "sheetId": reg,
                "startRowIndex": 0,
                "endRowIndex": 1,
                "startColumnIndex": 0,
                "endColumnIndex": width,
            }
            reqs.append(protect(rng, PROTECT_HEADER))
            done.append("Baris judul dilindungi (peringatan saja)")
        return reqs, done
