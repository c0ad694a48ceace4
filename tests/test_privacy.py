"""The one confidentiality rule (aduan.core.privacy), the one walk over tracked rows
(aduan.core.state.tracked_rows) and the pure daily digest built on both."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from aduan.core.digest import build_digests
from aduan.core.layout import C, build_layout
from aduan.core.model import Row, Snapshot
from aduan.core.privacy import PLACEHOLDER, identity_roles, is_confidential, redact, sees_identity
from aduan.core.state import DUPLICATE, RowState, tracked_rows

WIB = ZoneInfo("Asia/Jakarta")
MON = datetime(2026, 11, 2, 8, 0, tzinfo=WIB)


# ------------------------------------------------------------------ privacy
@pytest.mark.parametrize(
    ("cell", "default", "secret"),
    [
        ("Ya", False, True),
        (" ya ", False, True),
        ("TRUE", False, True),
        ("Tidak", True, False),
        ("0", True, False),
        ("", True, True),
        ("", False, False),
        ("mungkin", True, True),  # an answer nobody can read: the office's default
    ],
)
def test_confidential_by_the_cell_else_the_offices_default(cell, default, secret):
    assert is_confidential({C.CONFIDENTIAL: cell}, default) is secret


def test_only_the_officer_and_the_head_see_a_confidential_identity(make_settings):
    sop = make_settings("bpbd").load_sop()
    officer, head = sop.first.role, sop.head_role
    others = set(sop.roles) - {officer, head}
    assert others  # the test means something only with a third role
    assert identity_roles(sop) == {officer, head}
    for role in others:
        assert not sees_identity(role, sop, confidential=True)
        assert sees_identity(role, sop, confidential=False)
    assert sees_identity(officer, sop, True) and sees_identity(head, sop, True)
    assert sees_identity([*others, head], sop, True)  # a person holding both roles
    assert not sees_identity(others, sop, True)


def test_redact_hides_a_value_and_leaves_nothing_as_nothing():
    assert PLACEHOLDER == "(dirahasiakan)"
    assert redact("Siti Aminah") == PLACEHOLDER
    assert redact("") == "" and redact(None) == ""


# ------------------------------------------------------------------ tracked rows
def _state(step: str = "telaah") -> str:
    return RowState(step=step, since=MON, deadline=None, received=MON).dumps()


def test_tracked_rows_skips_typed_rows_unreadable_states_and_second_rows():
    rows = [
        Row(0, {C.TICKET: "A/1", C.STATE: _state("telaah")}),
        Row(1, {C.NAME: "typed in by staff"}),
        Row(2, {C.TICKET: "A/2", C.STATE: "{not json"}),
        Row(3, {C.TICKET: "A/1", C.STATE: _state("rapat")}),  # a copy staff pasted
        Row(4, {C.TICKET: "A/3", C.STATE: ""}),
        Row(5, {C.TICKET: "A/4", C.STATE: _state("rapat")}),
    ]
    skipped: list[tuple[str, str]] = []
    got = list(tracked_rows(rows, lambda t, why: skipped.append((t, why))))
    assert [(t.ticket, t.row.index, t.state.step) for t in got] == [
        ("A/1", 0, "telaah"),
        ("A/4", 5, "rapat"),
    ]
    assert [t for t, _ in skipped] == ["A/2", "A/1", "A/3"]
    assert skipped[1][1] == DUPLICATE
    assert skipped[0][1].startswith("Data Sistem tidak terbaca (not JSON")


# ------------------------------------------------------------------ daily digest
def test_digest_is_built_from_plain_values_and_hides_a_secret_subject(make_settings):
    s = make_settings("bpbd")
    sop = s.load_sop()
    cal = s.calendar()
    layout = build_layout(sop, s.categories)
    first = sop.first
    nxt = sop.step("rapat")  # the team's step
    overdue = RowState(
        step=nxt.id, since=MON, deadline=MON + timedelta(minutes=5), received=MON
    ).dumps()
    fresh = RowState(step=first.id, since=MON, deadline=None, received=MON).dumps()
    snap = Snapshot(
        layout.headers,
        [
            Row(
                0,
                {
                    C.TICKET: "A/1",
                    C.SUBJECT: "Banjir di rumah Bu Siti",
                    C.STATE: overdue,
                    C.CONFIDENTIAL: "Ya",
                },
            ),
            Row(1, {C.TICKET: "A/2", C.SUBJECT: "Jalan rusak", C.STATE: fresh}),
        ],
    )
    roles = {r: [f"{r}@kantor.example"] for r in sop.roles}
    notes = build_digests(snap, sop, cal, MON + timedelta(days=1), roles=roles)
    by_person = {n.context["person"]: n for n in notes}
    for n in notes:
        assert n.key == f"ringkasan|2026-11-03|{n.context['person']}"
    head = by_person[f"{sop.head_role}@kantor.example"].context["items"]
    assert {i["ticket"] for i in head} >= {"A/1"}
    assert all(i["subject"] != PLACEHOLDER for i in head)  # the head sees identity
    hidden_from = set(nxt.task_roles or [nxt.actor]) - identity_roles(sop)
    assert hidden_from  # the team may not see identity (else the test proves nothing)
    for role in hidden_from:
        items = by_person[f"{role}@kantor.example"].context["items"]
        mine = [i for i in items if i["ticket"] == "A/1"]
        assert mine and mine[0]["subject"] == PLACEHOLDER and mine[0]["late"]
        assert mine[0]["late_minutes"] > 0
