"""Edit cells of an .xlsx in place: rewrite only the worksheet XML that changes.

openpyxl loads a whole workbook into objects and writes it back, which takes
seconds on a big register and silently drops what it does not model (charts,
images, comments, newer data validations). :class:`XlsxPatch` instead splices
new ``<c>`` elements into the sheet XML as bytes and copies every other zip
member byte-for-byte, compressed data included.

Cells are written as inline strings (``t="inlineStr"``), keeping the cell's
style, else the row's or column's (so a column formatted as text stays text).
Whatever the patcher does not understand raises :class:`Unsupported`, and the
caller falls back to openpyxl.
"""

from __future__ import annotations

import io
import logging
import re
import struct
import zipfile
import zlib
from bisect import bisect_left
from posixpath import basename, dirname, join, normpath

from lxml import etree
from openpyxl.utils import column_index_from_string, get_column_letter

__all__ = ["LEVEL", "Sheet", "Unsupported", "XlsxPatch", "cell_xml", "clean_text", "rezip"]

logger = logging.getLogger(__name__)

LEVEL = 1  # deflate level: 4x faster than 6 on sheet XML, for ~20% more bytes
MAX_CELL = 32767  # Excel refuses longer cell text
TRUNCATED = " …[dipotong]"
# XML 1.0 forbids these; lone surrogates cannot even be encoded as UTF-8
ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

_ATTR = re.compile(rb"""([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_REF = re.compile(rb"([A-Z]{1,3})(\d+)")
_CELL_R = re.compile(rb"""\sr\s*=\s*["']([A-Z]{1,3})""")
_DECL = re.compile(rb"""<\?xml[^>]*encoding\s*=\s*["']([\w.-]+)["']""")
_ROOT = re.compile(rb"<((?:[\w.-]+:)?)worksheet\b[^>]*>")
_SHEETDATA = re.compile(rb"<((?:[\w.-]+:)?)sheetData\b[^>]*?(/?)>")
_DIMENSION = re.compile(rb"""(<(?:[\w.-]+:)?dimension\b[^>]*?\bref\s*=\s*")([^"]*)(")""")


class Unsupported(Exception):
    """The file has a shape the patcher does not handle; write it another way."""


def clean_text(value: object) -> str:
    """A value as cell text: XML-illegal characters dropped, Excel's length kept."""
    text = ILLEGAL.sub("", "" if value is None else str(value))
    if len(text) > MAX_CELL:
        logger.warning("cell text of %d characters truncated to %d", len(text), MAX_CELL)
        text = text[: MAX_CELL - len(TRUNCATED)] + TRUNCATED
    return text


def _attrs(tag: bytes) -> dict[bytes, bytes]:
    return {m[1]: m[2] if m[3] is None else m[3] for m in _ATTR.finditer(tag)}


def _esc(text: str) -> bytes:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").encode("utf-8")


def cell_xml(ref: str, text: str, style: bytes | None, prefix: bytes = b"") -> bytes:
    """One ``<c>`` element holding ``text`` as an inline string ("" = an empty cell)."""
    s = b' s="' + style + b'"' if style and style != b"0" else b""
    c, r = prefix + b"c", ref.encode("ascii")
    if not text:
        return b"<" + c + b' r="' + r + b'"' + s + b"/>"
    # Excel drops leading/trailing blanks and line breaks of a <t> without it
    keep = text != text.strip() or "\n" in text or "\t" in text or "  " in text
    sp = b' xml:space="preserve"' if keep else b""
    is_, t = prefix + b"is", prefix + b"t"
    return (
        b"<" + c + b' r="' + r + b'"' + s + b' t="inlineStr"><' + is_ + b"><" + t + sp + b">"
        + _esc(text)
        + b"</" + t + b"></" + is_ + b"></" + c + b">"
    )  # fmt: skip


class Sheet:
    """One worksheet's XML, edited as bytes. Rows must carry ``r`` (every
    spreadsheet program writes it) and stay in ascending order."""

    def __init__(self, name: str, xml: bytes, *, calc_chain: bool) -> None:
        self.name = name
        self.calc_chain = calc_chain
        self.dirty = False
        m = _DECL.match(xml)
        if m and m[1].lower().replace(b"-", b"") != b"utf8":
            raise Unsupported(f"sheet {name!r} is encoded as {m[1].decode()}")
        if b"<![CDATA[" in xml or b"<!--" in xml:
            raise Unsupported(f"sheet {name!r} has CDATA or XML comments")
        root = _ROOT.search(xml)
        sd = _SHEETDATA.search(xml)
        if root is None or sd is None:
            raise Unsupported(f"sheet {name!r} has no <worksheet>/<sheetData>")
        self.root_start = root[0]
        self.root_tag = root[1] + b"worksheet"
        self.p = sd[1]  # namespace prefix of the sheet's elements ("" or "x:")
        if sd[2]:  # <sheetData/>: open it up so rows can go inside
            xml = (
                xml[: sd.start()]
                + b"<"
                + self.p
                + b"sheetData></"
                + self.p
                + b"sheetData>"
                + xml[sd.end() :]
            )
            sd = _SHEETDATA.search(xml)
            if sd is None:  # cannot happen: the element was just written
                raise Unsupported(f"sheet {name!r}: <sheetData> lost")
        self.xml = xml
        self.data_start = sd.end()
        self.end_tag = b"</" + self.p + b"sheetData>"
        self.data_end = xml.find(self.end_tag, self.data_start)
        if self.data_end < 0:
            raise Unsupported(f"sheet {name!r}: </sheetData> not found")
        self.row_tok = b"<" + self.p + b"row"
        n_rows = xml.count(self.row_tok, self.data_start, self.data_end)
        if n_rows != xml.count(self.row_tok + b' r="', self.data_start, self.data_end):
            # rows without r (or r not first): the binary search below needs it
            raise Unsupported(f"sheet {name!r}: rows without a leading r attribute")
        self._col_styles: list[tuple[int, int, bytes]] | None = None
        self._widths: dict[int, float] | None = None  # column widths, for row heights
        self._style_of: dict[int, bytes | None] = {}
        self._index: tuple[list[int], list[int]] | None = None
        p = re.escape(self.p)
        self._cell_re = re.compile(rb"<" + p + rb"c\b([^>]*?)(?:/>|>.*?</" + p + rb"c>)", re.S)

    # ----------------------------------------------------------- locate rows
    def _row_at(self, pos: int) -> tuple[int, int] | None:
        """(start, r) of the first row starting at or after ``pos``."""
        while True:
            s = self.xml.find(self.row_tok, pos, self.data_end)
            if s < 0:
                return None
            nxt = self.xml[s + len(self.row_tok) : s + len(self.row_tok) + 1]
            if nxt in (b" ", b">", b"/", b"\n", b"\t", b"\r"):
                break
            pos = s + 1  # e.g. <rowBreaks> cannot be here, but be exact
        m = re.match(rb'\s*r="(\d+)"', self.xml[s + len(self.row_tok) : s + len(self.row_tok) + 20])
        if not m:
            raise Unsupported(f"sheet {self.name!r}: a row without r")
        return s, int(m[1])

    def _build_index(self) -> None:
        """Every row's number and start: one pass, cheaper than many searches."""
        found = re.compile(re.escape(self.row_tok) + rb'\s+r="(\d+)"')
        rows, starts = [], []
        for m in found.finditer(self.xml, self.data_start, self.data_end):
            rows.append(int(m[1]))
            starts.append(m.start())
        if any(a >= b for a, b in zip(rows, rows[1:], strict=False)):
            raise Unsupported(f"sheet {self.name!r}: rows out of order")
        self._index = rows, starts

    def _find(self, n: int) -> tuple[int, int, bool]:
        """Where row ``n`` is: (start, end, True), or (insert_at, insert_at, False)."""
        if self._index is not None:
            rows, starts = self._index
            i = bisect_left(rows, n)
            at = (starts[i], rows[i]) if i < len(rows) else None
        else:
            lo, hi = self.data_start, self.data_end
            # binary search on byte offsets: the first row whose r >= n
            while lo < hi:
                mid = (lo + hi) // 2
                at = self._row_at(mid)
                if at is None or at[1] >= n:
                    hi = mid
                else:
                    lo = at[0] + 1
            at = self._row_at(lo)
        if at is None:
            return self.data_end, self.data_end, False
        start, r = at
        if r != n:
            return start, start, False
        head_end = self.xml.index(b">", start)
        if self.xml[head_end - 1 : head_end] == b"/":
            return start, head_end + 1, True
        close = b"</" + self.p + b"row>"
        end = self.xml.find(close, head_end)
        if end < 0:
            raise Unsupported(f"sheet {self.name!r}: row {n} is not closed")
        return start, end + len(close), True

    # ------------------------------------------------------------------ read
    def last_used_row(self) -> int:
        """The last row holding a value (0 if none); rows only formatted do not count."""
        end = self.data_end
        while True:
            s = self.xml.rfind(self.row_tok, self.data_start, end)
            if s < 0:
                return 0
            row = self.xml[s:end]
            if b"<" + self.p + b"v>" in row or b"<" + self.p + b"is>" in row:
                at = self._row_at(s)
                return at[1] if at else 0
            end = s

    def row_cells(self, n: int) -> dict[int, etree._Element]:
        """Row ``n``'s cells as lxml elements, by 1-based column."""
        start, end, found = self._find(n)
        if not found:
            return {}
        wrapped = self.root_start + self.xml[start:end] + b"</" + self.root_tag + b">"
        try:
            root = etree.fromstring(wrapped)
        except etree.XMLSyntaxError as e:
            raise Unsupported(f"sheet {self.name!r} row {n}: {e}") from None
        out = {}
        col = 0
        for c in root[0]:
            if etree.QName(c).localname != "c":
                continue
            ref = c.get("r")
            m = _REF.match(ref.encode()) if ref else None
            if ref and m is None:
                raise Unsupported(f"sheet {self.name!r} row {n}: cell reference {ref!r}")
            col = column_index_from_string(m[1].decode()) if m else col + 1
            out[col] = c
        return out

    # ----------------------------------------------------------------- write
    def set_cells(self, cells: dict[int, dict[int, str]]) -> None:
        """Write text cells: ``cells[row][col]`` (1-based), "" empties a cell."""
        if not cells:
            return
        if len(cells) > 32 and self._index is None:
            self._build_index()
        parts: list[bytes] = []
        pos = self.data_start
        for n in sorted(cells):
            start, end, found = self._find(n)
            if start < pos:
                raise Unsupported(f"sheet {self.name!r}: rows out of order near row {n}")
            parts.append(self.xml[pos:start])
            if found:
                parts.append(self._patch_row(self.xml[start:end], n, cells[n]))
            else:
                row = b"<" + self.p + b'row r="' + str(n).encode() + b'"'
                ht = self._height(cells[n])  # wrapped text needs the room (issue 22)
                row += b' ht="%d" customHeight="1">' % ht if ht else b">"
                parts.append(row + self._cells(n, cells[n], {}, None) + b"</" + self.p + b"row>")
            pos = end
        body = b"".join(parts)
        self.data_end = self.data_start + len(body) + (self.data_end - pos)
        self.xml = self.xml[: self.data_start] + body + self.xml[pos:]
        self._index = None  # offsets moved
        self._grow_dimension(max(cells), max(c for row in cells.values() for c in row))
        self.dirty = True

    def _patch_row(self, raw: bytes, n: int, new: dict[int, str]) -> bytes:
        head_end = raw.index(b">") + 1
        head = raw[:head_end]
        closed = head.endswith(b"/>")
        if closed:
            head = head[:-2].rstrip() + b">"
            body = b""
        else:
            body = raw[head_end : raw.rindex(b"</")]
        head = re.sub(rb'\sspans="[^"]*"', b"", head)  # optional hint; ours may be wrong
        attrs = _attrs(head)
        ht = self._height(new)
        if ht and float(attrs.get(b"ht") or 0) < ht:
            # the row grows to show the wrapped text it now holds; it never shrinks
            head = re.sub(rb'\s(ht|customHeight)="[^"]*"', b"", head)
            head = head[:-1] + b' ht="%d" customHeight="1">' % ht
        row_style = attrs.get(b"s") if attrs.get(b"customFormat") in (b"1", b"true") else None
        old: dict[int, tuple[bytes, bytes]] = {}
        col, rest = 0, []
        last = 0
        for m in self._cell_re.finditer(body):
            rest.append(body[last : m.start()])
            last = m.end()
            ref = _CELL_R.search(m[1])
            col = column_index_from_string(ref[1].decode()) if ref else col + 1
            old[col] = (m[0], m[1])
        rest.append(body[last:])
        if b"".join(rest).strip():
            raise Unsupported(f"sheet {self.name!r} row {n}: elements other than cells")
        for c in new:
            if c in old:
                self._check_overwrite(old[c][0], n, c)
        styles = {c: _attrs(old[c][1]).get(b"s") for c in new if c in old}
        merged = {c: raw_a[0] for c, raw_a in old.items() if c not in new}
        merged.update(self._cell_map(n, new, styles, row_style))
        tail = b"</" + self.p + b"row>"
        return head + b"".join(merged[c] for c in sorted(merged)) + tail

    def _check_overwrite(self, raw: bytes, n: int, c: int) -> None:
        f = re.search(rb"<" + re.escape(self.p) + rb"f\b([^>]*)", raw)
        if f is None:
            return
        a = _attrs(f[1])
        if a.get(b"t") in (b"shared", b"array", b"dataTable") and b"ref" in a:
            # other cells' formulas live in this one: overwriting it breaks them
            raise Unsupported(f"{get_column_letter(c)}{n} holds a shared/array formula")
        if self.calc_chain:
            # Excel calls a calcChain entry for a cell without formula corrupt
            raise Unsupported(f"{get_column_letter(c)}{n} holds a formula (calcChain present)")

    def _cells(
        self, n: int, new: dict[int, str], styles: dict[int, bytes | None], row_style: bytes | None
    ) -> bytes:
        m = self._cell_map(n, new, styles, row_style)
        return b"".join(m[c] for c in sorted(m))

    def _cell_map(
        self, n: int, new: dict[int, str], styles: dict[int, bytes | None], row_style: bytes | None
    ) -> dict[int, bytes]:
        out = {}
        for c, text in new.items():
            style = styles.get(c) or row_style or self._col_style(c)
            out[c] = cell_xml(f"{get_column_letter(c)}{n}", text, style, self.p)
        return out

    def _height(self, new: dict[int, str]) -> int | None:
        """Points a row needs to show ``new`` wrapped in its columns (None: one line).

        LibreOffice keeps a row without a height at one line, whatever its wrapped
        cells hold; the estimate counts lines at the column's width (capped at 20)."""
        if self._widths is None:
            self._widths = {}
            for m in re.finditer(
                rb"<" + re.escape(self.p) + rb"col\b([^>]*)", self.xml[: self.data_start]
            ):
                a = _attrs(m[1])
                if b"width" in a and b"min" in a:
                    # a hidden column (Data Sistem's JSON) shows nothing: it needs no room
                    w = 0.0 if a.get(b"hidden") in (b"1", b"true") else float(a[b"width"])
                    for c in range(int(a[b"min"]), int(a.get(b"max", a[b"min"])) + 1):
                        self._widths[c] = w
        lines = 1
        for c, text in new.items():
            if self._widths.get(c) == 0.0:
                continue
            per_line = max(4, int(self._widths.get(c, 9.0) * 1.15))
            n = sum(max(1, -(-len(part) // per_line)) for part in str(text).split("\n"))
            lines = max(lines, n)
        return 15 * min(lines, 20) if lines > 1 else None

    def _col_style(self, c: int) -> bytes | None:
        if c not in self._style_of:
            self._style_of[c] = self._find_col_style(c)
        return self._style_of[c]

    def _find_col_style(self, c: int) -> bytes | None:
        if self._col_styles is None:
            self._col_styles = []
            head = self.xml[: self.data_start]
            for m in re.finditer(rb"<" + re.escape(self.p) + rb"col\b([^>]*)", head):
                a = _attrs(m[1])
                if b"style" in a and b"min" in a:
                    lo = int(a[b"min"])
                    self._col_styles.append((lo, int(a.get(b"max", lo)), a[b"style"]))
        for lo, hi, style in self._col_styles:
            if lo <= c <= hi:
                return style
        return None

    def _grow_dimension(self, row: int, col: int) -> None:
        m = _DIMENSION.search(self.xml, 0, self.data_start)
        if m is None:
            return  # optional element: programs compute the used range themselves
        refs = _REF.findall(m[2].upper())
        if not refs:
            return
        cols = [column_index_from_string(a.decode()) for a, _ in refs]
        rows = [int(b) for _, b in refs]
        first = f"{get_column_letter(min(cols))}{min(rows)}"
        last = f"{get_column_letter(max(*cols, col))}{max(*rows, row)}"
        ref = first.encode() if first == last else f"{first}:{last}".encode()
        self.xml = self.xml[: m.start(2)] + ref + self.xml[m.end(2) :]
        shift = len(ref) - len(m[2])
        self.data_start += shift
        self.data_end += shift


class XlsxPatch:
    """An .xlsx held as bytes; sheets are edited with :class:`Sheet` and
    :meth:`save` returns the new file. Nothing else in the zip is touched."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
            self.parts = {}
            wb_part = self._target("_rels/.rels", "", "/officeDocument")[0]
            rels = join(dirname(wb_part), "_rels", basename(wb_part) + ".rels")
            targets = dict(self._targets(rels, dirname(wb_part)))
            book = etree.fromstring(self.zip.read(wb_part))
        except (KeyError, IndexError, zipfile.BadZipFile, etree.XMLSyntaxError, OSError) as e:
            raise Unsupported(f"workbook parts not found: {e}") from None
        r_id = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
        for el in book.iter():
            if etree.QName(el).localname == "sheet":
                rid = el.get(r_id) or next(
                    (v for k, v in el.attrib.items() if k.endswith("}id")), None
                )
                if rid in targets and targets[rid][1].endswith("/worksheet"):
                    self.parts[el.get("name")] = targets[rid][0]
        types = {t for _, t in targets.values()}
        self.calc_chain = any(t.endswith("/calcChain") for t in types)
        shared = [p for p, t in targets.values() if t.endswith("/sharedStrings")]
        self.shared_part = shared[0] if shared else None
        self.sheets: dict[str, Sheet] = {}

    def _targets(self, rels: str, base: str) -> list[tuple[str, tuple[str, str]]]:
        out = []
        for el in etree.fromstring(self.zip.read(rels)):
            target = el.get("Target", "")
            if el.get("TargetMode") == "External":
                continue
            path = target.lstrip("/") if target.startswith("/") else normpath(join(base, target))
            out.append((el.get("Id"), (path, el.get("Type", ""))))
        return out

    def _target(self, rels: str, base: str, kind: str) -> list[str]:
        return [p for _, (p, t) in self._targets(rels, base) if t.endswith(kind)]

    def has(self, name: str) -> bool:
        return name in self.parts

    def sheet(self, name: str) -> Sheet:
        """The sheet named ``name`` (read once, then edited in memory)."""
        if name not in self.sheets:
            if name not in self.parts:
                raise Unsupported(f"tab {name!r} not found")
            try:
                xml = self.zip.read(self.parts[name])
            except (KeyError, zipfile.BadZipFile, zlib.error) as e:
                raise Unsupported(f"tab {name!r}: {e}") from None
            self.sheets[name] = Sheet(name, xml, calc_chain=self.calc_chain)
        return self.sheets[name]

    def last_used_row(self, name: str) -> int:
        """The last row of a tab holding a value (0 if none)."""
        return self.sheet(name).last_used_row()

    def set_cells(self, name: str, cells: dict[int, dict[int, str]]) -> None:
        """Write text cells into a tab (see :meth:`Sheet.set_cells`)."""
        self.sheet(name).set_cells(cells)

    def row_texts(self, name: str, n: int) -> dict[int, str]:
        """Row ``n`` of a tab as text by 1-based column (shared strings resolved)."""
        cells = self.sheet(name).row_cells(n)
        want = {}
        out = {}
        for col, c in cells.items():
            kids = {etree.QName(k).localname: k for k in c}
            if c.get("t") == "inlineStr" and "is" in kids:
                out[col] = _si_text(kids["is"])
            elif "v" in kids:
                v = kids["v"].text or ""
                if c.get("t") == "s":
                    want[col] = int(v)
                else:
                    out[col] = v
        if want:
            strings = self._shared(set(want.values()))
            out.update((col, strings.get(i, "")) for col, i in want.items())
        return out

    def _shared(self, wanted: set[int]) -> dict[int, str]:
        """The shared strings at the given indices; reads only as far as needed."""
        if self.shared_part is None:
            return {}
        out: dict[int, str] = {}
        last = max(wanted)
        try:
            with self.zip.open(self.shared_part) as f:
                for i, (_, si) in enumerate(etree.iterparse(f, tag="{*}si")):
                    if i in wanted:
                        out[i] = _si_text(si)
                    si.clear()
                    if i >= last:
                        break
        except (KeyError, etree.XMLSyntaxError, zipfile.BadZipFile, zlib.error) as e:
            raise Unsupported(f"shared strings: {e}") from None
        return out

    def save(self, level: int = LEVEL) -> bytes:
        """The new file: changed sheets recompressed, every other member copied raw."""
        new = {self.parts[n]: s.xml for n, s in self.sheets.items() if s.dirty}
        return rezip(self.data, self.zip, new, level)


def _si_text(el: etree._Element) -> str:
    """Text of an <si>/<is>: its <t> runs, without phonetic (<rPh>) ones."""
    return "".join(
        t.text or "" for t in el.iter("{*}t") if etree.QName(t.getparent()).localname != "rPh"
    )


def rezip(src: bytes, zin: zipfile.ZipFile, new: dict[str, bytes], level: int = LEVEL) -> bytes:
    """A copy of zip ``src`` with the members in ``new`` replaced (deflated);
    every other member's compressed bytes are copied as they are."""
    out = io.BytesIO()
    central = []
    infos = zin.infolist()
    if len(infos) >= 0xFFFF:
        raise Unsupported("too many zip members")
    for info in infos:
        if info.flag_bits & 0x1:
            raise Unsupported(f"{info.filename} is encrypted")
        utf8 = bool(info.flag_bits & 0x800)
        name = info.filename.encode("utf-8" if utf8 else "cp437")
        flags = info.flag_bits & 0x800
        if info.filename in new:
            data = new[info.filename]
            crc, usize, method = zlib.crc32(data), len(data), zipfile.ZIP_DEFLATED
            body = _deflate(data, level)
        else:
            off = info.header_offset
            if src[off : off + 4] != b"PK\x03\x04":
                raise Unsupported(f"{info.filename}: local header not found")
            n, m = struct.unpack("<HH", src[off + 26 : off + 30])
            start = off + 30 + n + m
            body = src[start : start + info.compress_size]
            crc, usize, method = info.CRC, info.file_size, info.compress_type
            flags |= info.flag_bits & 0x6  # deflate option bits describe the copied stream
        offset = out.tell()
        if max(len(body), usize, offset) >= 0xFFFFFFFF:
            raise Unsupported("zip64 needed")
        y, mo, d, h, mi, s = info.date_time
        dos_time, dos_date = (
            (h << 11) | (mi << 5) | (s // 2),
            (max(y - 1980, 0) << 9) | (mo << 5) | d,
        )
        fields = (20, flags, method, dos_time, dos_date, crc, len(body), usize, len(name))
        out.write(struct.pack("<4s5H3I2H", b"PK\x03\x04", *fields, 0))
        out.write(name)
        out.write(body)
        made_by = (info.create_system << 8) | 20
        central.append((made_by, fields, info.internal_attr, info.external_attr, offset, name))
    cd_start = out.tell()
    for made_by, fields, internal, external, offset, name in central:
        out.write(
            struct.pack(
                "<4sH5H3I5H2I",
                b"PK\x01\x02",
                made_by,
                *fields,
                0,  # extra
                0,  # comment
                0,  # disk
                internal,
                external,
                offset,
            )
        )
        out.write(name)
    cd_size = out.tell() - cd_start
    out.write(
        struct.pack(
            "<4s4H2IH", b"PK\x05\x06", 0, 0, len(central), len(central), cd_size, cd_start, 0
        )
    )
    return out.getvalue()


def _deflate(data: bytes, level: int) -> bytes:
    c = zlib.compressobj(level, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()
