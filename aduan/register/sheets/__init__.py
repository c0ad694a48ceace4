"""The Google Sheets register: the office's shared sheet, through gspread.

Cost per cycle, whatever the number of rows:

* ``read()`` is ONE ``values:batchGet`` of the *Register Aduan* tab and the hidden
  ``_aduan`` tab (meta). Ranges are A1 titles, so no metadata request is needed;
  the tab ids a write needs are cached in ``_aduan`` (``sheet_id:<tab>`` rows,
  hidden from the engine) and come back with that same read.
* ``write()`` is ONE ``spreadsheets:batchUpdate``: ``updateCells`` for the rows
  that changed, ``appendCells`` for new complaints and for *Riwayat*,
  ``updateCells``/``appendCells`` for meta. Google applies a batchUpdate
  atomically, so a run killed mid-write leaves all of it or none of it. Every
  value is a ``stringValue`` (RAW): ``=IMPORTXML(...)``, ``+62812...``, ``0812``
  stay text.

Staff edit the sheet while a run is in progress; the API has no conditional
write, so positions taken from the read can be stale by the time the write lands
(a sort, an inserted or deleted row). The design is *write, verify, repair*:

1. the batchUpdate asks for the written rows back, as they are right after the
   batch (``includeSpreadsheetInResponse`` + ``responseRanges``): a check that
   costs no extra request and sees the sheet at the very moment of the write,
   which a re-read before writing cannot (its answer is stale again by the time
   the write arrives);
2. each written row must still be its own: the ticket cell (never written for a
   row that has one) equals the update's ticket; a row staff typed in (no ticket
   yet) must still hold the intake cells read. Staff columns are never in a
   written range (cells are written column run by column run), so what staff
   type meanwhile is never overwritten; new complaints are appended after the
   last row with data by the server, so a row staff add at the bottom meanwhile
   is never overwritten either;
3. only when a row was not its own (rare: staff moved rows in the second between
   read and write) the register is read again and every row is put right:
   a row that received someone else's values gets its read-time system cells
   back, each update is written to wherever its ticket is now, an update whose
   row was deleted is reported as skipped. Repairs are verified the same way,
   at most ``REPAIR_ROUNDS`` times; staff would have to move rows again before
   every one of them to defeat it, and then the rows left wrong are logged as an
   error and reported in ``WriteResult.skipped``.

So the steady cycle costs one read and one write; a race costs one more of each.

Errors (``client``): 429 and 5xx (an HTML gateway page too) and dropped connections
are retried by :mod:`aduan.support.retry`, then raised as a transient
:class:`RegisterError`; 403 is permanent and names the identity to share the sheet
with; 404 names the spreadsheet id. Credentials come from :mod:`aduan.run.wiring`
(built by :mod:`aduan.google.auth`), so the key file's content never gets here.

Modules: ``client`` (HTTP calls, retry, errors), ``batch`` (request builders, A1),
``table`` (the tab as read), ``state`` (meta and tab ids), ``read``, ``write``
(write, verify, repair, report tabs), ``setup`` (``aduan init``), ``register``.
"""

from aduan.register.sheets.batch import MAX_CELL, a1_col, quote_tab
from aduan.register.sheets.register import SheetsRegister

__all__ = ["MAX_CELL", "SheetsRegister", "a1_col", "quote_tab"]
