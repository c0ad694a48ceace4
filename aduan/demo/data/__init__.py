"""The demo's month of complaints for the demo offices (realistic, invented), one
module per office: its office block, roles, categories, complaints and the
agencies it forwards to. See :mod:`aduan.demo.data.complaint` for a complaint's
*script*."""

from __future__ import annotations

from typing import Any

from aduan.demo.data import blitar, bpbd, dpupr
from aduan.demo.data.complaint import Complaint
from aduan.demo.data.dpupr import HANDOFF_SCRIPT

__all__ = ["AGENCIES", "HANDOFF_SCRIPT", "OFFICES", "Complaint"]

OFFICES: dict[str, dict[str, Any]] = {
    "bpbd-karanganyar": bpbd.OFFICE,
    "dinsos-blitar": blitar.OFFICE,
    "dpupr-karanganyar": dpupr.OFFICE,  # issue 19: same pemda as BPBD
}

# -- issue 16: the demo offices' address books of agencies (settings `agencies:`), by
# SOP file; every agency a demo complaint is forwarded to has an address
AGENCIES: dict[str, list[dict[str, object]]] = {
    "bpbd-karanganyar.yaml": bpbd.AGENCIES,
    "dinsos-blitar.yaml": blitar.AGENCIES,
    "dpupr-karanganyar.yaml": dpupr.AGENCIES,
}
