"""Live test against a real Google account (issue 18 part 6; imapclient's livetest pattern).

Not run against the fakes: it needs ``tests/live/live.ini`` (or ``ADUAN_LIVE_INI``), see
``live-sample.ini``; without it every test skips saying what to set. It creates a scratch
spreadsheet, runs ``init``, writes a complaint and reads it back, answers the open question
whether ``appendCells`` lands below rows that hold only dropdowns (item 8), and deletes
what it made."""

from __future__ import annotations

import configparser
import os
from pathlib import Path

import pytest

from aduan.config.sections import GoogleRegister
from aduan.core.layout import REGISTER_TAB, C, build_layout
from aduan.core.model import WriteSet
from aduan.register.sheets import SheetsRegister

HERE = Path(__file__).parent
REPO = HERE.parent.parent


def _config() -> configparser.ConfigParser:
    path = Path(os.environ.get("ADUAN_LIVE_INI") or HERE / "live.ini")
    if not path.is_file():
        pytest.skip(
            f"no live account: copy {HERE / 'live-sample.ini'} to {path} (or set "
            "ADUAN_LIVE_INI) and fill [google] credentials_file and scratch_folder_id "
            "(and [office], [complainant] for the mail test)"
        )
    cfg = configparser.ConfigParser()
    cfg.read(path)
    if not cfg.get("google", "credentials_file", fallback=""):
        pytest.skip(f"{path}: set [google] credentials_file")
    return cfg


@pytest.fixture(scope="module")
def scratch():
    """A scratch spreadsheet in the given folder, deleted at the end."""
    import gspread

    cfg = _config()
    gc = gspread.service_account(filename=cfg.get("google", "credentials_file"))
    folder = cfg.get("google", "scratch_folder_id", fallback="") or None
    sh = gc.create("aduan-livetest (boleh dihapus)", folder_id=folder)
    try:
        yield gc, sh
    finally:
        gc.del_spreadsheet(sh.id)


def test_init_write_and_read_back(scratch):
    gc, sh = scratch
    from aduan.config.sopfile import load_sop

    layout = build_layout(load_sop(REPO / "config/sop/bpbd-karanganyar.yaml"), ["Lainnya"])
    reg = SheetsRegister(GoogleRegister(spreadsheet_id=sh.id), layout, client=gc)
    assert reg.init()
    reg.read()
    reg.write(WriteSet(appends=[{C.TICKET: "ADU/LIVE/1", C.CONTACT: "08123456789"}]))
    rows = reg.read().rows
    assert [r.values[C.TICKET] for r in rows] == ["ADU/LIVE/1"]
    assert rows[0].values[C.CONTACT] == "08123456789", "stays text"
    # item 8: dropdowns sit on rows 2-1000; did the append land on row 2?
    ws = sh.worksheet(REGISTER_TAB)
    assert ws.acell("A2").value == "ADU/LIVE/1", "appendCells counted dropdown rows as data"
    assert "sel terpakai" in reg.check()
