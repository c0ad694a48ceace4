"""Score inbound-mail classification on the sisimai corpus, before and after.

"before" is the product's current detection (``parse_message`` of the inbox edge,
called as the cycle calls it, its kind mapped onto the classes); "after" is
:func:`aduan.core.mailkind.classify`. Prints both confusion tables, the files the
new classifier reads differently from their label, and one ``name: value unit``
line per figure. Needs ``../shared`` beside the repository. Not a test.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from aduan.core.mailkind import classify  # noqa: E402
from tests.test_mailkind_corpus import (  # noqa: E402
    CORPUS,
    EXPECTED,
    SISIMAI,
    confusion,
    corpus_files,
    format_table,
    load_labels,
)

OWN = frozenset({"pengaduan@bpbd.example.go.id"})
ROUNDS = 3


def _before() -> Callable[[bytes], str] | None:
    """The old detection as a function raw -> class, or None when it cannot be imported
    (the inbox package is being restructured)."""
    try:
        from aduan.inbox.parse import parse_message
    except Exception as e:  # any import trouble: report, do not fail the bench
        print(f"before: unavailable ({type(e).__name__}: {e})")
        return None

    def kind(raw: bytes) -> str:
        mail = parse_message(raw, "bench", own_addresses=set(OWN))
        if mail.kind == "auto_reply":
            return "autoreply"
        if mail.kind == "bounce":
            # the cycle tells the officer "delayed" only when every item says so
            items = [p for p in mail.problems if p.startswith(("failed:", "delayed:"))]
            if items and all(p.startswith("delayed:") for p in items):
                return "delay"
            return "bounce"
        return str(mail.kind)

    return kind


def _score(fn: Callable[[bytes], str], data: list[tuple[str, str, bytes]]) -> list[tuple[str, str]]:
    return [(label, fn(raw)) for _, label, raw in data]


def _rate(fn: Callable[[bytes], object], blobs: list[bytes]) -> float:
    """Messages per second, the median of a few rounds over every message."""
    rates = []
    for _ in range(ROUNDS):
        t = time.perf_counter()
        for raw in blobs:
            fn(raw)
        rates.append(len(blobs) / (time.perf_counter() - t))
    return statistics.median(rates)


def main() -> None:
    if not SISIMAI.is_dir():
        print(f"corpus not found: {SISIMAI}")
        return
    data = [(name, label, (SISIMAI / name).read_bytes()) for name, label in load_labels()]
    human = [(CORPUS / n).read_bytes() for n in corpus_files()] if CORPUS.is_dir() else []

    def after(raw: bytes) -> str:
        return classify(raw, own_addresses=OWN).kind

    old = _before()
    if old is not None:
        pairs = _score(old, data)
        print(format_table(confusion(pairs), "before (aduan.inbox.parse.parse_message)"))
        leaked = sum(1 for label, k in pairs if label != "other" and k == "complaint")
        print(f"before_system_mail_as_complaint: {leaked} messages")
        print(f"before_parse_msgs_per_s: {_rate(old, [r for _, _, r in data]):.0f} msg/s")
        print()
    pairs = _score(after, data)
    print(format_table(confusion(pairs), "after (aduan.core.mailkind.classify)"))
    for (name, label, raw), (_, k) in zip(data, pairs, strict=True):
        if k != EXPECTED[label]:
            print(f"  differs from label: {name}: {label} -> {k} ({classify(raw).reason})")
    leaked = sum(1 for label, k in pairs if label != "other" and k == "complaint")
    print(f"after_system_mail_as_complaint: {leaked} messages")
    dropped = sum(1 for raw in human if classify(raw).kind != "complaint")
    print(f"after_corpus_not_complaint: {dropped} of {len(human)} messages")
    blobs = [r for _, _, r in data] + human
    print(f"classify_msgs_per_s: {_rate(classify, blobs):.0f} msg/s")


if __name__ == "__main__":
    main()
