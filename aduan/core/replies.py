"""Decisions by reply: a role completes its step by answering the task email.

Pure (no I/O, no clock): reading the command from the reply's first lines, the
per-ticket, per-step, per-role token Aduan puts in the task email's Reply-To
(``aduan+<token>@domain``), reading ``Authentication-Results``, and :func:`judge`,
which puts them together into a :class:`Verdict` the engine acts on.

A reply is accepted only when all of these hold: the sender is a configured
address of the role whose step is current, the reply carries the token made
for that ticket, step and role, no DKIM/SPF/DMARC check failed for the
sender's domain, and its first lines hold a command the SOP allows at that
step. Texts of refusals are Indonesian: staff read them in *Riwayat* and in
the refusal email.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from aduan.core.model import InboundMail
from aduan.core.sop import Step

__all__ = [
    "Command",
    "ReplyKeys",
    "Verdict",
    "auth_failures",
    "commands_help",
    "find_tokens",
    "judge",
    "make_token",
    "parse_command",
    "reply_address",
    "subject_tag",
    "token_matches",
]

logger = logging.getLogger(__name__)

TOKEN_LEN = 16  # base32 characters: 80 bits of the HMAC
MAX_COMMAND_LINES = 3  # the command must be among the first non-empty lines of the reply
_TOKEN_RE = re.compile(rf"^[a-z2-7]{{{TOKEN_LEN}}}$")
_SEPARATORS = ":：=-–—"
_ATTRIBUTION = re.compile(r"^(on|pada)\b.{0,300}\b(wrote|menulis)\s*:?\s*$", re.I)
_SIGNATURE = re.compile(r"^(--\s*|__+|sent from\b.*|dikirim dari\b.*|get outlook for\b.*)$", re.I)
_PLACEHOLDER = re.compile(r"^[<\[].*[>\]]$", re.S)


# ---------------------------------------------------------------------- token
@dataclass(frozen=True)
class ReplyKeys:
    """The HMAC key, and during a rotation the previous one with its last valid day."""

    current: bytes
    previous: bytes = b""
    previous_valid_until: date | None = None

    def usable(self, today: date) -> list[bytes]:
        """Keys a token may be made with on ``today`` (the previous one in its grace period)."""
        keys = [self.current]
        if self.previous and self.previous_valid_until and today <= self.previous_valid_until:
            keys.append(self.previous)
        return keys


def make_token(key: bytes, ticket: str, step_id: str, role: str) -> str:
    """The token for one (ticket, step, role): HMAC-SHA256, 80 bits, lower-case base32."""
    msg = f"aduan-balas-v1\x1f{ticket}\x1f{step_id}\x1f{role}".encode()
    mac = hmac.new(key, msg, hashlib.sha256).digest()
    return base64.b32encode(mac[:10]).decode("ascii").lower()


def token_matches(
    keys: ReplyKeys, token: str, ticket: str, step_id: str, role: str, today: date
) -> bool:
    """True when ``token`` was made for exactly this ticket, step and role with a usable key."""
    token = token.strip().lower()
    if not _TOKEN_RE.match(token):
        return False
    return any(
        hmac.compare_digest(make_token(k, ticket, step_id, role), token) for k in keys.usable(today)
    )


def reply_address(address: str, token: str) -> str:
    """``aduan@kantor.go.id`` + token -> ``aduan+<token>@kantor.go.id``."""
    local, _, domain = address.partition("@")
    local = local.split("+", 1)[0]
    return f"{local}+{token}@{domain}"


def subject_tag(token: str) -> str:
    """The token as the task email's subject carries it (for servers without +addresses)."""
    return f"[balas:{token}]"


_SUBJECT_TOKEN = re.compile(rf"\[\s*balas\s*:\s*([a-z2-7]{{{TOKEN_LEN}}})\s*\]", re.I)


def find_tokens(mail: InboundMail, address: str) -> list[str]:
    """Tokens in the plus-addresses of ``address`` the reply was sent to, then in its subject."""
    local, _, domain = address.lower().partition("@")
    local = local.split("+", 1)[0]
    found: list[str] = []
    for a in mail.recipients:
        a_local, _, a_domain = a.lower().partition("@")
        base, plus, tok = a_local.partition("+")
        if plus and base == local and a_domain == domain and tok not in found:
            found.append(tok)
    for tok in _SUBJECT_TOKEN.findall(mail.subject or ""):
        if tok.lower() not in found:
            found.append(tok.lower())
    return found


# -------------------------------------------------------------------- command
@dataclass(frozen=True)
class Command:
    """A command read from a reply: its word(s) as the SOP writes them, and its text."""

    command: str
    text: str = ""


def _norm(s: str) -> str:
    return " ".join(s.split()).upper()


def _match(line: str, commands: Sequence[str]) -> tuple[str, str] | None:
    """(command, rest of the line) when ``line`` starts with a command, else None."""
    s = " ".join(line.replace("*", " ").split())  # *DISPOSISI*: bold in plain text
    up = s.upper()
    for cmd in sorted(commands, key=len, reverse=True):  # BUKAN KEWENANGAN before BUKAN
        c = _norm(cmd)
        if not up.startswith(c):
            continue
        rest = s[len(c) :].lstrip()
        if not rest or rest in (".", "!"):
            return cmd, ""
        if rest[0] in _SEPARATORS:
            return cmd, rest[1:].strip()
    return None


def parse_command(body: str, commands: Sequence[str]) -> Command | None:
    """The command among the first non-empty lines of a reply, case-insensitive.

    Quoted lines (``>``) and a quote attribution (``On ... wrote:``) are skipped,
    so a command written below a quoted task email is found too. The command's
    text is the rest of its line plus the lines right below it, up to a blank
    line, a signature or a quote; ``DISPOSISI:`` alone on its line takes the next
    paragraph. Only the first :data:`MAX_COMMAND_LINES` own lines are looked at:
    a word deep in a message is never taken for a command.
    """
    lines = (body or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    seen = 0
    for i, line in enumerate(lines):
        s = line.strip()
        if not s or s.startswith(">") or _ATTRIBUTION.match(s):
            continue
        seen += 1
        if seen > MAX_COMMAND_LINES:
            return None
        m = _match(s, commands)
        if m is None:
            continue
        cmd, rest = m
        parts = [rest] if rest else []
        j = i + 1
        if not rest:  # the text starts on the next non-empty line
            while j < len(lines) and not lines[j].strip():
                j += 1
        while j < len(lines):
            t = lines[j].strip()
            if not t or t.startswith(">") or _SIGNATURE.match(t) or _ATTRIBUTION.match(t):
                break
            parts.append(t)
            j += 1
        text = "\n".join(parts).strip()
        if _PLACEHOLDER.match(text):
            text = ""  # the example from the task email, copied as it was
        return Command(cmd, text)
    return None


def commands_help(step: Step) -> list[dict[str, str]]:
    """What the task email lists: each command, how to write it, what it does."""
    out = []
    for r in step.replies:
        needs = r.needs_text
        usage = f"{r.command}: <{r.placeholder or 'isi'}>" if needs else r.command
        out.append({"command": r.command, "usage": usage, "description": r.help})
    return out


# --------------------------------------------------------- authentication
_RESINFO = re.compile(r"\b(dkim|spf|dmarc)\s*=\s*([a-z]+)", re.I)
_PROP = re.compile(
    r"\b(header\.d|header\.i|header\.from|smtp\.mailfrom|smtp\.helo)\s*=\s*(\S+)", re.I
)


def _strip_comments(text: str) -> str:
    out, depth = [], 0
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")" and depth:
            depth -= 1
        elif not depth:
            out.append(ch)
    return "".join(out)


def _related(domain: str, sender_domain: str) -> bool:
    a, b = domain.lower().strip(".;\"'"), sender_domain.lower()
    return a == b or a.endswith("." + b) or b.endswith("." + a)


def auth_failures(auth_results: str, sender_domain: str) -> list[str]:
    """DKIM/SPF/DMARC results of ``fail`` for the sender's domain (or naming no domain).

    ``auth_results`` is every Authentication-Results header, one a line. Trusting
    all of them is safe here: a forged header can only add a failure, never
    remove one the receiving server recorded.
    """
    failures: list[str] = []
    for header in (auth_results or "").splitlines():
        body = _strip_comments(header)
        for resinfo in body.split(";")[1:]:  # the first element is the server's id
            m = _RESINFO.search(resinfo)
            if not m or m.group(2).lower() != "fail":
                continue
            props = {k.lower(): v for k, v in _PROP.findall(resinfo)}
            domains = [v.rpartition("@")[2] for v in props.values()]
            if not domains or any(_related(d, sender_domain) for d in domains):
                what = f"{m.group(1).lower()}=fail"
                if props:
                    what += " (" + ", ".join(f"{k}={v}" for k, v in props.items()) + ")"
                if what not in failures:
                    failures.append(what)
    return failures


# ---------------------------------------------------------------- the verdict
@dataclass(frozen=True)
class Verdict:
    """What to do with one reply: accepted with column values, or refused with a reason.

    ``role`` is the sender's role when the address is configured (it is then told
    why a refusal happened); None for an unknown sender, who is not answered.
    """

    accepted: bool
    reason: str = ""
    role: str | None = None
    command: Command | None = None
    values: dict[str, str] = field(default_factory=dict)


def sender_roles(address: str, role_addresses: Mapping[str, Iterable[str]]) -> list[str]:
    """The roles whose configured addresses include ``address``."""
    a = address.strip().lower()
    return [r for r, addrs in role_addresses.items() if a in {x.strip().lower() for x in addrs}]


def judge(
    mail: InboundMail,
    *,
    ticket: str,
    step: Step | None,
    steps: Sequence[Step],
    role_addresses: Mapping[str, Iterable[str]],
    keys: ReplyKeys,
    address: str,
    today: date,
    role_label: Mapping[str, str] | None = None,
) -> Verdict:
    """Decide whether a reply about ``ticket`` may complete its current ``step``
    (None when the complaint is closed). ``steps`` are all the SOP's steps (to say
    which step an old token was for); ``address`` is the inbox address whose
    plus-addresses carry tokens."""
    label = role_label or {}
    sender = mail.from_addr.strip().lower()
    roles = sender_roles(sender, role_addresses)
    if not roles:
        return Verdict(False, f"pengirim {sender or '(tanpa alamat)'} bukan alamat peran terdaftar")
    actor = step.actor if step else None
    role = actor if actor in roles else roles[0]
    domain = sender.rpartition("@")[2]
    failed = auth_failures(mail.auth_results, domain)
    if failed:
        return Verdict(
            False,
            "pemeriksaan keaslian email gagal untuk domain pengirim: " + "; ".join(failed),
            role,
        )
    tokens = find_tokens(mail, address)
    if not tokens:
        return Verdict(
            False,
            "balasan tidak membawa kode balasan; balas langsung email tugas dari Aduan "
            "(jangan menulis email baru atau mengubah alamat tujuan)",
            role,
        )
    if step is None:
        return Verdict(False, "aduan sudah ditutup; balasan tidak mengubah apa pun", role)
    if not (
        actor in roles
        and any(token_matches(keys, t, ticket, step.id, actor, today) for t in tokens)
    ):
        old = [
            s
            for s in steps
            if s.id != step.id
            for r in roles
            if any(token_matches(keys, t, ticket, s.id, r, today) for t in tokens)
        ]
        if old:
            return Verdict(
                False,
                f"kode balasan ini untuk tahap {old[0].number}, yang sudah tidak berjalan; "
                f"aduan kini di tahap {step.number}",
                role,
            )
        if actor not in roles:
            return Verdict(
                False,
                f"tahap {step.number} dikerjakan oleh {label.get(step.actor, step.actor)}; alamat "
                f"{sender} terdaftar sebagai {', '.join(label.get(r, r) for r in roles)}",
                role,
            )
        return Verdict(
            False,
            "kode balasan tidak cocok dengan aduan dan tahap ini (atau sudah kedaluwarsa)",
            role,
        )
    if not step.replies:
        return Verdict(
            False,
            f"tahap {step.number} tidak dapat diselesaikan lewat balasan email; "
            "isi register seperti biasa",
            role,
        )
    cmd = parse_command(mail.text, [r.command for r in step.replies])
    allowed = ", ".join(r.command for r in step.replies)
    if cmd is None:
        return Verdict(
            False,
            f"perintah tidak ditemukan di baris pertama balasan; yang berlaku di tahap "
            f"{step.number}: {allowed}",
            role,
        )
    spec = next(r for r in step.replies if r.command == cmd.command)
    if spec.needs_text and not cmd.text:
        return Verdict(
            False,
            f"{spec.command} perlu isi, tulis misalnya: {spec.command}: "
            f"<{spec.placeholder or 'isi'}>",
            role,
            cmd,
        )
    values = {col: v.replace("{text}", cmd.text) for col, v in spec.set.items()}
    return Verdict(True, "", role, cmd, values)
