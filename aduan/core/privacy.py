"""Whose identity is kept confidential, who may see it, and what replaces it (Perpres 76/2013).

One home for the rule: the engine marks a complaint confidential, the daily digest,
the emails and the documents hide its identity from every role that may not see it,
and all of them redact with :func:`redact_text`. Redaction protects the person, not
the words: the full name as a phrase (whatever its case, spacing or honorific), a
personal name's own words, email addresses, phone numbers in any notation, NIK, the
sign-off block and quoted reply headers. A pseudonym built from generic words
("Warga Girimulyo", "Ketua RT 03") identifies nobody and stays in the text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from aduan.core.layout import C
from aduan.core.sop import Sop

__all__ = [
    "PLACEHOLDER",
    "Identity",
    "asks_confidentiality",
    "identity_of",
    "identity_roles",
    "is_confidential",
    "is_pseudonym",
    "protect_context",
    "redact",
    "redact_filename",
    "redact_text",
    "reveals_text",
    "sees_identity",
    "team_text",
]

#: What replaces an identifying value when the identity is kept confidential.
PLACEHOLDER = "(dirahasiakan)"

_YES = frozenset({"ya", "y", "yes", "true", "1"})
_NO = frozenset({"tidak", "t", "no", "false", "0"})

#: Titles that may stand before or inside a name; never a name's own word.
HONORIFICS = frozenset(
    [
        "bapak",
        "ibu",
        "pak",
        "bu",
        "bpk",
        "sdr",
        "sdri",
        "saudara",
        "saudari",
        "dr",
        "drs",
        "dra",
        "ir",
        "hj",
        "h",
        "haji",
        "hajah",
        "mas",
        "mbak",
        "kak",
        "bin",
        "binti",
        "mr",
        "mrs",
        "ms",
        "st",
        "se",
        "sh",
        "mh",
        "mm",
        "spd",
        "amd",
        "prof",
    ]
)
# Words a pseudonym is built from: a role, a group or a place kind. A "name" made of
# these and place names identifies nobody, so its words stay in the text.
_GENERIC = frozenset(
    [
        "warga",
        "penduduk",
        "masyarakat",
        "rakyat",
        "pengadu",
        "pelapor",
        "pengirim",
        "anonim",
        "anonymous",
        "hamba",
        "allah",
        "ketua",
        "rt",
        "rw",
        "dusun",
        "desa",
        "kelurahan",
        "kampung",
        "kecamatan",
        "kabupaten",
        "kota",
        "dukuh",
        "lingkungan",
        "blok",
        "perumahan",
        "gang",
        "jalan",
        "jl",
        "komplek",
        "ibu-ibu",
        "bapak-bapak",
        "emak-emak",
        "orang",
        "tua",
        "wali",
        "murid",
        "siswa",
        "mahasiswa",
        "pedagang",
        "pasar",
        "petani",
        "nelayan",
        "peternak",
        "buruh",
        "sopir",
        "ojek",
        "guru",
        "pemuda",
        "karang",
        "taruna",
        "kelompok",
        "komunitas",
        "forum",
        "paguyuban",
        "peduli",
        "tetangga",
        "pengguna",
        "pelanggan",
        "nasabah",
        "korban",
        "keluarga",
        "relawan",
        "penghuni",
        "pemilik",
        "toko",
        "sekolah",
        "rumah",
        "sakit",
        "umat",
        "jamaah",
        "kk",
        "no",
    ]
)
_EMAIL_RX = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Phone numbers in any notation: +62 812-3456-7890, (0271) 495 123, 62812…, 0812.3456.7890,
# +62 (812) 3456 7890; 8-15 digits with single separators (a date like 01-02-2026 is too short)
_PHONE_RX = re.compile(
    r"(?<![\w/+])(?:\+\s?\d{1,3}|\(?0\d{1,4}\)?|62)(?:[\s.\-]?\(?\d{1,4}\)?){2,6}(?![\w/])"
)
_NIK_RX = re.compile(r"(?<!\d)\d{16}(?!\d)")
# A closing line: the sign-off that the signature block follows ("Salam, Wulan Sari").
_CLOSING_RX = re.compile(
    r"^\s*(?:salam(?:\s+hormat)?|hormat\s+(?:saya|kami)|terima\s*kasih|terimakasih|"
    r"wassalam\w*|wasalam\w*|matur\s+nuwun|tabik|regards|best\s+regards|kind\s+regards|"
    r"thanks|thank\s+you|cheers|sincerely|yang\s+melapor|pelapor|pengadu)\b[^\n]*$",
    re.IGNORECASE | re.MULTILINE,
)
_SIG_DASHES_RX = re.compile(r"^-- ?$", re.MULTILINE)
# The header a mail client writes above a quote ("Pada … Wulan <w@…> menulis:"),
# and the From/To lines of a forwarded or quoted message.
_QUOTE_HEADER_RX = re.compile(
    r"^[ \t>]*(?:(?:on|pada|am|le|el|op)\b[^\n]{0,300}?(?:wrote|menulis|schrieb|"
    r"a écrit|escribió|schreef)\s*:|(?:from|dari|to|kepada|cc|sent|dikirim|tanggal|date)"
    r"\s*:[^\n]*)[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
_ASK_RX = re.compile(
    r"(?:identitas|nama|data\s+diri|data\s+pribadi)\s+(?:saya|kami|pelapor|pengadu)\s+"
    r"(?:mohon\s+|agar\s+|harap\s+|tolong\s+)?(?:di)?rahasia\w*"
    r"|(?:mohon|harap|tolong|minta|agar)\s+(?:untuk\s+)?(?:di)?rahasiakan\s+"
    r"(?:identitas|nama|data)"
    r"|(?:jangan|tidak\s+usah|tanpa)\s+(?:di\s*)?(?:sebut\w*|cantum\w*|tampil\w*|"
    r"buka\w*|tulis\w*)\s+(?:nama|identitas)"
    r"|(?:rahasiakan|merahasiakan)\s+(?:identitas|nama)"
    r"|\b(?:sebagai\s+)?anonim\b",
    re.IGNORECASE,
)
_SEP = r"[\s.,_-]+"
_MAX_SIGNATURE_LINES = 6


def is_confidential(values: Mapping[str, str], default: bool = False) -> bool:
    """Whether a complaint's identity is kept confidential: its *Rahasia* cell when
    staff (or a form) answered it, else the office's default."""
    v = (values.get(C.CONFIDENTIAL) or "").strip().casefold()
    if v in _YES:
        return True
    if v in _NO:
        return False
    return default


def identity_roles(sop: Sop, allowed: Iterable[str] = ()) -> frozenset[str]:
    """The roles that see a confidential complainant's identity: the office's setting
    (``privacy.identity_roles``), by default the officer who receives complaints and
    the head. Every other role sees the redacted text."""
    chosen = frozenset(allowed)
    if chosen:
        head = {"head": sop.head_role, "petugas": sop.first.role}
        return frozenset(head.get(r, r) for r in chosen)
    return frozenset({sop.first.role, sop.head_role})


def sees_identity(
    roles: str | Iterable[str], sop: Sop, confidential: bool, allowed: Iterable[str] = ()
) -> bool:
    """Whether a recipient holding ``roles`` may see the complainant's identity."""
    if not confidential:
        return True
    held = {roles} if isinstance(roles, str) else set(roles)
    return bool(held & identity_roles(sop, allowed))


def redact(text: str | None) -> str:
    """The placeholder for an identifying value; "" stays "" (nothing to hide)."""
    return PLACEHOLDER if text else ""


# ------------------------------------------------------------------ the person
def _words(name: str) -> list[str]:
    return [w for w in re.findall(r"[^\W\d_]+(?:-[^\W\d_]+)?", name)]


def is_pseudonym(name: str) -> bool:
    """Whether a name only names a group or a place ("Warga Girimulyo", "Ketua RT 03",
    "Hamba Allah"): it begins with a generic word, or has no personal word at all."""
    words = [w.casefold() for w in _words(name) if w.casefold() not in HONORIFICS]
    if not words:
        return True
    return words[0] in _GENERIC or all(w in _GENERIC for w in words)


@dataclass(frozen=True)
class Identity:
    """What identifies one complainant: the name and contact cells, and any other
    value to hide (e.g. the name a chat shows)."""

    name: str = ""
    contact: str = ""
    extra: tuple[str, ...] = ()

    def names(self) -> list[str]:
        """The personal names (pseudonyms left out), as written."""
        out = []
        for n in (self.name, *self.extra):
            n = " ".join(n.split())
            if n and not _EMAIL_RX.fullmatch(n) and not is_pseudonym(n):
                out.append(n)
        local = _EMAIL_RX.fullmatch(self.contact.strip())
        if local and not self.name.strip():  # "wulan.sari@…" names Wulan Sari
            guess = " ".join(_words(self.contact.split("@")[0]))
            if guess and not is_pseudonym(guess):
                out.append(guess)
        return out

    def words(self) -> list[str]:
        """A personal name's own words (3 letters or more, titles left out)."""
        found = {
            w.casefold(): w
            for n in self.names()
            for w in _words(n)
            if len(w) >= 3 and w.casefold() not in HONORIFICS and w.casefold() not in _GENERIC
        }
        return sorted(found.values(), key=len, reverse=True)


def identity_of(values: Mapping[str, str]) -> Identity:
    """The identity a register row carries."""
    return Identity(name=values.get(C.NAME, "") or "", contact=values.get(C.CONTACT, "") or "")


def _phrase_rx(ident: Identity) -> re.Pattern[str] | None:
    """The full name as a phrase: any case, any spacing or dots between its words, an
    honorific before it ("Bu Wulan Sari", "WULAN  SARI", "Sdr. Wulan-Sari")."""
    alts = []
    for n in ident.names():
        words = [re.escape(w) for w in _words(n) if w.casefold() not in HONORIFICS]
        if words:
            alts.append(_SEP.join(words))
    if not alts:
        return None
    hon = "|".join(sorted(HONORIFICS, key=len, reverse=True))
    return re.compile(
        rf"(?<!\w)(?:(?:{hon})\.?\s+)*(?:{'|'.join(sorted(alts, key=len, reverse=True))})(?!\w)",
        re.IGNORECASE,
    )


def _words_rx(ident: Identity) -> re.Pattern[str] | None:
    words = ident.words()
    if not words:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, words)) + r")(?!\w)", re.IGNORECASE)


def _sign_off(text: str) -> str:
    """The text with its signature block replaced: what follows a ``-- `` separator,
    and what follows the last closing line among the last few lines ("Salam," /
    "Salam, Wulan Sari"), the closing itself kept."""
    dashes = list(_SIG_DASHES_RX.finditer(text))
    if dashes:
        text = text[: dashes[-1].start()] + PLACEHOLDER
    lines = text.rstrip().splitlines(keepends=True)
    offset = sum(len(x) for x in lines[: max(0, len(lines) - _MAX_SIGNATURE_LINES)])
    closings = list(_CLOSING_RX.finditer(text, offset))
    if not closings:
        return text
    last = closings[-1]
    line = last.group(0)
    # "Salam, Wulan Sari": the closing stays, the name after the punctuation goes
    cut = re.search(r"[,;:!]", line)
    keep, rest = (line[: cut.end()], line[cut.end() :]) if cut else (line, "")
    if len(rest.split()) > 4:
        rest = ""  # "Terima kasih, atas perhatian Bapak/Ibu kami ..." is a sentence
    after = text[last.end() :].strip()
    if not after and not rest.strip():
        return text
    tail = f" {PLACEHOLDER}" if rest.strip() else f"\n{PLACEHOLDER}"
    return text[: last.start()] + keep + tail + "\n"


def redact_text(text: str | None, ident: Identity, *, sign_off: bool = True) -> str:
    """``text`` with the complainant's identity replaced by the placeholder: quoted
    reply headers, the signature block, the full name as a phrase, a personal name's
    words, email addresses, phone numbers, NIK. Everything else stays as written."""
    if not text:
        return ""
    out = _QUOTE_HEADER_RX.sub(PLACEHOLDER, str(text))
    if sign_off:
        out = _sign_off(out)
    out = _EMAIL_RX.sub(PLACEHOLDER, out)
    out = _NIK_RX.sub(PLACEHOLDER, out)
    out = _redact_phones(out)
    for rx in (_phrase_rx(ident), _words_rx(ident)):
        if rx is not None:
            out = rx.sub(PLACEHOLDER, out)
    # one placeholder for "(dirahasiakan) (dirahasiakan)"
    return re.sub(r"\(dirahasiakan\)(?:[ \t]*\(dirahasiakan\))+", PLACEHOLDER, out)


_DATE_RX = re.compile(r"\d{1,2}[./-]\d{1,2}[./-]\d{2,4}(?:[\sT]+\d{1,2}[.:]\d{2})?")


def _phones(text: str) -> list[tuple[int, int]]:
    """Where phone numbers stand in ``text``: 9 digits or more (a run of two numbers
    counts as one), never a date or a time ("01-02-2026 08.00")."""
    spans: list[tuple[int, int]] = []
    pos = 0
    while m := _PHONE_RX.search(text, pos):
        d = _DATE_RX.match(text, m.start())
        if d:  # a date is not a phone; what follows it may be
            pos = d.end()
            continue
        if len(re.sub(r"\D", "", m.group(0))) >= 9:
            spans.append(m.span())
        pos = m.end()
    return spans


def _redact_phones(text: str) -> str:
    for a, b in reversed(_phones(text)):
        text = text[:a] + PLACEHOLDER + text[b:]
    return text


def reveals_text(text: str, ident: Identity) -> list[str]:
    """What in ``text`` still identifies the complainant (the scan of the tests and of
    attachments): the name phrase, a personal name's word, an email, phone, NIK."""
    found: list[str] = []
    for rx in (_phrase_rx(ident), _words_rx(ident), _EMAIL_RX, _NIK_RX):
        if rx is not None:
            found += [m.group(0) for m in rx.finditer(text)]
    found += [text[a:b] for a, b in _phones(text)]
    return found


def redact_filename(filename: str, ident: Identity, n: int = 1) -> str:
    """An attachment's name as a protected role sees it: ``lampiran-<n>.<ext>`` when
    it carries the name, a word of it, or a contact; else unchanged."""
    stem, dot, ext = filename.rpartition(".")
    if not dot:
        stem, ext = filename, ""
    spaced = re.sub(r"[_.\-+]+", " ", stem)
    if reveals_text(spaced, ident) or reveals_text(filename, ident):
        return f"lampiran-{n}" + (f".{ext}" if ext else "")
    return filename


def asks_confidentiality(text: str | None) -> bool:
    """Whether a complaint asks in its own words to keep the identity confidential
    ("mohon identitas saya dirahasiakan", "jangan sebut nama saya")."""
    return bool(text and _ASK_RX.search(text))


def team_text(values: Mapping[str, str], column: str, override: str = "") -> str:
    """A row's text as a protected role reads it: staff's corrected ``override`` (the
    *Isi untuk Tim* column) when they wrote one, else the automatic redaction."""
    if override.strip():
        return override
    return redact_text(values.get(column, ""), identity_of(values))


# Context keys that never carry the complainant's identity (redacting them could only
# damage them, e.g. a name word "Adu" inside a ticket number).
_STRUCTURAL = frozenset(
    [
        "ticket",
        "received",
        "channel",
        "category",
        "confidential",
        "sop_name",
        "sop_number",
        "step",
        "steps_ahead",
        "outcome",
        "rung",
        "late_minutes",
        "now",
        "source_message_id",
        "doc",
        "nomor",
        "date",
        "failed_kind",
        "documents",
        "agenda",
        "reply_to",
        "reply_token",
        "reply_tag",
        "reply_commands",
    ]
)


def protect_context(ctx: Mapping[str, Any]) -> dict[str, Any]:
    """An email or document context as a role that may not see the identity reads it:
    the name and contact as the placeholder, the text staff corrected in *Isi untuk
    Tim* (``team_text``) or else the automatic redaction, every other text redacted,
    attachment names that carry the name renamed."""
    ident = Identity(str(ctx.get("name") or ""), str(ctx.get("contact") or ""))

    def scrub(v: Any) -> Any:
        if isinstance(v, str):
            return redact_text(v, ident, sign_off=False)
        if isinstance(v, dict):
            return {k: scrub(x) for k, x in v.items()}
        if isinstance(v, list | tuple):
            return type(v)(scrub(x) for x in v)
        return v

    out = {k: (v if k in _STRUCTURAL else scrub(v)) for k, v in ctx.items()}
    override = str(ctx.get("team_text") or "")
    out["text"] = override if override.strip() else redact_text(str(ctx.get("text") or ""), ident)
    out["team_text"] = out["text"]
    reply = ctx.get("reply")
    if isinstance(reply, dict):
        out["reply"] = {
            **out["reply"],
            "from": redact(reply.get("from")),
            "text": redact_text(str(reply.get("text") or ""), ident),
        }
    out["name"] = redact(str(ctx.get("name") or ""))
    out["contact"] = redact(str(ctx.get("contact") or ""))
    names = [a for a in str(ctx.get("attachments") or "").splitlines() if a.strip()]
    out["attachments"] = "\n".join(redact_filename(a, ident, i) for i, a in enumerate(names, 1))
    out["source_message_id"] = ""
    return out
