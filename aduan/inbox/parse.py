"""Parse one raw email into an :class:`~aduan.core.model.InboundMail`, whatever it looks like.

Real mail is messy: undeclared 8-bit bytes, charsets Python does not know,
encoded words inside quoted filenames, broken MIME boundaries. The rule here is
that :func:`parse_message` never raises: it parses with the lenient ``compat32``
policy (``email.policy.default`` as a second try when that trips), reads raw
header values and decodes every header and body itself with ``errors="replace"`` so one odd byte costs one
replacement character, not the complaint. Pure: no I/O.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import email
import email.policy
import hashlib
import html
import logging
import mimetypes
import quopri
import re
import string
import unicodedata
from datetime import UTC, datetime
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime
from typing import TYPE_CHECKING

from aduan.core.model import Attachment, InboundMail

if TYPE_CHECKING:
    from aduan.config import Limits

__all__ = [
    "find_ticket",
    "html_to_text",
    "parse_message",
    "safe_filename",
    "ticket_regex",
    "trim_quoted",
]

logger = logging.getLogger(__name__)

MB = 1024 * 1024
MAX_FILENAME = 120
MAX_ATTACHMENTS = 100
MAX_MULTIPARTS = 200
MAX_HTML = 300_000  # characters of an HTML body converted to text
_BOUNDARY = re.compile(rb"(?i)content-type:\s*multipart/")
_MAX_FILENAME_BYTES = 240  # most filesystems stop at 255 bytes; CJK is 3 bytes a char

# ------------------------------------------------------------------ charsets
# Labels seen in the wild that Python's codec registry does not know, or knows
# under a narrower table than mail clients really use.
_CHARSET_ALIASES = {
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "ksc5601": "cp949",
    "euc-kr": "cp949",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "windows-31j": "cp932",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "big5": "big5hkscs",
    "iso-8859-1": "cp1252",  # what senders labelled latin-1 almost always is
    "latin1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "iso-2022-jp": "iso2022_jp_ext",
    "utf8": "utf-8",
}
_UNKNOWN_CHARSETS = {"x-unknown", "unknown", "unknown-8bit", "none", "x-user-defined", "default"}


def _codec(charset: str | None) -> str | None:
    """Python codec name for a MIME charset label, or None when unknown/absent."""
    if not charset:
        return None
    cs = charset.strip().strip("\"'").lower()
    # a quoted-printable-mangled parameter: charset=3Diso-8859-1
    if cs.startswith("3d"):
        cs = cs[2:]
    if not cs or cs in _UNKNOWN_CHARSETS:
        return None
    cs = _CHARSET_ALIASES.get(cs, cs)
    try:
        return codecs.lookup(cs).name
    except LookupError:
        return None


_MULTIBYTE = {
    "big5hkscs",
    "big5",
    "cp950",
    "gb18030",
    "gbk",
    "cp949",
    "euc_kr",
    "cp932",
    "shift_jis",
    "euc_jp",
}


def _decode_bytes(data: bytes, charset: str | None) -> str:
    """Decode bytes with the declared charset; best effort, never raises.

    Valid UTF-8 wins over the label: senders mislabel UTF-8 as latin-1 far more
    often than a latin-1 text happens to be valid UTF-8.
    """
    if b"\x1b$" in data or b"\x1b(" in data:
        # 7-bit ISO-2022-JP text often arrives labelled us-ascii or unlabelled
        try:
            return data.decode("iso2022_jp_ext")
        except UnicodeDecodeError:
            pass
    codec = _codec(charset)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode(codec or "cp1252", errors="replace")
    if codec in _MULTIBYTE and not text.isascii() and all(ord(c) < 0x100 for c in text):
        # CJK bytes that went through a latin-1 -> UTF-8 conversion on the way
        try:
            return text.encode("latin-1").decode(codec)
        except UnicodeError:
            pass
    return text


def _unescape(text: str, charset: str | None = None) -> str:
    """Turn surrogate-escaped raw bytes (8-bit headers) back into real text."""
    if not any("\udc80" <= ch <= "\udcff" for ch in text):
        return text
    data = text.encode("utf-8", errors="surrogateescape")
    return _decode_bytes(data, charset)


_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?]*)\?=")
_BETWEEN_WORDS = re.compile(r"(\?=)\s+(=\?)")


def _decode_word(m: re.Match[str]) -> str:
    charset, enc, payload = m.group(1), m.group(2).upper(), m.group(3)
    charset = charset.split("*", 1)[0]  # RFC 2231 language suffix: utf-8*id
    try:
        if enc == "B":
            payload = re.sub(r"[^A-Za-z0-9+/]", "", payload)
            data = base64.b64decode(payload + "=" * (-len(payload) % 4))
        else:
            data = quopri.decodestring(payload.replace("_", " ").encode("ascii", "replace"))
    except (binascii.Error, ValueError):
        return m.group(0)
    return _decode_bytes(data, charset)


def decode_header(value: str | None, charset: str | None = None) -> str:
    """Decode an RFC 2047 header value (any charset, 8-bit bytes too) to text."""
    if not value:
        return ""
    text = _unescape(str(value), charset)
    if "=?" in text:
        # whitespace between two adjacent encoded words is not part of the text
        text = _BETWEEN_WORDS.sub(r"\1\2", text)
        text = _ENCODED_WORD.sub(_decode_word, text)
    return text


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _one_line(text: str) -> str:
    """Single line: CR/LF, control and bidi-override characters become spaces."""
    return re.sub(r"\s+", " ", _CONTROL.sub(" ", text)).strip()


def _clean_text(text: str) -> str:
    """Body text: LF line ends, no control characters other than tab and newline."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", "", text)


# --------------------------------------------------------------------- HTML
_MD_LINK = re.compile(r"\[([^\]\n]*)\]\(<?([^()\s<>]+)>?\)")


def html_to_text(markup: str) -> str:
    """Readable plain text from an HTML body (links kept as text, images dropped)."""
    if not markup:
        return ""
    if len(markup) > MAX_HTML:
        # html2text is pure Python (~3 s per MB): a giant HTML body would stall
        # the run; the full mail is kept as .eml anyway
        markup = markup[:MAX_HTML]
    try:
        import html2text

        h = html2text.HTML2Text()
        h.body_width = 0
        h.ignore_images = True
        h.ignore_emphasis = True
        h.unicode_snob = True
        h.single_line_break = False
        text = h.handle(markup)
    except Exception as e:  # html2text on hostile markup: fall back to tag stripping
        logger.warning("html2text failed (%s); stripping tags instead", e)
        text = re.sub(r"(?is)<(script|style|head)\b.*?</\1\s*>", " ", markup)
        text = re.sub(r"(?i)<br\s*/?>|</p\s*>|</div\s*>|</tr\s*>", "\n", text)
        text = html.unescape(re.sub(r"<[^>]*>", " ", text))
    # html2text writes Markdown links; staff read plain text in the register
    text = _MD_LINK.sub(
        lambda m: m.group(2) if m.group(1) in ("", m.group(2)) else f"{m.group(1)} ({m.group(2)})",
        text,
    ).replace("\xa0", " ")
    text = re.sub(r"<(https?://[^<>\s]+)>", r"\1", text)
    lines = [ln.rstrip() for ln in _clean_text(text).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# ------------------------------------------------------------ quoted replies
_CUT_LINE = [
    re.compile(r"^-- ?$"),  # signature separator (clients often strip the space)
    re.compile(
        r"^-{2,}\s*(original message|pesan asli|forwarded message|pesan terusan)\s*-{2,}$", re.I
    ),
    re.compile(r"^(on|pada)\b.{0,300}\b(wrote|menulis)\s*:?\s*$", re.I),
]
# only one line goes: "Dikirim dari ..." could also start a real sentence
_DROP_LINE = re.compile(r"^(sent from my|sent from|dikirim dari|get outlook for)\b.{0,60}$", re.I)
_ATTRIBUTION_START = re.compile(r"^(on|pada)\s.+", re.I)
_ATTRIBUTION_END = re.compile(r"\b(wrote|menulis)\s*:\s*$", re.I)
# Outlook quotes a header block instead of "> ": a rule, then From:/Sent:/To:
_BLOCK_FROM = re.compile(r"^(from|dari)\s*:.*@", re.I)
_BLOCK_FIELD = re.compile(
    r"^(sent|date|to|cc|subject|dikirim|tanggal|kepada|perihal|subjek)\s*:", re.I
)


def _quoted_header_block(lines: list[str], i: int) -> bool:
    """Line ``i`` starts an Outlook-style quoted header block (rule or From:, then fields)."""
    s = lines[i].strip()
    if re.fullmatch(r"_{20,}", s):
        i += 1
        while i < len(lines) and not lines[i].strip():
            i += 1
        s = lines[i].strip() if i < len(lines) else ""
    if not _BLOCK_FROM.match(s):
        return False
    return any(_BLOCK_FIELD.match(ln.strip()) for ln in lines[i + 1 : i + 5])


def trim_quoted(text: str) -> str:
    """Drop quoted lines (``>``), the quote attribution and the signature.

    Keeps the original (stripped) when trimming would leave nothing, so a
    complaint made only of a forwarded/quoted text still has its words.
    """
    lines = _clean_text(text).split("\n")
    kept: list[str] = []
    for i, line in enumerate(lines):
        s = line.strip()
        if any(p.match(s) for p in _CUT_LINE) or _quoted_header_block(lines, i):
            break
        # "On Mon, 2 Nov 2026 at 10:00, Budi <budi@x.id>\nwrote:" wrapped over two lines
        nxt = lines[i + 1].strip() if i + 1 < len(lines) else ""
        if _ATTRIBUTION_START.match(s) and _ATTRIBUTION_END.search(nxt):
            break
        if s.startswith(">") or _DROP_LINE.match(s):
            continue
        kept.append(line.rstrip())
    out = re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()
    return out or _clean_text(text).strip()


# ----------------------------------------------------------------- filenames
_RESERVED = {"CON", "PRN", "AUX", "NUL", "CLOCK$", "CONIN$", "CONOUT$"} | {
    f"{p}{n}" for p in ("COM", "LPT") for n in "0123456789¹²³"
}
_BAD_FILE_CHARS = re.compile(r'[<>:"|?*\x00-\x1f\x7f]')


def safe_filename(name: str | None, fallback: str = "lampiran") -> str:
    """A filename safe on Linux and Windows: no folders, no traversal, no control
    or bidi characters, no reserved device names, no leading dots, at most 120
    characters (the extension is kept)."""
    name = unicodedata.normalize("NFC", _unescape(name or ""))
    name = name.replace("\\", "/").split("/")[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf", "Cs"))
    name = name.replace("\ufffd", "_")
    name = _BAD_FILE_CHARS.sub("_", name)
    name = re.sub(r"\s+", " ", name).strip(" .")
    if not name or set(name) <= {".", "_", " "}:
        return safe_filename(fallback, "lampiran") if fallback != name else "lampiran"
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or len(ext) > 16 or " " in ext:
        stem, ext = name, ""
    if stem.split(".")[0].upper().rstrip(" ") in _RESERVED:
        stem = "_" + stem
    suffix = f".{ext}" if ext else ""
    stem = stem[: MAX_FILENAME - len(suffix)]
    while len((stem + suffix).encode("utf-8")) > _MAX_FILENAME_BYTES:
        stem = stem[:-1]
    return (stem.rstrip(" .") or "_") + suffix


def _unique(name: str, used: dict[str, int]) -> str:
    """``name``, or ``name-2.ext``, ``name-3.ext``... (case-insensitive, as on Windows).

    ``used`` maps each name taken (casefolded) to the next suffix to try, so a
    message with thousands of same-named parts stays linear.
    """
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        stem, dot, ext = name, "", ""
    candidate, n = name, used.get(name.casefold(), 1)
    while candidate.casefold() in used:
        n += 1
        tail = f"-{n}{dot}{ext}"
        candidate = stem[: MAX_FILENAME - len(tail)] + tail
    used[name.casefold()] = n
    used.setdefault(candidate.casefold(), 1)
    return candidate


# ------------------------------------------------------------------- tickets
def ticket_regex(fmt: str) -> re.Pattern[str]:
    """A regex matching ticket numbers made by ``fmt`` (settings.ticket_format)."""
    parts: list[str] = []
    for literal, field_name, spec, _conv in string.Formatter().parse(fmt):
        parts.append(re.escape(literal))
        if field_name is None:
            continue
        width = re.match(r"0?(\d+)", spec or "")
        n = int(width.group(1)) if width else 1
        if field_name == "year":
            parts.append(r"(?P<year>\d{4})")
        elif field_name == "month":
            parts.append(rf"(?P<month>\d{{{n},2}})")
        elif field_name == "seq":
            parts.append(rf"(?P<seq>\d{{{n},}})")
        elif field_name == "office":
            parts.append(r"(?P<office>[A-Za-z0-9][A-Za-z0-9-]*)")
        else:
            parts.append(r"\w+")
    return re.compile(r"(?<![A-Za-z0-9])" + "".join(parts) + r"(?![0-9])")


def find_ticket(subject: str, pattern: re.Pattern[str] | str) -> str | None:
    """The first ticket number in ``subject``, or None. ``pattern`` is a compiled
    :func:`ticket_regex` or the format string itself."""
    if isinstance(pattern, str):
        pattern = ticket_regex(pattern)
    m = pattern.search(subject or "")
    return m.group(0) if m else None


# ------------------------------------------------------------ classification
_AUTO_HEADERS = (
    "x-autoreply",
    "x-autorespond",
    "x-autogenerated",
    "x-autoreply-from",
    "x-mail-autoreply",
)
_AUTO_SUBJECT = re.compile(
    r"^\s*\[?\s*(automatic reply|auto[- ]?reply|autoreply|auto[- ]?response|out of (the )?office"
    r"|out-of-office|ooo\b|balasan otomatis|balas otomatis|sedang cuti|di luar kantor"
    r"|tidak di kantor|auto:)",
    re.I,
)
_DAEMON = re.compile(r"^(mailer-daemon|postmaster|mail-daemon|mailerdaemon)@", re.I)


def _classify(msg: Message, h: _Headers, from_addr: str, own: set[str]) -> tuple[str, str]:
    ctype = _ctype(msg)
    if ctype == "multipart/report":
        rtype = (_param(msg, "report-type") or "").lower()
        if rtype == "disposition-notification":
            return "auto_reply", "read receipt (multipart/report; disposition-notification)"
        return "bounce", f"multipart/report ({rtype or 'no report-type'})"
    if _DAEMON.match(from_addr):
        return "bounce", f"sender {from_addr}"
    if from_addr and from_addr in own:
        return "own", f"sent from our own address {from_addr}"
    auto = h.raw("auto-submitted").split(";")[0].strip().lower()
    if auto and auto != "no":
        return "auto_reply", f"Auto-Submitted: {auto}"
    for name in _AUTO_HEADERS:
        if h.present(name):
            return "auto_reply", f"header {name}"
    subject = h.text("subject")
    if _AUTO_SUBJECT.match(subject):
        return "auto_reply", f"subject {subject[:60]!r}"
    if h.raw("return-path").strip().replace(" ", "") == "<>":
        return "bounce", "empty Return-Path"
    prec = h.raw("precedence").strip().lower()
    if prec in ("bulk", "junk", "list"):
        return "list", f"Precedence: {prec}"
    if h.present("list-id"):
        return "list", "List-Id header"
    return "complaint", ""


# ------------------------------------------------------------------- headers
class _Headers:
    """Raw header access that never goes through the (fallible) policy parser."""

    def __init__(self, msg: Message, charset: str | None) -> None:
        self.items = [(k.lower(), v) for k, v in msg.raw_items()]
        self.charset = charset

    def present(self, name: str) -> bool:
        return any(k == name for k, _ in self.items)

    def raw(self, name: str) -> str:
        for k, v in self.items:
            if k == name:
                return _unescape(str(v), self.charset)
        return ""

    def text(self, name: str) -> str:
        for k, v in self.items:
            if k == name:
                return _one_line(decode_header(str(v), self.charset))
        return ""


_MSGID = re.compile(r"<([^<>\s]+)>")


def _msgids(value: str) -> list[str]:
    return [f"<{m}>" for m in _MSGID.findall(value or "")]


def _norm_msgid(value: str) -> str:
    ids = _msgids(value)
    if ids:
        return ids[0]
    token = re.sub(r"[\s<>]", "", value or "")
    return f"<{token}>" if token else ""


def _parse_from(h: _Headers) -> tuple[str, str]:
    raw = h.raw("from")
    if not raw:
        raw = h.raw("sender") or h.raw("reply-to")
    addr = name = ""
    # the <angle address> is the sender, even when the display name (an encoded word
    # getaddresses cannot see into) holds an address of its own
    angle = re.search(r"<\s*([^<>\s\"]+@[^<>\s\"]+?)\s*>\s*$", raw.strip())
    if angle:
        addr, name = angle.group(1), raw.strip()[: angle.start()].strip()
        return _one_line(addr).lower(), _one_line(decode_header(name, h.charset)).strip("\"' ")
    try:
        for n, a in getaddresses([raw]):
            if "@" in a:
                name, addr = n, a
                break
    except Exception:  # getaddresses on hostile input: regex below
        pass
    if not addr:
        m = re.search(r"[^\s<>\"',;:()]+@[^\s<>\"',;:()]+", raw)
        addr = m.group(0) if m else ""
        if m and not name:
            name = raw[: m.start()].strip(" <\"'")
    return _one_line(addr).lower(), _one_line(decode_header(name, h.charset)).strip("\"' ")


def _all(h: _Headers, name: str) -> list[str]:
    return [_unescape(str(v), h.charset) for k, v in h.items if k == name]


def _recipients(h: _Headers) -> list[str]:
    """Every address the message was sent to (To, Cc, Delivered-To, X-Original-To)."""
    found: list[str] = []
    for name in ("to", "cc", "delivered-to", "x-original-to"):
        for raw in _all(h, name):
            for m in re.finditer(r"[^\s<>\"',;:()]+@[^\s<>\"',;:()]+", raw):
                a = m.group(0).lower()
                if a not in found:
                    found.append(a)
    return found


def _auth_results(h: _Headers) -> str:
    """Every Authentication-Results header, unfolded, one a line."""
    return "\n".join(" ".join(v.split()) for v in _all(h, "authentication-results"))


def _parse_date(h: _Headers, problems: list[str]) -> datetime | None:
    raw = h.raw("date").strip()
    if not raw:
        return None
    try:
        d = parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError, OverflowError):
        problems.append(f"bad date {_one_line(raw)[:60]!r}")
        return None
    if d.tzinfo is None:  # "-0000": time zone unknown; UTC is the honest reading
        d = d.replace(tzinfo=UTC)
    if not 1980 <= d.year <= 2100:
        problems.append(f"implausible date {_one_line(raw)[:60]!r}")
        return None
    return d


# ---------------------------------------------------------------- MIME parts
def _ctype(part: Message) -> str:
    try:
        return part.get_content_type().lower()
    except Exception:
        return "text/plain"


def _param(part: Message, name: str) -> str | None:
    try:
        v = part.get_param(name)
    except Exception:
        return None
    if isinstance(v, tuple):  # compat32 RFC 2231 triple
        v = email.utils.collapse_rfc2231_value(v)
    return None if v is None else str(v)


def _filename(part: Message) -> str:
    # compat32's parameter parser copes with what the modern one mangles:
    # unquoted names with spaces, encoded words right after "filename="
    compat = Message(policy=email.policy.compat32)
    for k, v in part.raw_items():
        if k.lower() in ("content-type", "content-disposition"):
            compat[k] = _unescape(str(v))
    name: object = None
    for source in (compat, part):
        try:
            name = source.get_filename() or _param(source, "name")
        except Exception:
            name = None
        if name:
            break
    if not name:
        return ""
    return _one_line(decode_header(str(name), _param(part, "charset")))


def _disposition(part: Message) -> str:
    try:
        return (part.get_content_disposition() or "").lower()
    except Exception:
        return ""


def _payload_bytes(part: Message) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:
        data = None
    if isinstance(data, bytes):
        return data
    raw = part.get_payload()
    if isinstance(raw, str):
        return raw.encode("utf-8", errors="surrogateescape")
    return b""


def _serialise(part: Message) -> bytes:
    """The bytes of a message/* part's payload (an attached email, a DSN block)."""
    payload = part.get_payload()
    chunks: list[bytes] = []
    items = payload if isinstance(payload, list) else [payload]
    for item in items:
        if isinstance(item, Message):
            try:
                chunks.append(item.as_bytes(policy=email.policy.compat32))
            except Exception:
                chunks.append(str(item).encode("utf-8", errors="replace"))
        elif isinstance(item, str):
            chunks.append(item.encode("utf-8", errors="surrogateescape"))
        elif isinstance(item, bytes):
            chunks.append(item)
    return b"\n".join(chunks)


def _part_text(part: Message, fallback_charset: str | None) -> str:
    data = _payload_bytes(part)
    text = _decode_bytes(data, _param(part, "charset") or fallback_charset)
    if _ctype(part) == "text/html":
        return html_to_text(text)
    return _clean_text(text)


class _Walker:
    """Collect the body text and the attachments of a message tree."""

    def __init__(self, charset: str | None) -> None:
        self.charset = charset
        self.bodies: list[Message] = []
        self.attachments: list[tuple[Message, str]] = []  # part, content type

    def _is_body(self, part: Message) -> bool:
        return (
            _ctype(part) in ("text/plain", "text/html")
            and _disposition(part) != "attachment"
            and not _filename(part)
        )

    def walk(self, part: Message, bodies_allowed: bool = True, depth: int = 0) -> None:
        ctype = _ctype(part)
        if depth > 30:  # a MIME bomb of nested multiparts: stop descending
            return
        if ctype.startswith("message/"):
            self.attachments.append((part, ctype))
            return
        payload = part.get_payload()
        if ctype.startswith("multipart/") and isinstance(payload, str):
            self._broken_multipart(part, payload, bodies_allowed, depth)
            return
        if part.is_multipart() and isinstance(payload, list):
            subs = [p for p in payload if isinstance(p, Message)]
            if ctype == "multipart/alternative" and bodies_allowed:
                chosen = self._choose_alternative(subs)
                for sp in subs:
                    self.walk(sp, sp is chosen, depth + 1)
            else:
                for sp in subs:
                    self.walk(sp, bodies_allowed, depth + 1)
            return
        if self._is_body(part):
            if bodies_allowed:
                self.bodies.append(part)
            return
        self.attachments.append((part, ctype))

    def _broken_multipart(
        self, part: Message, payload: str, bodies_allowed: bool, depth: int
    ) -> None:
        """A multipart whose declared boundary never occurs (or was unparseable,
        like an unquoted ``boundary=----=_NextPart``): find the boundary actually
        used in the body and parse again; else keep the payload as text."""
        lines = re.findall(r"(?m)^--([^\s]{1,200}?)(?:--)?\s*$", payload)
        counts: dict[str, int] = {}
        for b in lines:
            counts[b] = counts.get(b, 0) + 1
        best = max(counts, key=lambda b: counts[b], default="")
        if best and counts[best] >= 2:
            head = f'Content-Type: {_ctype(part)}; boundary="{best}"\n\n'
            data = head.encode() + payload.encode("utf-8", errors="surrogateescape")
            reparsed = email.message_from_bytes(data, policy=email.policy.compat32)
            if isinstance(reparsed.get_payload(), list):
                self.walk(reparsed, bodies_allowed, depth + 1)
                return
        if payload.strip() and bodies_allowed:
            text_part = Message(policy=email.policy.compat32)
            text_part.set_payload(payload)
            self.bodies.append(text_part)

    def _choose_alternative(self, subs: list[Message]) -> Message | None:
        for want in ("text/plain", "text/html"):
            for sp in subs:
                if _ctype(sp) == want and self._is_body(sp) and _payload_bytes(sp).strip():
                    return sp
        multi = [sp for sp in subs if _ctype(sp).startswith("multipart/")]
        return multi[-1] if multi else (subs[-1] if subs else None)


def _body_text(bodies: list[Message], charset: str | None) -> str:
    plain = [b for b in bodies if _ctype(b) == "text/plain"]
    chosen = plain or bodies
    texts = [_part_text(b, charset) for b in chosen]
    return "\n\n".join(t.strip() for t in texts if t.strip())


def _bounce_details(walker: _Walker, mail: InboundMail, charset: str | None) -> None:
    """References of the returned message and the failed recipients of a DSN."""
    for part, ctype in walker.attachments:
        if ctype in ("message/rfc822", "text/rfc822-headers", "message/rfc822-headers"):
            data = _serialise(part) if ctype.startswith("message/") else _payload_bytes(part)
            head = _decode_bytes(data, charset).replace("\r\n", "\n").split("\n\n", 1)[0]
            for m in re.finditer(r"(?im)^message-id:\s*(<[^<>\s]+>)", head):
                if m.group(1) not in mail.references:
                    mail.references.append(m.group(1))
        elif ctype == "message/delivery-status":
            text = _decode_bytes(_serialise(part), charset).replace("\r\n", "\n")
            for block in re.split(r"\n\s*\n", text):
                rcpt = re.search(r"(?im)^(?:final|original)-recipient:\s*[^;\n]*;\s*(\S+)", block)
                if not rcpt:
                    continue
                action = re.search(r"(?im)^action:\s*(\w+)", block)
                verb = action.group(1).lower() if action else "failed"
                verb = "delayed" if verb == "delayed" else "failed"
                item = f"{verb}: {rcpt.group(1).strip('<>').lower()}"
                if item not in mail.problems:
                    mail.problems.append(item)


def _synthetic_id(raw: bytes) -> str:
    # line ends normalised: the same mail read from Maildir (LF) or IMAP (CRLF)
    # must get the same id, or the cycle's dedupe would register it twice
    digest = hashlib.sha256(raw.replace(b"\r\n", b"\n")).hexdigest()
    return f"<{digest[:32]}@aduan.invalid>"


def _fallback_name(ctype: str, n: int) -> str:
    if ctype == "message/rfc822":
        return f"pesan-{n}.eml"
    ext = mimetypes.guess_extension(ctype, strict=False) or ".bin"
    return f"lampiran-{n}{ext}"


# ---------------------------------------------------------------------- main
def parse_message(
    raw: bytes,
    key: str = "",
    *,
    limits: Limits | None = None,
    own_addresses: set[str] | frozenset[str] = frozenset(),
) -> InboundMail:
    """Parse raw email bytes. Never raises: what cannot be read lands in
    ``problems`` and the message still gets a kind and a Message-ID."""
    raw = bytes(raw or b"")
    own = {a.strip().lower() for a in own_addresses}
    if len(_BOUNDARY.findall(raw)) > MAX_MULTIPARTS:
        # a MIME bomb: the stdlib parser recurses once per level and would
        # spend seconds before hitting the recursion limit, twice
        logger.warning(
            "message %s has over %d multipart parts: not parsed", key or "?", MAX_MULTIPARTS
        )
        return _unparseable(raw, key, f"more than {MAX_MULTIPARTS} multipart containers")
    errors: list[str] = []
    # compat32 first: every header is decoded here anyway, and its lenient
    # parameter parser both copes better with broken MIME and is 2x faster
    # (policy.default re-parses Content-Type on every access); policy.default
    # is the second opinion when compat32 trips.
    for policy in (email.policy.compat32, email.policy.default):
        try:
            msg = email.message_from_bytes(raw, policy=policy)
            return _build(msg, raw, key, limits, own)
        except Exception as e:  # parsers have known crashes on hostile input
            logger.debug("parse with %s failed for %s: %r", policy, key or "?", e)
            errors.append(f"{type(e).__name__}: {e}")
            if isinstance(e, RecursionError):
                break  # the other policy recurses the same way
    logger.warning("message %s unparseable (%s)", key or "?", "; ".join(errors))
    return _unparseable(raw, key, errors[-1])


def _unparseable(raw: bytes, key: str, error: str) -> InboundMail:
    """What can still be read of a message neither parser could walk (e.g. a
    MIME bomb nested thousands deep): its headers, for the quarantine note."""
    problems = [f"unparseable: {error}"]
    from_addr = from_name = subject = ""
    message_id = _synthetic_id(raw)
    date = None
    try:
        head = email.message_from_bytes(
            raw.split(b"\n\n", 1)[0].split(b"\r\n\r\n", 1)[0], policy=email.policy.compat32
        )
        h = _Headers(head, None)
        from_addr, from_name = _parse_from(h)
        subject = h.text("subject")
        message_id = _norm_msgid(h.raw("message-id")) or message_id
        date = _parse_date(h, problems)
    except Exception as e:  # headers too broken as well: the synthetic id is enough
        logger.debug("headers of %s unreadable too: %r", key or "?", e)
    return InboundMail(
        source_key=key,
        message_id=message_id,
        from_addr=from_addr,
        from_name=from_name,
        subject=subject,
        date=date,
        text="",
        kind="unparseable",
        reason=f"cannot be parsed ({error[:120]})",
        problems=problems,
        raw=raw,
    )


def _build(msg: Message, raw: bytes, key: str, limits: Limits | None, own: set[str]) -> InboundMail:
    charset = _param(msg, "charset")
    h = _Headers(msg, charset)
    problems: list[str] = []
    from_addr, from_name = _parse_from(h)
    if not from_addr:
        problems.append("no sender address")
    message_id = _norm_msgid(h.raw("message-id")) or _synthetic_id(raw)

    walker = _Walker(charset)
    walker.walk(msg)
    text = _body_text(walker.bodies, charset)
    if not text and not walker.bodies and not walker.attachments:
        # a multipart whose boundary never appears: the payload is one string
        payload = msg.get_payload()
        if isinstance(payload, str):
            text = _clean_text(_decode_bytes(_payload_bytes(msg), charset))

    mail = InboundMail(
        source_key=key,
        message_id=message_id,
        from_addr=from_addr,
        from_name=from_name,
        subject=h.text("subject"),
        date=_parse_date(h, problems),
        text=trim_quoted(text) if text.strip() else "",
        in_reply_to=(_msgids(h.raw("in-reply-to")) or [""])[0],
        references=_msgids(h.raw("references")),
        problems=problems,
        raw=raw,
        auth_results=_auth_results(h),
        recipients=_recipients(h),
    )
    mail.kind, mail.reason = _classify(msg, h, from_addr, own)
    if mail.kind == "bounce":
        _bounce_details(walker, mail, charset)
    _collect_attachments(walker, mail, limits)
    return mail


def _collect_attachments(walker: _Walker, mail: InboundMail, limits: Limits | None) -> None:
    part_limit = (limits.attachment_mb if limits else 10) * MB
    total_limit = (limits.message_mb if limits else 25) * MB
    used: dict[str, int] = {}
    total = 0
    parts = walker.attachments
    if len(parts) > MAX_ATTACHMENTS:
        # a message of thousands of parts is an attack or a mistake, not evidence
        mail.skipped_parts.append(f"{len(parts) - MAX_ATTACHMENTS} bagian lain (terlalu banyak)")
        parts = parts[:MAX_ATTACHMENTS]
    for n, (part, ctype) in enumerate(parts, start=1):
        data = _serialise(part) if ctype.startswith("message/") else _payload_bytes(part)
        name = _unique(safe_filename(_filename(part), _fallback_name(ctype, n)), used)
        size = len(data)
        if size > part_limit or total + size > total_limit:
            mail.skipped_parts.append(f"{name} ({size / MB:.1f} MB)")
            continue
        total += size
        try:
            has_cid = bool(part.get("content-id"))
        except Exception:
            has_cid = False
        disp = _disposition(part)
        inline = disp == "inline" or (not disp and has_cid)
        mail.attachments.append(Attachment(name, ctype, data, inline))
