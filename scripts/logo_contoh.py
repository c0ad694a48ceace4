"""The placeholder emblem templates/logo-contoh.png (the demo office's letterhead logo),
drawn with the stdlib only; ``make_templates.py --logo`` writes it."""

from __future__ import annotations

import math
import struct
import zlib

__all__ = ["placeholder_logo"]


def placeholder_logo(size: int = 240) -> bytes:
    """A plain emblem (ring and five-pointed star) as PNG, with the stdlib only."""
    c = (size - 1) / 2
    star = []
    for i in range(10):
        r = c * (0.62 if i % 2 == 0 else 0.25)
        a = -math.pi / 2 + i * math.pi / 5
        star.append((c + r * math.cos(a), c + r * math.sin(a)))

    def in_star(x: float, y: float) -> bool:
        inside = False
        for (x1, y1), (x2, y2) in zip(star, star[1:] + star[:1], strict=True):
            if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
                inside = not inside
        return inside

    rows = []
    for y in range(size):
        row = bytearray(b"\x00")  # filter type: none
        for x in range(size):
            d = math.hypot(x - c, y - c)
            if d > c:
                px = (255, 255, 255, 0)
            elif d > c * 0.88:
                px = (20, 60, 140, 255)
            elif in_star(x, y):
                px = (235, 190, 30, 255)
            else:
                px = (255, 255, 255, 255)
            row += bytes(px)
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + chunk(b"IEND", b"")
    )
