"""The "website" channel: responses of an online complaint form (a Google Form).

A Google Form writes each response as a row of a responses tab: a timestamp
column, then one column per question. Each new response becomes an
:class:`~aduan.core.model.InboundMail` with channel *Formulir Online*, so the engine
numbers it and starts its SOP like an emailed complaint.

Exactly once: the response's ID (its ``ID Sumber``) is a hash of its timestamp
and its answers, never of its row position, so staff may sort or delete
response rows; the engine skips an ID already in the register, so a run killed
after the register write registers nothing twice. The answers are hashed as a
sorted list of values, so reordering or renaming questions keeps every ID.

Questions are found by their text (``forms.questions`` over the Indonesian
defaults in :data:`aduan.config.FORM_QUESTIONS`). A question Aduan does not know
(a renamed one, say) is reported each cycle and its answers kept verbatim in
*Isi Aduan*; nothing is guessed into a register column.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aduan.core import idfmt
from aduan.core.layout import C
from aduan.core.model import Attachment, InboundMail, Snapshot
from aduan.errors import RegisterError

if TYPE_CHECKING:
    from aduan.config import FormsCfg

__all__ = [
    "FORM_CHANNEL",
    "KEY_PREFIX",
    "FormBatch",
    "Reader",
    "form_mails",
    "read_file",
    "read_responses",
    "responses_to_mails",
]

logger = logging.getLogger(__name__)

FORM_CHANNEL = "Formulir Online"
KEY_PREFIX = "form:"  # source_key of a response: never handed to the inbox
SPAM_WINDOW = timedelta(minutes=1)
ORIGINAL = "formulir-asli.txt"  # every answer in full, saved with the complaint
_EMAIL_RE = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")
_CSV_TIME = re.compile(
    r"^(?P<y>\d{4})/(?P<m>\d{1,2})/(?P<d>\d{1,2}) (?P<H>\d{1,2}):(?P<M>\d{2}):(?P<S>\d{2})"
    r"(?: ?(?P<ampm>[AaPp][Mm]))?(?P<gmt> GMT(?P<off>[+-]\d{1,2})?(?::?(?P<offm>\d{2}))?)?$"
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass
class FormBatch:
    """New complaints from the responses tab, and what was skipped and why."""

    mails: list[InboundMail] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    log: list[str] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)


#: Reads the responses tab (header row first); raises RegisterError. The run layer
#: passes one: a Google register's ``read_tab``, or :func:`read_file` of a local file.
Reader = Callable[[], list[list[Any]]]
#: One new response on its way: its time, ID, the timestamp as written, its cells.
_Response = tuple[datetime | None, str, str, list[str]]


# ------------------------------------------------------------------ pure part
def _norm(text: str) -> str:
    return " ".join(str(text).split()).casefold().rstrip(" :*")


def _cell(value: Any) -> str:
    """A cell as text: calamine gives floats and datetimes, Sheets gives strings."""
    if type(value) is str:
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()


def _clean(text: str) -> str:
    """Control characters out (XML cannot hold them), line ends as ``\\n``."""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n")).strip()


def map_columns(
    headers: list[str], questions: dict[str, list[str]]
) -> tuple[dict[str, int], list[int], list[str]]:
    """Field -> column, the columns no field claims, and problems (Indonesian).

    A question text matches case- and spacing-insensitively. A second column for
    the same field is treated as unknown, not merged: which one is right is a
    question for a person.
    """
    wanted = {_norm(q): f for f, qs in questions.items() for q in qs}
    cols: dict[str, int] = {}
    extra_ok: list[int] = []
    unknown: list[int] = []
    problems = []
    for i, h in enumerate(headers):
        if not str(h).strip():
            continue
        f = wanted.get(_norm(h))
        if f == "lainnya":
            extra_ok.append(i)
        elif f is None:
            unknown.append(i)
        elif f in cols:
            problems.append(f"pertanyaan '{h}' muncul dua kali; jawaban kedua masuk Isi Aduan")
            extra_ok.append(i)
        else:
            cols[f] = i
    if unknown:
        names = ", ".join(f"'{headers[i]}'" for i in unknown)
        problems.append(
            f"pertanyaan tidak dikenal: {names} (jawabannya dimasukkan ke Isi Aduan); "
            "bila pertanyaan diganti namanya, perbarui forms.questions di settings"
        )
    return cols, sorted(extra_ok + unknown), problems


def response_id(raw_time: str, answers: list[str]) -> str:
    """The response's identity: its timestamp and its answers as a sorted list
    (question order and titles play no part; blank answers neither, so a
    question added later leaves old IDs alone)."""
    items = sorted(a for a in answers if a)
    h = hashlib.sha256("\x1f".join([raw_time, *items]).encode("utf-8")).hexdigest()
    return h[:20]


def parse_time(raw: str, tz: tzinfo, now: datetime) -> datetime | None:
    """A form timestamp. Sheets shows it in the spreadsheet's locale, so
    "05/11/2026" may be 5 November or May 11: of the readings not in the future,
    the latest wins (new responses are recent)."""
    if not raw:
        return None
    g = _CSV_TIME.match(raw)
    if g:  # Google Forms' .csv download: "2026/11/25 2:03:12 PM GMT+7"
        hour = int(g["H"])
        if g["ampm"]:
            hour = hour % 12 + (12 if g["ampm"].upper() == "PM" else 0)
        zone = tz
        if g["gmt"]:
            sign = -1 if (g["off"] or "").startswith("-") else 1
            off = timedelta(hours=abs(int(g["off"] or 0)), minutes=int(g["offm"] or 0))
            zone = timezone(sign * off)
        try:
            d = datetime(int(g["y"]), int(g["m"]), int(g["d"]), hour, int(g["M"]), int(g["S"]))
        except ValueError:
            return None
        return d.replace(tzinfo=zone).astimezone(tz)
    cands = [idfmt.parse_tanggal(raw, tz)]
    m = re.match(r"^(\d{1,2})/(\d{1,2})/(.*)$", raw)
    if m:
        cands.append(idfmt.parse_tanggal(f"{m[2]}/{m[1]}/{m[3]}", tz))
    ok = [c for c in cands if c is not None and c <= now + timedelta(minutes=5)]
    return max(ok) if ok else next((c for c in cands if c), None)


def _cut(text: str, limit: int, what: str) -> tuple[str, bool]:
    if len(text) <= limit:
        return text, False
    note = f"\n[… {what} dipotong dari {len(text)} karakter; lengkapnya di lampiran {ORIGINAL}]"
    return text[:limit] + note, True


def _confidential(answer: str) -> str:
    a = _norm(answer)
    if not a:
        return ""
    return "Tidak" if a.startswith(("tidak", "no", "jangan")) else "Ya"


def _category(answer: str, categories: list[str]) -> str:
    return next((c for c in categories if _norm(c) == _norm(answer)), "")


def responses_to_mails(
    table: list[list[Any]],
    cfg: FormsCfg,
    *,
    tz: tzinfo,
    now: datetime,
    categories: list[str],
    columns: set[str],
    known: Collection[str] = (),
) -> FormBatch:
    """Turn a responses tab (header row first) into complaints. Pure.

    ``columns`` the register's headers (a value only goes to a column the register has); ``known`` the
    register's ``ID Sumber`` values (responses already registered are left out;
    pass a set).
    """
    out = FormBatch()
    if not table:
        out.problems.append(f"tab '{cfg.tab}' kosong (tanpa baris judul)")
        return out
    headers = [_cell(h) for h in table[0]]
    cols, extras, problems = map_columns(headers, cfg.question_map())
    out.problems += problems
    for need in ("timestamp", "isi"):
        if need not in cols:
            texts = " / ".join(f"'{q}'" for q in cfg.question_map()[need])
            out.problems.append(
                f"kolom {texts} tidak ditemukan di tab '{cfg.tab}'; tanggapan formulir tidak "
                "dicatat sampai forms.questions di settings disesuaikan"
            )
    if "timestamp" not in cols or "isi" not in cols:
        return out
    # 1. every response's ID (cheap); only new ones are looked at closer, so a
    #    steady cycle over 10,000 old responses stays fast
    t = cols["timestamp"]
    fresh: list[tuple[str, list[str]]] = []
    old: list[tuple[str, list[str]]] = []
    for row in table[1:]:
        cells = [_cell(v) for v in row] + [""] * (len(headers) - len(row))
        answers = cells[:t] + cells[t + 1 : len(headers)]
        if not any(answers):
            out.counts["form_blank"] += bool(cells[t])
            continue
        rid = response_id(cells[t], answers)
        (old if f"<form-{rid}@aduan.invalid>" in known else fresh).append((rid, cells))
    # 2. the new ones' times; registered ones of the same contact and text still
    #    count for spam: the repeats of a burst whose first was registered are repeats
    responses: list[_Response] = []
    for rid, cells in fresh:
        when = parse_time(cells[t], tz, now)
        if cfg.since and when and when.date() < cfg.since:
            out.counts["form_before_since"] += 1
            continue
        responses.append((when, rid, cells[t], cells))
    groups = {_group(c, cols) for _, _, _, c in responses}
    earlier: list[_Response] = [
        (parse_time(c[t], tz, now), rid, c[t], c) for rid, c in old if _group(c, cols) in groups
    ]
    spam = _spam(responses + earlier, cols, cfg.spam_limit)
    # oldest first: ticket numbers follow the order people sent them
    responses.sort(key=lambda r: (r[0] or now, r[1]))
    for when, rid, raw_time, cells in responses:
        if rid in spam:
            out.counts["form_spam"] += 1
            continue
        cells = [_clean(c) for c in cells]
        out.mails.append(
            _mail(rid, when, raw_time, cells, headers, cols, extras, cfg, categories, columns)
        )
        out.counts["form_new"] += 1
    if out.counts["form_spam"]:
        out.log.append(
            f"formulir: {out.counts['form_spam']} tanggapan tidak dicatat: teks sama dari "
            f"kontak yang sama {cfg.spam_limit} kali atau lebih dalam satu menit (spam)"
        )
    if out.counts["form_blank"]:
        out.log.append(f"formulir: {out.counts['form_blank']} tanggapan kosong dilewati")
    return out


def _group(cells: list[str], cols: dict[str, int]) -> tuple[str, str]:
    """Who sent it and what it says, for spam: the first of email, phone, name."""
    who = next(
        (cells[cols[f]] for f in ("email", "telepon", "nama") if f in cols and cells[cols[f]]), ""
    )
    return _norm(who), _norm(cells[cols["isi"]]) or _norm(" ".join(cells))


def _spam(responses: list[_Response], cols: dict[str, int], limit: int) -> set[str]:
    """IDs of the repeats in a burst: the same text from one contact ``limit`` or
    more times within a minute of the burst's first; the first one stays."""
    groups: dict[tuple[str, str], list[tuple[datetime, str]]] = defaultdict(list)
    for when, rid, _, cells in responses:
        if when is not None:
            groups[_group(cells, cols)].append((when, rid))
    spam: set[str] = set()
    for items in groups.values():
        items.sort()
        burst: list[str] = []
        start = None
        for when, rid in [*items, (None, "")]:
            if start is None or when is None or when - start > SPAM_WINDOW:
                if len(burst) >= limit:
                    spam.update(burst[1:])
                burst, start = [rid], when
            else:
                burst.append(rid)
    return spam


def _mail(
    rid: str,
    when: datetime | None,
    raw_time: str,
    cells: list[str],
    headers: list[str],
    cols: dict[str, int],
    extras: list[int],
    cfg: FormsCfg,
    categories: list[str],
    columns: set[str],
) -> InboundMail:
    def ans(f: str) -> str:
        return cells[cols[f]] if f in cols else ""

    limit = cfg.max_answer
    cut_any = False
    isi, cut = _cut(ans("isi"), limit * 4, "isi aduan")
    cut_any |= cut
    lines: list[str] = []
    fields: dict[str, str] = {}
    category = _category(ans("kategori"), categories)
    if category and C.CATEGORY in columns:
        fields[C.CATEGORY] = category
    elif ans("kategori"):
        lines.append(f"Kategori (dari formulir): {ans('kategori')}")
    for f, label in (("lokasi", "Lokasi kejadian"), ("bukti", "Bukti pendukung")):
        if ans(f):
            text, cut = _cut(ans(f), limit, label.lower())
            cut_any |= cut
            lines.append(f"{label}: {text}")
    for i in extras:
        if i < len(cells) and cells[i]:
            text, cut = _cut(cells[i], limit, "jawaban")
            cut_any |= cut
            lines.append(f"{headers[i]}: {text}")
    email = ans("email") if _EMAIL_RE.match(ans("email")) else ""
    # identity (NIK, home address) goes to Kontak Pengadu, which is hidden from
    # everyone but the officer and the head when the complainant asks for it
    contact = [email or ans("email"), ans("telepon")]
    if ans("nik"):
        contact.append(f"NIK: {ans('nik')}")
    if ans("alamat"):
        contact.append(f"Alamat: {ans('alamat')}")
    fields[C.CONTACT] = "\n".join(_cut(c, limit, "kontak")[0] for c in contact if c)
    secret = _confidential(ans("rahasia"))
    if secret and C.CONFIDENTIAL in columns:
        fields[C.CONFIDENTIAL] = secret
    if ans("bukti"):
        fields[C.ATTACHMENTS] = _cut(ans("bukti"), limit, "tautan")[0]
    subject = ans("perihal") or category or ans("kategori")
    if not subject:
        first = (isi.strip().splitlines() or [""])[0]
        subject = first if len(first) <= 80 else first[:79].rstrip() + "…"
    # many long extra answers: stay under the engine's cap, whose note speaks of email
    text, cut = _cut("\n\n".join(p for p in [isi, "\n".join(lines)] if p), 28_000, "isi aduan")
    cut_any |= cut
    original = [f"Tanggapan formulir online\nStempel waktu: {raw_time}\nID: {rid}\n"]
    original += [f"{h}:\n{cells[i]}\n" for i, h in enumerate(headers) if i != cols["timestamp"]]
    problems = ["jawaban terlalu panjang dipotong"] if cut_any else []
    return InboundMail(
        source_key=f"{KEY_PREFIX}{rid}",
        message_id=f"<form-{rid}@aduan.invalid>",
        from_addr=email,
        from_name=_cut(ans("nama"), 200, "nama")[0],
        subject=_cut(subject, 300, "perihal")[0],
        date=when,
        text=text,
        attachments=[Attachment(ORIGINAL, "text/plain", "\n".join(original).encode("utf-8"))],
        reason=f"tanggapan formulir online, stempel waktu {raw_time or '(kosong)'}",
        problems=problems,
        channel=FORM_CHANNEL,
        fields=fields,
        received=when,  # the form's timestamp: when the complainant sent it
    )


# ------------------------------------------------------------------- reading
def read_responses(cfg: FormsCfg, snap: Snapshot, read: Reader) -> list[list[Any]]:
    """The responses tab's rows (header first): from the register's own read when
    the backend already fetched it (``snap.extra``), else through ``read``."""
    if cfg.tab in snap.extra:
        return snap.extra[cfg.tab]
    return read()


def read_file(path: Path, tab: str) -> list[list[Any]]:
    """A responses tab from an .xlsx (calamine) or a downloaded .csv."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise RegisterError(
            f"{path}: berkas tanggapan formulir tidak dapat dibaca ({e.strerror or e})",
            permanent=isinstance(e, FileNotFoundError | PermissionError),
        ) from None
    if path.suffix.lower() == ".csv":
        return list(csv.reader(io.StringIO(data.decode("utf-8-sig", errors="replace"))))
    import python_calamine

    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        try:
            if tab not in book.sheet_names:
                raise RegisterError(
                    f"{path}: tab '{tab}' tidak ditemukan (ada: {', '.join(book.sheet_names)}); "
                    "periksa forms.tab di settings",
                    permanent=True,
                )
            rows: list[list[Any]] = book.get_sheet_by_name(tab).to_python(skip_empty_area=False)
            return rows
        finally:
            book.close()
    except (python_calamine.CalamineError, ValueError) as e:
        # the register file may be mid-save by an editor: the next cycle reads again
        raise RegisterError(f"{path}: tab '{tab}' tidak terbaca ({e})", permanent=False) from None


# ----------------------------------------------------------------- the cycle
def form_mails(
    cfg: FormsCfg,
    snap: Snapshot,
    now: datetime,
    read: Reader,
    *,
    tz: tzinfo,
    categories: list[str],
) -> FormBatch:
    """New form responses as complaints (none when no ``forms.tab`` is set), with
    the problems, log lines and counts for the cycle to record. A tab that cannot
    be read is a problem in the batch, never a crash: the rest of the run goes on."""
    if not cfg.tab:
        return FormBatch()
    try:
        table = read_responses(cfg, snap, read)
    except RegisterError as e:
        return FormBatch(problems=[str(e)])
    known = {r.get(C.SOURCE) for r in snap.rows if r.get(C.SOURCE).startswith("<form-")}
    batch = responses_to_mails(
        table,
        cfg,
        tz=tz,
        now=now,
        categories=categories,
        columns=set(snap.headers),
        known=known,
    )
    for line in batch.log:
        logger.info("%s", line)
    return batch
