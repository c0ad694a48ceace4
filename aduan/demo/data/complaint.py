"""A demo complaint: when it arrives, how (an email, or a row staff type in from
WA/SMS/phone/walk-in), who and what, and a *script*: for each SOP step, how
many working minutes after the step started staff fill which columns. A
step missing from the script is never done (the complaint stays open).
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["INFO", "KELUHAN", "LAPANGAN", "TANPA", "Complaint", "Script"]

#: step id -> (working minutes after the step started, {column: value})
Script = dict[str, tuple[int, dict[str, str]]]

# -- issue 20: the kinds of complaint (Jenis Aduan) the demo months use
INFO, KELUHAN = "Permintaan informasi", "Keluhan"
TANPA = "Sengketa/pelanggaran tanpa pemeriksaan lapangan"
LAPANGAN = "Sengketa/pelanggaran dengan pemeriksaan lapangan"


@dataclass
class Complaint:
    day: int  # day of November 2026
    hhmm: str  # arrival time, WIB
    subject: str
    text: str
    name: str = ""
    email: str = ""
    channel: str = "Email"  # Email = arrives by mail; else a row typed by staff
    contact: str = ""
    script: dict[str, tuple[int, dict[str, str]]] = field(default_factory=dict)
    kind: str = "complaint"  # complaint | auto_reply | html | attachment
    reply_after_min: int = 0  # the complainant writes again this long after arrival
    bounce: bool = False  # the complainant's address does not exist
    category: str = ""  # Formulir Online: the form's Kategori Aduan answer
    confidential: bool = False  # Formulir Online: "Rahasiakan Identitas" ticked
    #: issue 21: the steps (ids) staff decide by replying to the task email, not in the sheet
    by_reply: tuple[str, ...] = ()
    # -- issue 20: service standards (set by _service_demo below)
    jenis: str = ""  # the Jenis Aduan staff set with their first look at the row
    ask: tuple[int, str] | None = None  # (working minutes after arrival, what is asked)
    answer_after_min: int = 0  # the complainant answers the request (0: never)
    rating: str = ""  # the complainant's answer to the satisfaction question
