"""*Riwayat* for people (issue 22): what a sent email says in the log, in Indonesian and
without Message-IDs, addresses or internal names; and the log in time order. The
bookkeeping key of each row stays in its hidden *Kunci* column."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping

__all__ = ["KIND_LABELS", "chronological", "sent_text"]

#: what each kind of email is, as staff say it
KIND_LABELS = {
    "tanda_terima": "Tanda terima",
    "tugas": "Email tugas",
    "pengingat": "Pengingat",
    "eskalasi": "Pemberitahuan keterlambatan (eskalasi)",
    "jawaban_langsung": "Jawaban langsung",
    "hasil": "Hasil tindak lanjut",
    "penyaluran": "Pemberitahuan penyaluran",
    "perkembangan": "Kabar perkembangan",  # issue 16
    "salur_instansi": "Penyaluran aduan kepada instansi",
    "salur_manual": "Tugas menyalurkan aduan",
    "laporan": "Laporan pelaksanaan",
    "balasan_pengadu": "Pemberitahuan balasan pengadu",
    "pantulan": "Pemberitahuan email tidak terkirim",
    "konfirmasi": "Konfirmasi keputusan",
    "ditolak": "Pemberitahuan balasan ditolak",
    "ringkasan": "Ringkasan harian",
    "status_penyaluran": "Kabar status kepada kantor asal",  # issue 19
    "hasil_instansi": "Hasil dari instansi tujuan",
}


def sent_text(
    kind: str,
    *,
    step_number: int | None,
    to_complainant: bool,
    roles: Iterable[str],
    role_label: Callable[[str], str],
    ok: bool,
    refused: Mapping[str, str] | None = None,
    error: str = "",
    complainant: str = "",
) -> str:
    """The *Keterangan* of a send record: "Tanda terima dikirim ke pengadu", "Email
    tugas tahap 3 dikirim ke Kepala Dinas". A refusal stays on record with the
    server's code — a staff address by name (someone must fix it), the
    complainant's never (Riwayat is read by every role)."""
    what = KIND_LABELS.get(kind, kind.replace("_", " ").capitalize())
    if step_number and kind in ("tugas", "pengingat", "eskalasi"):
        what += f" tahap {step_number}"
    who = ["pengadu"] if to_complainant else []
    who += [role_label(r) for r in dict.fromkeys(roles)]
    to = " dan ".join(who) or "penerima"
    text = f"{what} dikirim ke {to}" if ok else f"{what} untuk {to} gagal dikirim"
    if not ok and error:
        text += f" ({_code(error)})" if _code(error) else ""
    for addr, why in (refused or {}).items():
        shown = "alamat pengadu" if complainant and addr.lower() == complainant.lower() else addr
        text += f"; ditolak: {shown} ({_code(why) or 'ditolak server'})"
    return text


def _code(reply: str) -> str:
    """The SMTP status of a server reply ("550 5.1.1"), "" when it has none."""
    m = re.search(r"\b([245]\d\d)(?:[ -]([245]\.\d{1,3}\.\d{1,3}))?", reply or "")
    return " ".join(g for g in m.groups() if g) if m else ""


_WHEN_RE = re.compile(r"^\s*(\d{2})/(\d{2})/(\d{4})(?:\s+(\d{2})[.:](\d{2}))?")


def _when(row: dict[str, str]) -> tuple[int, ...]:
    m = _WHEN_RE.match(row.get("Waktu") or "")
    if not m:
        return (9999,)  # unreadable times last, in the order they came
    d, mo, y, h, mi = m.groups()
    return (int(y), int(mo), int(d), int(h or 0), int(mi or 0))


def chronological(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """Riwayat rows of one write in time order (stable: one minute keeps its order):
    a send record of the last cycle lands before the events of this one."""
    return sorted(rows, key=_when)
