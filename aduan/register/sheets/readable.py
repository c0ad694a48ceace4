"""A Google Sheet register staff can read (issue 22), as the xlsx backend does it:
wrapped text, a filter on the header row, No. Aduan frozen beside the header.

Printing (landscape, fitted to width, header repeated) is not part of the Sheets
API; Google's print dialog offers it, and ``docs/google-sheets.md`` says so."""

from __future__ import annotations

__all__ = ["readable_requests"]


def readable_requests(
    sheet: dict, grid: dict, sid: int, width: int, *, first_col: int = 0
) -> tuple[list[dict], list[str]]:
    """The requests that make the register tab readable, and what they did (in
    Indonesian); none when it already is. ``sheet`` is the tab's metadata (with
    ``basicFilter``), ``grid`` its gridProperties."""
    reqs: list[dict] = []
    done: list[str] = []
    frozen_cols = first_col + 1  # No. Aduan and what is left of it stay in view
    if grid.get("frozenColumnCount", 0) != frozen_cols:
        reqs.append(
            {
                "updateSheetProperties": {
                    "properties": {
                        "sheetId": sid,
                        "gridProperties": {"frozenColumnCount": frozen_cols},
                    },
                    "fields": "gridProperties.frozenColumnCount",
                }
            }
        )
        done.append("Kolom No. Aduan dibekukan")
    if not sheet.get("basicFilter"):
        rows = grid.get("rowCount", 1000)
        everything = {
            "sheetId": sid,
            "startRowIndex": 0,
            "endRowIndex": rows,
            "startColumnIndex": 0,
            "endColumnIndex": width,
        }
        reqs.append({"setBasicFilter": {"filter": {"range": everything}}})
        # multi-line cells (an email's sign-off, the document list) wrap, top-aligned
        body = {**everything, "startRowIndex": 1}
        fmt = {"wrapStrategy": "WRAP", "verticalAlignment": "TOP"}
        reqs.append(
            {
                "repeatCell": {
                    "range": body,
                    "cell": {"userEnteredFormat": fmt},
                    "fields": "userEnteredFormat(wrapStrategy,verticalAlignment)",
                }
            }
        )
        done.append("Filter baris judul dipasang; teks dibungkus (wrap)")
    return reqs, done
