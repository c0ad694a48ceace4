"""The Sheets register against Google as it really behaves (issue 18): writes whose
answer is lost are never applied twice, the cell budget, protections staff set, formats
on grown rows. The local server models each behaviour; see tests/sheets_server.py."""

from __future__ import annotations

import pytest

from aduan.core.layout import HISTORY_TAB, C
from aduan.core.model import WriteSet
from aduan.errors import RegisterError
from aduan.register.sheets import SheetsRegister
from aduan.register.sheets.write import SETTLE_S
from tests.test_register_sheets import Sheet, key_file, layout, sheet  # noqa: F401 (fixtures)

T0 = 1_800_000_000.0  # a frozen clock for the settle window


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


def complaint(n: int) -> WriteSet:
    return WriteSet(
        appends=[{C.TICKET: f"ADU/{n}", C.NAME: "Bu Sri"}],
        history=[{"No. Aduan": f"ADU/{n}", "Peristiwa": "Aduan diterima"}],
    )


def tickets(book: Sheet) -> list[str]:
    return [r[C.TICKET] for r in book.dicts()]


def history_tickets(book: Sheet) -> list[str]:
    return [r[1] for r in book.cells(HISTORY_TAB)[1:]]


@pytest.fixture
def unsure(sheet, tmp_path):  # noqa: F811 (the imported fixture)
    """A register that keeps an unconfirmed write in a file, with a frozen clock."""
    clock = Clock()
    pending = tmp_path / "state" / "unconfirmed.json"

    def open_() -> SheetsRegister:
        return SheetsRegister(
            sheet.settings.register_,
            sheet.layout,
            client=sheet.server.client(),
            backoff_s=0.001,
            pending_file=pending,
            clock=clock,
        )

    return sheet, open_, clock, pending


def test_a_batch_google_applies_later_is_never_sent_twice(unsure):
    book, open_, clock, pending = unsure
    s = book.server
    s.apply_later("batchUpdate")
    reg = open_()
    reg.read()
    with pytest.raises(RegisterError, match="belum pasti") as e:
        reg.write(complaint(1))
    assert not e.value.permanent
    assert s.count("batchUpdate") == 1, "an ambiguous write is not retried in the same run"
    assert pending.exists() and tickets(book) == []
    # the next run (5 minutes later): the marker does not show the batch yet -> no write
    clock.now += 300
    reg = open_()
    reg.read()
    with pytest.raises(RegisterError, match="tidak menulis agar tidak ganda"):
        reg.write(complaint(1))
    assert s.count("batchUpdate") == 1
    # Google finishes the first batch; the run after sees its marker and goes on
    assert s.apply_deferred() == 1
    clock.now += 300
    reg = open_()
    snap = reg.read()
    assert [r.values[C.TICKET] for r in snap.rows] == ["ADU/1"]
    res = reg.write(complaint(2))  # what the engine decides from what it read
    assert res.appended == 1 and not pending.exists()
    assert tickets(book) == ["ADU/1", "ADU/2"]
    assert history_tickets(book) == ["ADU/1", "ADU/2"]


def test_a_batch_that_never_lands_is_written_again_after_the_settle_window(unsure):
    book, open_, clock, pending = unsure
    s = book.server
    s.apply_later("batchUpdate")
    reg = open_()
    reg.read()
    with pytest.raises(RegisterError):
        reg.write(complaint(1))
    s._deferred.clear()  # Google dropped it
    clock.now += SETTLE_S + 1
    reg = open_()
    reg.read()
    assert reg.write(complaint(1)).appended == 1
    assert tickets(book) == ["ADU/1"] and history_tickets(book) == ["ADU/1"]
    assert not pending.exists()


def test_a_lost_answer_whose_marker_is_visible_at_once_counts_as_written(unsure):
    """The marker read right after the failure shows the batch: applied, nothing kept."""
    book, open_, clock, pending = unsure
    s = book.server
    s.apply_later("batchUpdate")
    s.before_request(lambda req: s._deferred and s.apply_deferred(), match="values.batchGet")
    reg = open_()
    reg.read()
    s.reset_counts()
    res = reg.write(complaint(1))
    s.clear_hooks()
    assert res.appended == 1 and not pending.exists()
    assert s.count("batchUpdate") == 1 and tickets(book) == ["ADU/1"]
