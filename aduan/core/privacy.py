"""Whose identity is kept confidential, and who may see it (Perpres 76/2013).

One home for the rule: the engine marks a complaint confidential, the daily digest,
the emails and the documents hide its identity from every role that may not see it,
and all of them write the same placeholder.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from aduan.core.layout import C
from aduan.core.sop import Sop

__all__ = ["PLACEHOLDER", "identity_roles", "is_confidential", "redact", "sees_identity"]

#: What replaces an identifying value when the identity is kept confidential.
PLACEHOLDER = "(dirahasiakan)"

_YES = frozenset({"ya", "y", "yes", "true", "1"})
_NO = frozenset({"tidak", "t", "no", "false", "0"})


def is_confidential(values: Mapping[str, str], default: bool = False) -> bool:
    """Whether a complaint's identity is kept confidential: its *Rahasia* cell when
    staff (or a form) answered it, else the office's default."""
    v = (values.get(C.CONFIDENTIAL) or "").strip().casefold()
    if v in _YES:
        return True
    if v in _NO:
        return False
    return default


def identity_roles(sop: Sop) -> frozenset[str]:
    """The roles that see a confidential complainant's identity: the officer who
    receives complaints and the head. Every other role sees the placeholder."""
    return frozenset({sop.first.role, sop.head_role})


def sees_identity(roles: str | Iterable[str], sop: Sop, confidential: bool) -> bool:
    """Whether a recipient holding ``roles`` may see the complainant's identity."""
    if not confidential:
        return True
    held = {roles} if isinstance(roles, str) else set(roles)
    return bool(held & identity_roles(sop))


def redact(text: str | None) -> str:
    """The placeholder for an identifying value; "" stays "" (nothing to hide)."""
    return PLACEHOLDER if text else ""
