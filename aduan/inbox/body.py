"""The complaint's words: HTML bodies as plain text, quoted replies and signatures cut.

Pure: no I/O.
"""

from __future__ import annotations

import html
import logging
import re

from aduan.inbox.charset import clean_text

__all__ = ["MAX_HTML", "html_to_text", "trim_quoted"]

logger = logging.getLogger(__name__)

MAX_HTML = 300_000  # characters of an HTML body converted to text

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
    lines = [ln.rstrip() for ln in clean_text(text).split("\n")]
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
    lines = clean_text(text).split("\n")
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
    return out or clean_text(text).strip()
