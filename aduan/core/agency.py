"""The address book of agencies a complaint outside the office's authority goes to
(issue 16): found by name or alias as staff type it in *Instansi Tujuan*."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["FORWARD_COLUMN", "Agency", "find_agency"]

#: the staff column the petugas sets to "Ya" once a complaint was forwarded by hand
FORWARD_COLUMN = "Penyaluran Dikirim"


@dataclass(frozen=True)
class Agency:
    """One agency: its name, the other names staff use for it, how to reach it."""

    name: str
    aliases: tuple[str, ...] = ()
    email: str = ""
    phone: str = ""
    #: issue 19: the agency runs Aduan (its office id): the forwarding is a signed hand-off
    office_id: str = ""

    def as_context(self) -> dict[str, str]:
        """The ``agency`` mapping of an email context."""
        return {"name": self.name, "email": self.email, "phone": self.phone}


def _norm(text: str) -> str:
    return " ".join((text or "").replace(".", " ").split()).casefold()


def find_agency(agencies: Iterable[Agency], typed: str) -> Agency | None:
    """The agency whose name or an alias is what staff typed (case, dots and spacing
    aside); None when the address book has none."""
    want = _norm(typed)
    if not want:
        return None
    for a in agencies:
        if want in {_norm(n) for n in (a.name, *a.aliases)}:
            return a
    return None
