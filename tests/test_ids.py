"""Ticket numbers in text: the engine's one regex (aduan.core.ids.ticket_regex)."""

from __future__ import annotations

import pytest

from aduan.core.ids import parse_ticket, ticket_regex

FMT = "ADU/{year}/{month:02d}/{seq:04d}"


def found(text: str, fmt: str = FMT, office: str = "") -> str | None:
    m = ticket_regex(fmt, office).search(text)
    return m.group(0) if m else None


@pytest.mark.parametrize(
    ("text", "ticket"),
    [
        ("Re: [ADU/2026/11/0007] Tanda terima", "ADU/2026/11/0007"),
        ("Re: ADU/2026/11/12345 lanjut", "ADU/2026/11/12345"),  # the seq outgrew its width
        ("ADU/2026/1/0007", None),  # month narrower than the format writes it
        ("XADU/2026/11/0007", None),  # inside a longer token
        ("ADU/2026/11/0007/lampiran", None),
        ("", None),
    ],
)
def test_ticket_found_in_a_subject(text, ticket):
    assert found(text) == ticket


def test_ticket_with_the_office_code():
    fmt = "{office}-{year}{month:02d}-{seq}"
    assert found("Re: dinsos-blitar-202611-7 ok", fmt, "dinsos-blitar") == "dinsos-blitar-202611-7"
    assert found("Re: dinsos-kediri-202611-7 ok", fmt, "dinsos-blitar") is None


def test_parse_ticket_reads_the_numbers():
    rx = ticket_regex(FMT)
    assert parse_ticket(rx, " ADU/2026/11/0007 ") == (2026, 11, 7)
    assert parse_ticket(rx, "Re: ADU/2026/11/0007") is None
