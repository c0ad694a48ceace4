"""The local Sheets API v4 server, driven by gspread itself (and its pure parts by literals)."""

from __future__ import annotations

import time
from types import SimpleNamespace

import gspread
import pytest
from gspread.exceptions import APIError, SpreadsheetNotFound, WorksheetNotFound
from gspread.utils import ValidationConditionType

from tests.sheets_server import (
    A1Error,
    A1Range,
    Formula,
    SheetsServer,
    format_a1,
    parse_a1,
    parse_fields,
    quote_title,
    sheets_server,  # noqa: F401 - the fixture, until the lead registers the plugin
    stored_value,
)

TAB = "Register Aduan"


@pytest.fixture
def book(sheets_server):  # noqa: F811
    """A spreadsheet with the register tab and a history tab, opened through gspread."""
    key = sheets_server.create_spreadsheet("Register BPBD", tabs=[TAB, "Riwayat"])
    sh = sheets_server.client().open_by_key(key)
    return SimpleNamespace(server=sheets_server, key=key, sh=sh, ws=sh.worksheet(TAB))


def metadata(book, **params):
    return book.sh.fetch_sheet_metadata(params or None)


def sheet_meta(book, title=TAB, **params):
    return next(s for s in metadata(book, **params)["sheets"] if s["properties"]["title"] == title)


# --------------------------------------------------------------------------- pure parts


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("'Tab name'!A1:C3", A1Range("Tab name", 0, 3, 0, 3)),
        ("Tab!A:C", A1Range("Tab", 0, None, 0, 3)),
        ("Tab!2:5", A1Range("Tab", 1, 5, 0, None)),
        ("Tab", A1Range("Tab")),
        ("'Register Aduan'", A1Range("Register Aduan")),
        ("A2:Z", A1Range(None, 1, None, 0, 26)),
        ("'Riwayat'!A5:5", A1Range("Riwayat", 4, 5, 0, None)),
        ("'It''s'!B2", A1Range("It's", 1, 2, 1, 2, cell=True)),
        ("'a!b'!A1:B2", A1Range("a!b", 0, 2, 0, 2)),
        ("AA10", A1Range(None, 9, 10, 26, 27, cell=True)),
        ("Sheet1!$A$1:$B$2", A1Range("Sheet1", 0, 2, 0, 2)),
        ("b5:a1", A1Range(None, 0, 5, 0, 2)),
        ("Sheet1", A1Range("Sheet1")),
    ],
)
def test_parse_a1(text, expected):
    assert parse_a1(text) == expected


@pytest.mark.parametrize(
    "text", ["", "Tab!", "!A1", "'open!A1", "Tab!A0", "Tab!A:5", "Tab!A:B5", "A1:B2:C3", "''!A1"]
)
def test_parse_a1_rejects(text):
    with pytest.raises(A1Error):
        parse_a1(text)


def test_parse_a1_reads_what_gspread_sends():
    # gspread quotes the tab, doubles quotes in it, and percent-encodes the whole range.
    name = gspread.utils.absolute_range_name("Staf's tab", "A2:Z")
    assert name == "'Staf''s tab'!A2:Z"
    assert parse_a1(name) == A1Range("Staf's tab", 1, None, 0, 26)


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (("Sheet1", 0, 1000, 0, 26), "Sheet1!A1:Z1000"),
        ((TAB, 0, 1, 1, 2), "'Register Aduan'!B1"),
        (("It's", 0, 2, 0, 2), "'It''s'!A1:B2"),
        (("AB1", 4, 6, 26, 28), "'AB1'!AA5:AB6"),
    ],
)
def test_format_a1(args, text):
    assert format_a1(*args) == text
    assert quote_title(args[0]) in text


def test_parse_fields():
    assert parse_fields("sheets(properties,data(rowData(values(dataValidation))))") == {
        "sheets": {"properties": None, "data": {"rowData": {"values": {"dataValidation": None}}}}
    }
    assert parse_fields("sheets.properties,sheets/protectedRanges,namedRanges") == {
        "sheets": {"properties": None, "protectedRanges": None},
        "namedRanges": None,
    }
    assert parse_fields("gridProperties/frozenRowCount") == {
        "gridProperties": {"frozenRowCount": None}
    }
    assert parse_fields("*") is None


@pytest.mark.parametrize(
    ("value", "raw", "user_entered"),
    [
        ('=IMPORTXML("http://x","//a")', '=IMPORTXML("http://x","//a")', None),
        ("081234567890", "081234567890", 81234567890),
        ("+6281234567890", "+6281234567890", 6281234567890),
        ("1,250", "1,250", 1250),
        ("2.5", "2.5", 2.5),
        ("TRUE", "TRUE", True),
        ("false", "false", False),
        ("'0812", "'0812", "0812"),
        ("-", "-", "-"),
        ("@", "@", "@"),
        ("", None, None),
        (7, 7, 7),
        (True, True, True),
    ],
)
def test_stored_value(value, raw, user_entered):
    assert stored_value(value, "RAW") == raw
    expected = Formula(value) if user_entered is None and value else user_entered
    assert stored_value(value, "USER_ENTERED") == expected


# --------------------------------------------------------------------------- reads


def test_open_by_key_and_worksheets(book):
    assert book.sh.title == "Register BPBD"
    assert [ws.title for ws in book.sh.worksheets()] == [TAB, "Riwayat"]
    assert (book.ws.id, book.ws.row_count, book.ws.col_count) == (0, 1000, 26)
    with pytest.raises(WorksheetNotFound):
        book.sh.worksheet("Petunjuk")
    client = book.server.client()
    with pytest.raises(SpreadsheetNotFound):
        client.open_by_key("no-such-key")
    book.server.make_private(book.key)
    with pytest.raises(PermissionError):
        client.open_by_key(book.key)


def test_get_trims_like_google(book):
    book.server.set_cells(book.key, TAB, [["a", None, "c", None], [], ["", "d"], [None]])
    raw = book.sh.values_get(f"'{TAB}'")
    assert raw == {
        "range": "'Register Aduan'!A1:Z1000",
        "majorDimension": "ROWS",
        "values": [["a", "", "c"], [], ["", "d"]],
    }
    assert book.ws.get_all_values() == [["a", "", "c"], ["", "", ""], ["", "d", ""]]
    assert "values" not in book.sh.values_get(f"'{TAB}'!E1:F9")
    assert book.ws.get("B3").range == "'Register Aduan'!B3"


def test_batch_get_and_render_options(book):
    book.server.set_cells(book.key, TAB, [["No", "Jumlah"], ["A-1", 2.5], ["A-2", True]])
    head, col = book.ws.batch_get(["A1:B1", "B2:B"])
    assert head == [["No", "Jumlah"]]
    assert col == [["2.5"], ["TRUE"]]
    assert col.range == "'Register Aduan'!B2:B1000"
    unformatted = book.ws.get("B2:B3", value_render_option="UNFORMATTED_VALUE")
    assert unformatted == [[2.5], [True]]
    assert book.server.requests[-2].query["ranges"] == [
        "'Register Aduan'!A1:B1",
        "'Register Aduan'!B2:B",
    ]


def test_tab_names_in_ranges_ignore_case(book):
    book.server.set_cells(book.key, TAB, [["a"]])
    assert book.sh.values_get("'register ADUAN'!A1")["values"] == [["a"]]
    assert book.sh.values_get("A1")["range"] == "'Register Aduan'!A1"  # no tab: the first


def test_reads_outside_the_grid_fail(book):
    with pytest.raises(APIError) as err:
        book.ws.get("A990:AA1001")
    assert err.value.code == 400
    assert "exceeds grid limits. Max rows: 1000, max columns: 26" in err.value.error["message"]
    with pytest.raises(APIError) as err:
        book.sh.values_get("'Nope'!A1")
    assert err.value.error == {
        "code": 400,
        "message": "Unable to parse range: 'Nope'!A1",
        "status": "INVALID_ARGUMENT",
    }


# --------------------------------------------------------------------------- writes


HOSTILE = ['=IMPORTXML("http://x","//a")', "081234567890", "+6281234567890", "-", "@", "TRUE"]


def test_update_raw_keeps_text(book):
    book.ws.update([HOSTILE], "A2")
    assert book.server.cells(book.key, TAB) == [[], HOSTILE]
    assert book.ws.get("A2:F2") == [HOSTILE]
    assert book.server.requests[-2].query["valueInputOption"] == ["RAW"]


def test_update_user_entered_parses_like_the_ui(book):
    book.ws.update([HOSTILE], "A2", raw=False)
    stored = book.server.cells(book.key, TAB)[1]
    assert stored == [Formula(HOSTILE[0]), 81234567890, 6281234567890, "-", "@", True]
    # Read back, the complainant's text is gone: the formula shows as an error, the
    # phone number lost its leading zero.
    assert book.ws.get("A2:F2") == [["#ERROR!", "81234567890", "6281234567890", "-", "@", "TRUE"]]
    assert book.ws.get("A2", value_render_option="FORMULA") == [[HOSTILE[0]]]


def test_update_null_skips_and_empty_clears(book):
    book.server.set_cells(book.key, TAB, [["a", "b", "c"]])
    result = book.sh.values_update(
        f"'{TAB}'!A1", params={"valueInputOption": "RAW"}, body={"values": [[None, "", "z"]]}
    )
    assert result["updatedCells"] == 2
    assert result["updatedRange"] == "'Register Aduan'!A1:C1"
    assert book.server.cells(book.key, TAB) == [["a", None, "z"]]


def test_update_bounds(book):
    with pytest.raises(APIError, match="tried writing to row"):
        book.ws.update([["a"], ["b"]], "A1:B1")
    with pytest.raises(APIError, match="tried writing to column"):
        book.ws.update([["a", "b", "c"]], "A1:B1")
    with pytest.raises(APIError, match="exceeds grid limits"):
        book.ws.update([["a"], ["b"]], "A1000")
    with pytest.raises(APIError, match="valueInputOption"):
        book.sh.values_update(f"'{TAB}'!A1", params={}, body={"values": [["a"]]})
    assert book.server.cells(book.key, TAB) == []


def test_values_batch_update_is_atomic(book):
    result = book.ws.batch_update(
        [{"range": "A2:B2", "values": [["T-1", "Budi"]]}, {"range": "D5", "values": [["x"]]}]
    )
    assert result["totalUpdatedCells"] == 3
    assert [r["updatedRange"] for r in result["responses"]] == [
        "'Register Aduan'!A2:B2",
        "'Register Aduan'!D5",
    ]
    with pytest.raises(APIError):
        book.ws.batch_update(
            [{"range": "A3", "values": [["T-2"]]}, {"range": "A1001", "values": [["x"]]}]
        )
    assert book.server.cells(book.key, TAB) == [
        [],
        ["T-1", "Budi"],
        [],
        [],
        [None, None, None, "x"],
    ]


def test_append_after_the_table(book):
    book.server.set_cells(book.key, TAB, [["No", "Nama"], ["T-1", "Budi"]])
    result = book.ws.append_rows([["T-2", "Ani"], ["T-3", "0812"]])
    assert result["tableRange"] == "'Register Aduan'!A1:B2"
    assert result["updates"]["updatedRange"] == "'Register Aduan'!A3:B4"
    assert book.server.cells(book.key, TAB)[2:] == [["T-2", "Ani"], ["T-3", "0812"]]


def test_append_matches_google_recordings(book):
    # Google's answers recorded in gspread's cassettes (test_append_row_with_empty_value*):
    # a row with an empty middle cell makes the whole-sheet append find the table "C1".
    first = book.ws.append_row(["x", "", "y"])
    assert "tableRange" not in first
    assert first["updates"]["updatedRange"] == "'Register Aduan'!A1:C1"
    second = book.ws.append_row(["x", "", "y"])
    assert second["tableRange"] == "'Register Aduan'!C1"
    assert second["updates"]["updatedRange"] == "'Register Aduan'!C2:E2"
    third = book.ws.append_row(["x", "", "y"], table_range="A1")
    assert third["tableRange"] == "'Register Aduan'!A1"
    assert third["updates"]["updatedRange"] == "'Register Aduan'!A2:C2"
    assert book.server.cells(book.key, TAB) == [["x", None, "y"], ["x", None, "y", None, "y"]]


def test_gspread_insert_row_appends_into_the_inserted_row(book):
    # Recorded (test_insert_row): insertDimension, then append at 'Sheet1'!A2, which is
    # empty, so Google writes right there and reports no tableRange.
    book.server.set_cells(book.key, TAB, [["No"], ["T-1"], ["T-2"]])
    result = book.ws.insert_row(["T-0"], index=2)
    assert "tableRange" not in result
    assert result["updates"]["updatedRange"] == "'Register Aduan'!A2"
    assert book.server.cells(book.key, TAB) == [["No"], ["T-0"], ["T-1"], ["T-2"]]


def test_append_after_a_gap_goes_under_the_last_block(book):
    book.server.set_cells(book.key, TAB, [["No", "Nama"], ["T-1"], [None], ["T-3", "y", "x"]])
    result = book.ws.append_row(["T-4"])
    assert result["tableRange"] == "'Register Aduan'!A4:C4"
    assert result["updates"]["updatedRange"] == "'Register Aduan'!A5"
    assert book.server.cells(book.key, TAB)[2:] == [[], ["T-3", "y", "x"], ["T-4"]]


def test_append_grows_the_grid_and_insert_rows_shifts(book):
    ws = book.sh.add_worksheet("Kecil", rows=2, cols=2)
    ws.append_rows([["a", "b", "c"], ["d"], ["e"]])
    meta = sheet_meta(book, "Kecil")["properties"]["gridProperties"]
    assert (meta["rowCount"], meta["columnCount"]) == (3, 3)
    book.server.set_cells(book.key, TAB, [["No"], ["T-1"], [None], ["bawah"]])
    book.sh.values_append(
        f"'{TAB}'!A1:A2",  # the table is searched for within the range only
        params={"valueInputOption": "RAW", "insertDataOption": "INSERT_ROWS"},
        body={"values": [["T-2"], ["T-3"]]},
    )
    assert book.server.cells(book.key, TAB) == [["No"], ["T-1"], ["T-2"], ["T-3"], [], ["bawah"]]
    assert sheet_meta(book)["properties"]["gridProperties"]["rowCount"] == 1002


def test_clear_and_batch_clear(book):
    book.server.set_cells(book.key, TAB, [["a", "b"], ["c", "d"]])
    book.ws.batch_clear(["A1", "B2"])
    assert book.server.cells(book.key, TAB) == [[None, "b"], ["c"]]
    assert book.ws.clear()["clearedRange"] == "'Register Aduan'!A1:Z1000"
    assert book.server.cells(book.key, TAB) == []


def test_read_only_spreadsheet_refuses_writes(book):
    book.server.make_read_only(book.key)
    assert book.ws.get_all_values() == [[]]
    with pytest.raises(APIError) as err:
        book.ws.update([["x"]], "A1")
    assert err.value.code == 403
    assert err.value.error["status"] == "PERMISSION_DENIED"


# --------------------------------------------------------------------------- structure


def test_add_worksheet_and_title_clash(book):
    ws = book.sh.add_worksheet("Petunjuk", rows=20, cols=3, index=1)
    assert [s.title for s in book.sh.worksheets()] == [TAB, "Petunjuk", "Riwayat"]
    assert (ws.row_count, ws.col_count, ws.index) == (20, 3, 1)
    with pytest.raises(APIError, match='A sheet with the name "petunjuk" already exists'):
        book.sh.add_worksheet("petunjuk", rows=1, cols=1)
    book.sh.del_worksheet(ws)
    assert [s.title for s in book.sh.worksheets()] == [TAB, "Riwayat"]


def test_validation_is_visible_through_grid_data(book):
    book.ws.add_validation(
        "C2:C", ValidationConditionType.one_of_list, ["Ya", "Tidak"], showCustomUi=True
    )
    meta = sheet_meta(
        book,
        fields="sheets(properties(title),data(rowData(values(dataValidation))))",
        ranges=f"'{TAB}'!A1:C3",
    )
    rows = meta["data"][0]["rowData"]
    assert rows[0] == {}
    rule = rows[1]["values"][2]["dataValidation"]
    assert rule["condition"]["values"] == [
        {"userEnteredValue": "Ya"},
        {"userEnteredValue": "Tidak"},
    ]
    assert "inputMessage" not in rule  # gspread sent null: Google drops unset fields
    assert rows[1]["values"][:2] == [{}, {}]
    # Without a field mask or includeGridData there is no grid data, as in the real API.
    assert "data" not in sheet_meta(book)


def test_staff_row_insert_inherits_dropdown_and_delete_moves_it(book):
    book.ws.add_validation("C2:C3", ValidationConditionType.one_of_list, ["Ya"])
    book.server.insert_rows(book.key, TAB, 3)  # staff insert a row between row 2 and 3
    sheet = book.server.sheet(book.key, TAB)
    assert sorted(sheet.validations) == [(1, 2), (2, 2), (3, 2)]
    book.ws.delete_rows(1, 2)
    assert sorted(book.server.sheet(book.key, TAB).validations) == [(0, 2), (1, 2)]
    assert book.server.sheet(book.key, TAB).row_count == 999


def test_protected_ranges(book):
    book.ws.add_protected_range("A:B", warning_only=True, description="kolom sistem")
    listed = book.sh.list_protected_ranges(book.ws.id)
    assert len(listed) == 1
    pr = listed[0]
    assert pr["warningOnly"] is True
    assert pr["range"] == {"sheetId": 0, "startColumnIndex": 0, "endColumnIndex": 2}
    assert book.server.requests[-1].query["fields"] == ["sheets.properties,sheets.protectedRanges"]
    book.ws.delete_protected_range(pr["protectedRangeId"])
    assert "protectedRanges" not in sheet_meta(book)
    with pytest.raises(APIError, match="No protected range with id"):
        book.ws.delete_protected_range(pr["protectedRangeId"])


def test_conditional_formats(book):
    rule = {
        "ranges": [{"sheetId": 0, "startRowIndex": 1, "startColumnIndex": 0, "endColumnIndex": 5}],
        "booleanRule": {
            "condition": {"type": "CUSTOM_FORMULA", "values": [{"userEnteredValue": '=$E2="Ya"'}]},
            "format": {"backgroundColorStyle": {"rgbColor": {"red": 1}}},
        },
    }
    book.sh.batch_update({"requests": [{"addConditionalFormatRule": {"rule": rule, "index": 0}}]})
    assert sheet_meta(book)["conditionalFormats"] == [rule]
    book.server.insert_rows(book.key, TAB, 1)  # a row above the range moves it down
    moved = sheet_meta(book)["conditionalFormats"][0]["ranges"][0]
    assert moved["startRowIndex"] == 2
    reply = book.sh.batch_update(
        {"requests": [{"deleteConditionalFormatRule": {"sheetId": 0, "index": 0}}]}
    )
    assert reply["replies"][0]["deleteConditionalFormatRule"]["rule"]["booleanRule"]
    assert "conditionalFormats" not in sheet_meta(book)


def test_format_freeze_widths_filter_and_hide(book):
    book.ws.format("A1:C1", {"textFormat": {"bold": True}})
    book.ws.freeze(rows=1)
    book.ws.set_basic_filter("A1:C10")
    width = {
        "range": {"sheetId": 0, "dimension": "COLUMNS", "startIndex": 1, "endIndex": 2},
        "properties": {"pixelSize": 240, "hiddenByUser": True},
        "fields": "pixelSize",
    }
    book.sh.batch_update({"requests": [{"updateDimensionProperties": width}]})
    book.sh.worksheet("Riwayat").hide()
    meta = sheet_meta(
        book,
        fields="sheets(properties,basicFilter,data(columnMetadata,rowData(values(userEnteredFormat))))",
        ranges=f"'{TAB}'!A1:C1",
    )
    assert meta["properties"]["gridProperties"]["frozenRowCount"] == 1
    assert meta["basicFilter"]["range"]["endRowIndex"] == 10
    data = meta["data"][0]
    assert [c["pixelSize"] for c in data["columnMetadata"]] == [100, 240, 100]
    assert "hiddenByUser" not in data["columnMetadata"][1]  # not in the fields mask
    assert data["rowData"][0]["values"][2] == {"userEnteredFormat": {"textFormat": {"bold": True}}}
    assert sheet_meta(book, "Riwayat")["properties"]["hidden"] is True
    assert book.server.batch_requests("repeatCell")[0]["fields"] == "userEnteredFormat(textFormat)"


def test_update_sheet_properties_honours_the_mask(book):
    props = {"sheetId": 0, "title": "Baru", "hidden": True, "gridProperties": {"rowCount": 5}}
    book.sh.batch_update(
        {"requests": [{"updateSheetProperties": {"properties": props, "fields": "title"}}]}
    )
    meta = sheet_meta(book, "Baru")["properties"]
    assert "hidden" not in meta
    assert meta["gridProperties"]["rowCount"] == 1000
    book.server.set_cells(book.key, "Baru", [["a"], ["b"], ["c"]])
    book.sh.worksheet("Baru").resize(rows=2)
    assert book.server.cells(book.key, "Baru") == [["a"], ["b"]]


def test_unknown_request_is_a_400_and_the_batch_is_atomic(book):
    body = {"requests": [{"addSheet": {"properties": {"title": "X"}}}, {"mergeCells": {}}]}
    with pytest.raises(APIError) as err:
        book.sh.batch_update(body)
    assert err.value.code == 400
    assert err.value.error["status"] == "INVALID_ARGUMENT"
    assert 'Unknown name "mergeCells"' in err.value.error["message"]
    assert [s.title for s in book.sh.worksheets()] == [TAB, "Riwayat"]


# --------------------------------------------------------------------------- test hooks


def test_staff_sort_between_two_gspread_calls(book):
    book.server.set_cells(book.key, TAB, [["No", "Nama"], ["T-2", "Budi"], ["T-1", "Ani"]])
    rows = book.ws.get_all_values()
    assert rows[1][0] == "T-2"
    book.server.before_request(
        lambda req: book.server.sort_rows(book.key, TAB, "A"),
        match="values.batchUpdate",
        once=True,
    )
    # A naive tool writes "Selesai" on the row where it saw T-2 ...
    book.ws.batch_update([{"range": "C2", "values": [["Selesai"]]}])
    # ... but staff sorted in between, so it landed on T-1.
    assert book.server.cells(book.key, TAB) == [
        ["No", "Nama"],
        ["T-1", "Ani", "Selesai"],
        ["T-2", "Budi"],
    ]
    book.ws.batch_update([{"range": "C3", "values": [["x"]]}])  # once: no second sort
    assert book.server.cells(book.key, TAB)[2] == ["T-2", "Budi", "x"]


def test_sort_order_and_empties_last(book):
    values = [["h", 0], ["b", 1], [None, 2], [10, 3], ["A", 4], [True, 5], [2, 6]]
    book.server.set_cells(book.key, TAB, values)
    book.ws.sort((1, "asc"), range="A2:B7")
    order = [row[1] for row in book.server.cells(book.key, TAB)]
    assert order == [0, 6, 3, 4, 1, 5, 2]  # numbers, text (any case), booleans, empty
    book.ws.sort((1, "des"), range="A2:B7")
    order = [row[1] for row in book.server.cells(book.key, TAB)]
    assert order == [0, 5, 1, 4, 3, 6, 2]  # empty cells stay last when descending too


def test_injected_429_is_retried_by_gspread_backoff(sheets_server, monkeypatch):  # noqa: F811
    waits = []
    monkeypatch.setattr(gspread.http_client, "time", SimpleNamespace(sleep=waits.append))
    key = sheets_server.create_spreadsheet(tabs=[TAB])
    ws = sheets_server.client(backoff=True).open_by_key(key).worksheet(TAB)
    sheets_server.reset_counts()
    sheets_server.fail_next(429, n=2, match="values.get")
    assert ws.get_all_values() == [[]]
    assert waits == [2, 4]
    assert sheets_server.count("values.get") == 3


def test_injected_500_changes_nothing(book):
    book.server.fail_next(500, match="write")
    with pytest.raises(APIError) as err:
        book.ws.update([["x"]], "A1")
    assert err.value.error == {
        "code": 500,
        "message": "Internal error encountered.",
        "status": "INTERNAL",
    }
    assert book.server.cells(book.key, TAB) == []
    book.ws.update([["x"]], "A1")  # only the next one failed
    assert book.server.cells(book.key, TAB) == [["x"]]


def test_injected_html_502_is_what_gspread_cannot_parse(book):
    """Google's front end answers a gateway failure with an HTML page: gspread then
    reports code -1, and only the response itself still holds the status."""
    book.server.fail_next(502, match="values.get", html=True)
    with pytest.raises(APIError) as err:
        book.ws.get_all_values()
    assert err.value.code == -1 and err.value.response.status_code == 502
    assert err.value.response.headers["Content-Type"].startswith("text/html")
    assert "<title>Error 502" in err.value.response.text
    assert book.ws.get_all_values() == [[]]  # only the next one failed


def test_request_counting(book):
    book.server.reset_counts()
    book.ws.get_all_values()
    book.ws.batch_get(["A1", "B1"])
    book.ws.update([["a", "b"]], "A1:B1")
    book.ws.append_row(["c"])
    book.ws.freeze(rows=1)
    assert book.server.count() == 5
    assert (book.server.count("read"), book.server.count("write")) == (2, 3)
    assert [r.kind for r in book.server.requests] == [
        "values.get",
        "values.batchGet",
        "values.update",
        "values.append",
        "batchUpdate",
    ]
    method, path, query, body = book.server.requests[2]
    assert (method, path) == (
        "PUT",
        f"/v4/spreadsheets/{book.key}/values/%27Register%20Aduan%27%21A1%3AB1",
    )
    assert body == {"values": [["a", "b"]], "majorDimension": None}
    book.server.reset_counts()
    assert book.server.count() == 0


def test_hook_errors_fail_loudly(book):
    def broken(req):
        raise RuntimeError("staff slipped")

    book.server.before_request(broken, once=True)
    with pytest.raises(APIError) as err:
        book.ws.get_all_values()
    assert err.value.code == 500
    assert book.server.errors == ["before_request hook failed: RuntimeError('staff slipped')"]
    book.server.errors.clear()  # handled here; the fixture would fail the test otherwise


def test_latency_is_added_per_request():
    with SheetsServer(latency_s=0.05) as server:
        key = server.create_spreadsheet()
        session = server.session()
        start = time.perf_counter()
        session.get(f"https://sheets.googleapis.com/v4/spreadsheets/{key}/values/A1")
        session.get(f"https://sheets.googleapis.com/v4/spreadsheets/{key}/values/A1")
        assert time.perf_counter() - start >= 0.1
        assert server.count("values.get") == 2
