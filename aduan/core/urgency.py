"""Which complaints are urgent: the one home of that rule (issue 21).

An office marks categories (the register's *Kategori*) and keywords (found as
whole words in the subject or text) as urgent, e.g. BPBD's disasters. An urgent
complaint's staff mail goes out at once, at any hour, also to the on-call list,
and its ladder runs on the clock (:mod:`aduan.core.engine.steps`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from aduan.core.layout import C

__all__ = ["is_urgent"]


def _norm(text: str) -> str:
    return " ".join((text or "").split()).casefold()


def is_urgent(
    values: Mapping[str, str], categories: Iterable[str] = (), keywords: Iterable[str] = ()
) -> bool:
    """True when the row's category is an urgent one, or an urgent keyword occurs
    as a whole word (or phrase) in its subject or text."""
    cat = _norm(values.get(C.CATEGORY, ""))
    if cat and cat in {_norm(c) for c in categories}:
        return True
    words = [_norm(k) for k in keywords if k.strip()]
    if not words:
        return False
    text = _norm(f"{values.get(C.SUBJECT, '')} {values.get(C.TEXT, '')}")
    return any(re.search(rf"(?<!\w){re.escape(w)}(?!\w)", text) for w in words)
