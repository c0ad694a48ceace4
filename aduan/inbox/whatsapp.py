"""A WhatsApp chat a staff member forwards to the complaint inbox becomes the citizen's
complaint: channel WhatsApp, the citizen's number and name, the staff member recorded
as who entered it (and sent no acknowledgement as if they had complained).

A chat arrives as text pasted or forwarded into the mail, or as WhatsApp's exported
``.txt`` ("Export chat", without media). Its lines take the form the phone's language
and platform produce, e.g.::

    [23/11/26 08.02.15] +62 812-3456-7890: isi pesan        (iPhone, Indonesian)
    [23/11/26, 08:02:15] Wulan Sari: isi pesan               (iPhone, English)
    23/11/26 08.02 - Wulan Sari: isi pesan                   (Android, Indonesian)
    11/23/26, 8:02 AM - +62 812-3456-7890: isi pesan         (Android, US English)
    23.11.26, 08:02 - Wulan Sari: isi pesan                  (Android, German)
    [08.02, 23/11/2026] Wulan Sari: isi pesan                (WhatsApp Web, copied)

Pure: no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from aduan.core.contact import e164
from aduan.core.layout import C
from aduan.core.model import InboundMail

__all__ = ["Chat", "ChatLine", "adopt_chat", "parse_chat"]

# WhatsApp marks directions with invisible characters (LRM, RLM, narrow no-break space)
_INVISIBLE = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_DATE = r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}"
_TIME = r"\d{1,2}[.:]\d{2}(?:[.:]\d{2})?(?:\s?[AaPp]\.?\s?[Mm]\.?)?"
_LINE_RX = re.compile(
    rf"^\[?(?:(?P<d1>{_DATE}),?\s+(?P<t1>{_TIME})|(?P<t2>{_TIME}),\s+(?P<d2>{_DATE}))\]?"
    r"\s*(?:-\s*)?(?P<who>[^:\n]{1,60}?):\s?(?P<msg>.*)$"
)
# what a phone writes instead of a message, and its own system lines
_NOISE = re.compile(
    r"^(?:<(?:media|lampiran|file)[^>]*>|<media omitted>|<media tidak disertakan>|"
    r"(?:gambar|image|video|audio|stiker|sticker|dokumen|document) (?:tidak disertakan|omitted)|"
    r"pesan ini telah dihapus|this message was deleted)$",
    re.IGNORECASE,
)
#: The names a phone gives its owner in an export: the office's side of the chat.
_SELF = frozenset({"anda", "you", "saya", "me", "du", "tú", "vous"})
_SYSTEM_HINTS = ("end-to-end", "ujung-ke-ujung", "terenkripsi", "encrypted")
_NAMED_NUMBER = re.compile(r"(?:\+|\b0|\b62)[\d\s().-]{8,18}\d")


@dataclass
class ChatLine:
    when: str  # as written ("23/11/26 08.02"): the phone's locale decides the order
    who: str
    text: str


@dataclass
class Chat:
    """A parsed chat: its lines and the citizen who wrote in."""

    lines: list[ChatLine] = field(default_factory=list)
    name: str = ""  # the citizen's name as the phone shows it ("" when only a number)
    number: str = ""  # the citizen's number, E.164 ("" when the phone showed a name only)

    def citizen_text(self) -> str:
        """The citizen's messages, one a line, timed as the phone wrote them."""
        who = self.citizen
        return "\n".join(f"[{ln.when}] {ln.text}" for ln in self.lines if ln.who == who)

    @property
    def citizen(self) -> str:
        for ln in self.lines:
            if ln.who.casefold() not in _SELF:
                return ln.who
        return ""


def parse_chat(text: str) -> Chat | None:
    """The chat in ``text``, or None when no line has a chat's form. A line without
    a time stamp continues the message above it (a message of several lines)."""
    chat = Chat()
    for raw in _INVISIBLE.sub("", text or "").replace("\u202f", " ").splitlines():
        line = raw.lstrip("> ").rstrip()  # a forward in some clients quotes it
        m = _LINE_RX.match(line)
        if m:
            msg = m["msg"].strip()
            who = m["who"].strip()
            if any(h in msg.casefold() for h in _SYSTEM_HINTS):
                continue
            when = f"{m['d1'] or m['d2']} {m['t1'] or m['t2']}"
            if _NOISE.match(msg):
                msg = ""
            chat.lines.append(ChatLine(when, who, msg))
        elif chat.lines and line.strip():
            last = chat.lines[-1]
            last.text = f"{last.text}\n{line.strip()}" if last.text else line.strip()
    chat.lines = [ln for ln in chat.lines if ln.text]
    if not chat.lines or not chat.citizen:
        return None
    who = chat.citizen
    number = e164(who)
    if number:
        chat.number = number
    else:
        chat.name = who
        # a saved contact shows a name: the number may stand in the staff's own words
        m = _NAMED_NUMBER.search((text or "").split(chat.lines[0].when.split()[0])[0])
        chat.number = e164(m.group(0)) if m else ""
    return chat


def _find(mail: InboundMail) -> tuple[Chat, str] | None:
    """The chat a mail carries: in an exported .txt attachment, else in its text."""
    for a in mail.attachments:
        if a.filename.lower().endswith(".txt"):
            chat = parse_chat(a.data.decode("utf-8", "replace"))
            if chat:
                return chat, f"ekspor chat {a.filename}"
    chat = parse_chat(mail.text)
    return (chat, "chat diteruskan dalam isi email") if chat else None


def adopt_chat(mail: InboundMail) -> bool:
    """Turn a mail that forwards a WhatsApp chat into the citizen's complaint, in
    place: channel, number, name and text are the citizen's; the forwarding staff
    member goes into the history as who entered it. False when no chat is found."""
    if mail.kind != "complaint":
        return False
    found = _find(mail)
    if found is None:
        return False
    chat, how = found
    if not chat.number:  # the staff's own words may give the number of a saved contact
        m = _NAMED_NUMBER.search(mail.text)
        chat.number = e164(m.group(0)) if m and "[" not in mail.text[: m.start()] else ""
    staff = mail.from_addr or "(alamat tidak terbaca)"
    mail.channel = "WhatsApp"
    mail.from_addr = chat.number
    mail.from_name = chat.name
    mail.text = chat.citizen_text()
    subject = re.sub(r"^(?:\s*(?:fwd?|fw|tr|wg|penerusan)\s*:\s*)+", "", mail.subject, flags=re.I)
    if not subject.strip() or re.search(r"(?i)whats\s?app|chat", subject):
        first = chat.citizen_text().split("\n", 1)[0].split("] ", 1)[-1]
        subject = first if len(first) <= 80 else first[:79] + "…"
    mail.subject = subject.strip()
    mail.reason = f"WhatsApp ({how}), dicatat oleh {staff}"
    mail.fields.setdefault(C.NOTE, f"Chat WhatsApp diteruskan oleh {staff}.")
    if not chat.number:
        mail.problems.append("nomor WhatsApp pengadu tidak tertulis; isi Kontak Pengadu")
    # a mail client's threading would tie the citizen's complaint to the staff's mail
    mail.in_reply_to, mail.references = "", []
    return True
