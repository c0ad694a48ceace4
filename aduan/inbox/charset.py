"""Bytes and headers to text, whatever charset the sender claimed (or forgot).

Every decoder here is best effort and never raises: one odd byte costs one
replacement character, not the complaint. Pure: no I/O.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import quopri
import re

__all__ = ["clean_text", "decode_bytes", "decode_header", "one_line", "unescape"]

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


def decode_bytes(data: bytes, charset: str | None) -> str:
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


def unescape(text: str, charset: str | None = None) -> str:
    """Turn surrogate-escaped raw bytes (8-bit headers) back into real text."""
    if not any("\udc80" <= ch <= "\udcff" for ch in text):
        return text
    data = text.encode("utf-8", errors="surrogateescape")
    return decode_bytes(data, charset)


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
    return decode_bytes(data, charset)


def decode_header(value: str | None, charset: str | None = None) -> str:
    """Decode an RFC 2047 header value (any charset, 8-bit bytes too) to text."""
    if not value:
        return ""
    text = unescape(str(value), charset)
    if "=?" in text:
        # whitespace between two adjacent encoded words is not part of the text
        text = _BETWEEN_WORDS.sub(r"\1\2", text)
        text = _ENCODED_WORD.sub(_decode_word, text)
    return text


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def one_line(text: str) -> str:
    """Single line: CR/LF, control and bidi-override characters become spaces."""
    return re.sub(r"\s+", " ", _CONTROL.sub(" ", text)).strip()


def clean_text(text: str) -> str:
    """Body text: LF line ends, no control characters other than tab and newline."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", "", text)
