"""The SOP model: roles, steps, transitions, loaded from a YAML file and checked.

An SOP is data. Each step names its acting role, its standard time (*mutu baku*),
its output, and transitions: the first transition whose condition holds on the
register row completes the step and leads to the next step or closes the
complaint with an outcome.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from aduan.core import idfmt
from aduan.errors import ConfigError

__all__ = [
    "COMMON_STAFF_COLUMNS",
    "COMPLAINANT_MESSAGES",
    "Condition",
    "Deadline",
    "ReplyCommand",
    "Sop",
    "Step",
    "Transition",
]

logger = logging.getLogger(__name__)

#: Staff columns every register has, whatever the SOP.
COMMON_STAFF_COLUMNS = ("Kategori", "Catatan", "Rahasiakan Identitas")
#: Messages an SOP may ``send`` on a transition or at registration.
COMPLAINANT_MESSAGES = {
    "tanda_terima": "complainant",
    "jawaban_langsung": "complainant",
    "hasil": "complainant",
    "penyaluran": "complainant",
    "laporan": "head",
}
#: Events the system raises itself (conditions ``{event: ...}``): ``registered`` (the
#: complaint is in the register) and ``conveyed`` (Aduan itself conveys the complaint
#: onward: the next step's task email is the step's output, e.g. a *pemberitahuan*).
SYSTEM_EVENTS = ("registered", "conveyed")

_DEADLINE_RE = re.compile(r"^\s*(\d+)\s*(menit|jam|hari kerja)\s*$", re.IGNORECASE)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Condition(_Strict):
    """A test on a register row: a column filled / equal to a value / one of
    several values, a system event, or ``all`` / ``any`` of sub-conditions."""

    column: str | None = None
    equals: str | None = None
    one_of: list[str] | None = Field(default=None, alias="in")
    event: str | None = None
    all: list[Condition] | None = None
    any: list[Condition] | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _one_kind(self) -> Condition:
        kinds = [k for k in ("column", "event", "all", "any") if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError("a condition needs exactly one of: column, event, all, any")
        if (self.equals is not None or self.one_of is not None) and self.column is None:
            raise ValueError("'equals' and 'in' go with 'column'")
        if self.event is not None and self.event not in SYSTEM_EVENTS:
            raise ValueError(f"unknown event {self.event!r}; known: {', '.join(SYSTEM_EVENTS)}")
        return self

    def columns(self) -> set[str]:
        """Every column this condition reads."""
        out = {self.column} if self.column else set()
        for sub in (self.all or []) + (self.any or []):
            out |= sub.columns()
        return out

    def holds(self, values: dict[str, str], events: set[str]) -> bool:
        """Evaluate on a row's cells (header -> text) and the row's system events."""
        if self.event is not None:
            return self.event in events
        if self.all is not None:
            return all(c.holds(values, events) for c in self.all)
        if self.any is not None:
            return any(c.holds(values, events) for c in self.any)
        cell = _norm(values.get(self.column or "", ""))
        if self.equals is not None:
            return cell == _norm(self.equals)
        if self.one_of is not None:
            return cell in {_norm(v) for v in self.one_of}
        return cell != ""


def _norm(text: str) -> str:
    return " ".join((text or "").split()).casefold()


class Transition(_Strict):
    """Where a step goes when ``when`` holds: another step, or ``close``."""

    when: Condition
    to: str
    outcome: str | None = None
    documents: list[str] = []
    send: list[str] = []

    @model_validator(mode="after")
    def _close_has_outcome(self) -> Transition:
        if self.to == "close" and not self.outcome:
            raise ValueError("a transition to 'close' needs an 'outcome'")
        for kind in self.send:
            if kind not in COMPLAINANT_MESSAGES:
                raise ValueError(
                    f"unknown message {kind!r} in 'send'; known: {', '.join(COMPLAINANT_MESSAGES)}"
                )
        return self


class Deadline(_Strict):
    """A time allowance: minutes of working time, or whole working days."""

    minutes: int = 0
    working_days: int = 0

    @classmethod
    def parse(cls, value: object) -> Deadline:
        if isinstance(value, bool):
            raise ValueError("a deadline is a number of minutes or text like '1 hari kerja'")
        if isinstance(value, int):
            if value <= 0:
                raise ValueError("a deadline must be positive")
            return cls(minutes=value)
        m = _DEADLINE_RE.match(str(value))
        if not m:
            raise ValueError(
                f"cannot read deadline {value!r}; write e.g. 30, '2 jam' or '1 hari kerja'"
            )
        n, unit = int(m.group(1)), m.group(2).lower()
        if n <= 0:
            raise ValueError("a deadline must be positive")
        if unit == "hari kerja":
            return cls(working_days=n)
        return cls(minutes=n * 60 if unit == "jam" else n)

    def describe(self) -> str:
        """ "1 hari kerja", "2 jam", "1 jam 30 menit": as the SOP states it (an allowance
        in minutes stays in hours and minutes; the SOP knows no office hours)."""
        if self.working_days:
            return f"{self.working_days} hari kerja"
        return idfmt.durasi(self.minutes, day_minutes=0)


class ReplyCommand(_Strict):
    """A command the step's role may reply with to the task email (decision by reply):
    e.g. ``DISPOSISI`` sets ``{Disposisi: "{text}"}``, ``{text}`` being what follows
    the command in the reply."""

    command: str
    set: dict[str, str]
    help: str = ""  # what the command does, shown in the task email
    placeholder: str = ""  # what to write after the colon, e.g. "arahan untuk tim"

    @field_validator("command")
    @classmethod
    def _word(cls, v: str) -> str:
        v = " ".join(v.split()).upper()
        if not re.fullmatch(r"[A-Z]+( [A-Z]+)*", v):
            raise ValueError(f"a reply command is one or more words of letters, not {v!r}")
        return v

    @property
    def needs_text(self) -> bool:
        """True when the command must be followed by text (``DISPOSISI: ...``)."""
        return any("{text}" in v for v in self.set.values())


class Step(_Strict):
    """One step of the SOP, as numbered and worded in the original."""

    id: str
    number: int
    label: str
    role: str
    assignee: str | None = None
    standard_minutes: int = Field(gt=0)
    deadline: Deadline | None = None
    output: str = ""
    requirements: str = ""
    notify: list[str] | None = None
    transitions: list[Transition]
    replies: list[ReplyCommand] = []
    #: a wait the office added that is not a step of the SOP (e.g. the Pimpinan's
    #: *waktu disposisi*): timed with its own deadline, left out of the SOP's steps
    #: in the recap (issue 21)
    office_added: bool = False
    #: issue 16: a progress notice to the complainant when the step starts, only where
    #: the SOP says so (e.g. at the disposition); the acknowledgement promises these
    progress: str = ""

    @field_validator("deadline", mode="before")
    @classmethod
    def _parse_deadline(cls, v: Any) -> Any:
        if v is None or isinstance(v, Deadline | dict):
            return v
        return Deadline.parse(v)

    @property
    def actor(self) -> str:
        """The role that must act in the register for the step to complete."""
        return self.assignee or self.role

    @property
    def allowance(self) -> Deadline:
        """The deadline in force: the office's own, else the standard time."""
        return self.deadline or Deadline(minutes=self.standard_minutes)

    @property
    def task_roles(self) -> list[str]:
        """Roles that get the task email when the step starts."""
        return [self.actor] if self.notify is None else list(self.notify)


class RoleDef(_Strict):
    label: str


class ColumnDef(_Strict):
    name: str
    key: str = ""  # the name documents and emails use for this column (e.g. disposisi)
    choices: list[str] = []
    help: str = ""


class OnRegister(_Strict):
    send: list[str] = []


class Sop(_Strict):
    """A whole SOP: roles, staff columns, steps."""

    id: str
    name: str
    number: str = ""
    ratified: str = ""
    roles: dict[str, RoleDef]
    head_role: str
    superiors: dict[str, str] = {}
    #: who is told instead when a role with nobody above it (the head) is late
    deputies: dict[str, str] = {}
    columns: list[ColumnDef] = []
    on_register: OnRegister = OnRegister()
    #: issue 16: the staff column holding the answer to the complainant: the result
    #: email's body (never the team's internal result column)
    answer_column: str = ""
    steps: list[Step]
    source: str = ""

    @property
    def first(self) -> Step:
        return self.steps[0]

    def step(self, step_id: str) -> Step:
        for s in self.steps:
            if s.id == step_id:
                return s
        raise KeyError(step_id)

    def has_step(self, step_id: str) -> bool:
        return any(s.id == step_id for s in self.steps)

    def role_label(self, role: str) -> str:
        r = self.roles.get(role)
        return r.label if r else role

    def staff_columns(self) -> list[ColumnDef]:
        """The SOP's staff columns plus the common ones, in register order."""
        own = {c.name for c in self.columns}
        common = [ColumnDef(name=n) for n in COMMON_STAFF_COLUMNS if n not in own]
        cat = [c for c in common if c.name == "Kategori"]
        rest = [c for c in common if c.name != "Kategori"]
        return cat + list(self.columns) + rest

    def documents(self) -> list[str]:
        """Every document name the SOP outputs, in step order, without repeats."""
        seen: list[str] = []
        for s in self.steps:
            for t in s.transitions:
                for d in t.documents:
                    if d not in seen:
                        seen.append(d)
        return seen

    def column_steps(self) -> dict[str, list[Step]]:
        """Column name -> the steps whose completion reads it, in step order: the
        step a decision column finishes, and so the role that fills it (issue 22)."""
        out: dict[str, list[Step]] = {}
        for s in self.steps:
            for t in s.transitions:
                for col in sorted(t.when.columns()):
                    if s not in out.setdefault(col, []):
                        out[col].append(s)
        return out

    def awaited_columns(self, step: Step) -> list[str]:
        """The columns whose filling can finish ``step``, in register order."""
        cols = {c for t in step.transitions for c in t.when.columns()}
        order = [c.name for c in self.staff_columns()]
        return sorted(cols, key=lambda c: order.index(c) if c in order else len(order))

    def field_keys(self) -> dict[str, str]:
        """Template key -> column name, for the columns that declare a ``key``."""
        return {c.key: c.name for c in self.columns if c.key}

    def outcomes(self) -> list[str]:
        return sorted({t.outcome for s in self.steps for t in s.transitions if t.outcome})


def _check_graph(sop: Sop, path: str) -> None:
    """Roles known, targets known, every step reachable and able to reach close."""
    roles = set(sop.roles)

    def bad(key: str, msg: str, fix: str) -> ConfigError:
        return ConfigError(msg, file=path, key=key, fix=fix)

    if sop.head_role not in roles:
        raise bad("head_role", f"unknown role {sop.head_role!r}", f"use one of {sorted(roles)}")
    for who, sup in [*sop.superiors.items(), *sop.deputies.items()]:
        for r in (who, sup):
            if r not in roles:
                raise bad(f"superiors.{who}", f"unknown role {r!r}", f"use one of {sorted(roles)}")
    ids = [s.id for s in sop.steps]
    dup = {i for i in ids if ids.count(i) > 1}
    if dup:
        raise bad("steps", f"step id used twice: {sorted(dup)}", "give every step its own id")
    if "close" in ids:
        raise bad("steps", "'close' is reserved", "rename that step")
    known_cols = {c.name for c in sop.staff_columns()}
    if sop.answer_column and sop.answer_column not in known_cols:
        raise bad(
            "answer_column",
            f"the register has no column {sop.answer_column!r}",
            "add it under 'columns' or fix the name",
        )
    for i, s in enumerate(sop.steps):
        key = f"steps[{i}] ({s.id})"
        for r in [s.role, s.actor, *s.task_roles]:
            if r not in roles:
                raise bad(f"{key}.role", f"unknown role {r!r}", f"use one of {sorted(roles)}")
        if not s.transitions:
            raise bad(
                f"{key}.transitions",
                "step has no way out (dead end)",
                "add a transition to another step or to 'close'",
            )
        for j, t in enumerate(s.transitions):
            if t.to != "close" and t.to not in ids:
                raise bad(
                    f"{key}.transitions[{j}].to",
                    f"unknown step {t.to!r}",
                    f"use 'close' or one of {ids}",
                )
            for col in t.when.columns():
                if col not in known_cols:
                    raise bad(
                        f"{key}.transitions[{j}].when",
                        f"the register has no column {col!r}",
                        "add it under 'columns' or fix the name",
                    )
        _check_replies(s, key, known_cols, bad)
    # reachability from the first step
    seen, todo = set(), [sop.steps[0].id]
    while todo:
        cur = todo.pop()
        if cur in seen or cur == "close":
            continue
        seen.add(cur)
        todo.extend(t.to for t in sop.step(cur).transitions)
    for s in sop.steps:
        if s.id not in seen:
            raise bad(
                f"steps ({s.id})",
                "step can never be reached from the first step",
                "point a transition at it or remove it",
            )
    # every step can reach close
    can_close = {s.id for s in sop.steps if any(t.to == "close" for t in s.transitions)}
    changed = True
    while changed:
        changed = False
        for s in sop.steps:
            if s.id not in can_close and any(t.to in can_close for t in s.transitions):
                can_close.add(s.id)
                changed = True
    for s in sop.steps:
        if s.id not in can_close:
            raise bad(
                f"steps ({s.id})",
                "no path from this step ever closes the complaint",
                "add a transition that leads to 'close'",
            )
    for kind in sop.on_register.send:
        if kind not in COMPLAINANT_MESSAGES:
            raise bad(
                "on_register.send",
                f"unknown message {kind!r}",
                f"use one of {sorted(COMPLAINANT_MESSAGES)}",
            )


def _check_replies(
    s: Step, key: str, known_cols: set[str], bad: Callable[[str, str, str], ConfigError]
) -> None:
    """Reply commands: known columns, no command twice, and each one completes the step."""
    seen: set[str] = set()
    for j, r in enumerate(s.replies):
        where = f"{key}.replies[{j}] ({r.command})"
        if r.command in seen:
            raise bad(where, "command listed twice for this step", "keep one of them")
        seen.add(r.command)
        if not r.set:
            raise bad(where, "'set' is empty", "name the column(s) the command fills")
        for col in r.set:
            if col not in known_cols:
                raise bad(
                    f"{where}.set",
                    f"the register has no column {col!r}",
                    "add it under 'columns' or fix the name",
                )
        filled = {c: v.replace("{text}", "isi") for c, v in r.set.items()}
        if not any(t.when.holds(filled, set()) for t in s.transitions):
            raise bad(
                where,
                "the values it sets complete none of the step's transitions",
                "set the columns (and values) a transition of this step waits for",
            )


def parse_sop(data: object, source: str) -> Sop:
    """Check an SOP read from its file; every problem is a ConfigError naming file and key."""
    if not isinstance(data, dict):
        raise ConfigError("an SOP file must be a mapping (id, name, roles, steps)", file=source)
    try:
        sop = Sop.model_validate({**data, "source": source})
    except ValidationError as e:
        err = e.errors()[0]
        key = ".".join(str(x) for x in err["loc"]) or "(top)"
        raise ConfigError(
            err["msg"],
            file=source,
            key=key,
            fix="see config/sop/bpbd-karanganyar.yaml for a working example",
        ) from None
    if not sop.steps:
        raise ConfigError("no steps", file=source, key="steps", fix="list the SOP's steps")
    _check_graph(sop, source)
    return _with_wait_command(sop)


# -- issue 20: every step may ask the complainant for what is missing (aduan.core.service)
WAIT_COMMAND = "MINTA KELENGKAPAN"
WAIT_COLUMN = "Kelengkapan Diminta"


def _with_wait_command(sop: Sop) -> Sop:
    """Every step also takes ``MINTA KELENGKAPAN: <what>`` by reply: it fills
    *Kelengkapan Diminta*, which stops the clocks until the complainant answers."""
    cmd = ReplyCommand(
        command=WAIT_COMMAND,
        set={WAIT_COLUMN: "{text}"},
        placeholder="kelengkapan yang diminta dari pengadu",
        help="Minta pengadu melengkapi (mis. fotokopi KTP); tenggat berhenti sampai ia menjawab.",
    )
    steps = [
        s
        if any(r.command == WAIT_COMMAND for r in s.replies)
        else s.model_copy(update={"replies": [*s.replies, cmd]})
        for s in sop.steps
    ]
    return sop.model_copy(update={"steps": steps})
