"""A complainant's contact: an email address or a phone number, and the one-tap links
that let the petugas answer on the complainant's own channel without any API.

Numbers are normalised with ``phonenumbers`` (the port of Google's libphonenumber):
``0812-3456-7890``, ``+62 812 3456 7890`` and ``6281234567890`` are one number.
A WhatsApp click-to-chat link is ``https://wa.me/<E.164 digits>?text=…``; an SMS link
``sms:+62…?body=…`` (``reference/office-standards.md``). Pure: no I/O.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import phonenumbers

__all__ = [
    "CHANNELS_BY_PHONE",
    "PASTE_CHANNELS",
    "READ_CHANNELS",
    "e164",
    "relay_for",
    "relay_link",
]

#: Channels whose messages the petugas sends with a link (WhatsApp, SMS).
CHANNELS_BY_PHONE = frozenset({"WhatsApp", "SMS"})
#: Channels where the petugas reads the text out (a call back, a walk-in's return).
READ_CHANNELS = frozenset({"Telepon", "Datang Langsung"})
#: Social media: the text to paste into the office's own account, no link.
PASTE_CHANNELS = frozenset({"Facebook", "Twitter/X", "Instagram", "Website"})

_EMAILISH = re.compile(r"@")


def e164(contact: str | None, region: str = "ID") -> str:
    """The contact as an E.164 number (``+6281234567890``), or "" when it is no phone
    number (an email address, a name, digits that make no valid number)."""
    s = (contact or "").strip()
    if not s or _EMAILISH.search(s):
        return ""
    digits = re.sub(r"[^\d+]", "", s)
    if digits.startswith("62") and not digits.startswith("+"):
        digits = "+" + digits  # 6281234567890: international form without the plus
    try:
        num = phonenumbers.parse(digits or s, region)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_possible_number(num):
        return ""
    return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)


def relay_link(channel: str, number: str, text: str) -> str:
    """The one-tap link that opens ``text`` ready to send to ``number`` on ``channel``:
    WhatsApp click-to-chat or ``sms:``; "" for a channel without one or no number."""
    if not number:
        return ""
    if channel == "WhatsApp":
        return f"https://wa.me/{number.lstrip('+')}?text={quote(text, safe='')}"
    if channel == "SMS":
        return f"sms:{number}?body={quote(text, safe='')}"
    return ""


def relay_for(channel: str, contact: str, kind: str) -> dict[str, str]:
    """How the petugas passes a message of ``kind`` to a complainant without an email
    address (issue 16): ``wa``/``sms`` with a link, ``paste`` for social media, ``read``
    to read out on the phone or at the desk; {} when there is no way at all."""
    number = e164(contact)
    if channel in CHANNELS_BY_PHONE and number:
        mode = "wa" if channel == "WhatsApp" else "sms"
    elif channel in PASTE_CHANNELS:
        mode = "paste"
    elif channel in READ_CHANNELS or channel in CHANNELS_BY_PHONE or number:
        mode = "read"
    else:
        return {}
    return {"kind": kind, "channel": channel, "number": number, "mode": mode, "contact": contact}
