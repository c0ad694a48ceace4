"""Compose the emails Aduan sends, from editable Jinja templates in ``templates/email/``.

Each notification kind has three templates: ``<kind>-subject.txt``, ``<kind>-body.txt``
and ``<kind>-body.html``. :func:`compose` turns a :class:`~aduan.core.model.Notification`
into a ready :class:`email.message.EmailMessage` with a deterministic Message-ID
(a resend after a crash is recognisable) and threading headers that keep every mail
about one ticket together. Sending is :mod:`aduan.mail.send`'s job.

A broken template never crashes a run: composing raises ``MailError(permanent=True)``
naming the template, and :func:`check_templates` finds the problem at ``aduan check``.
"""

from __future__ import annotations

import logging
import mimetypes
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2

from aduan.core import idfmt
from aduan.core.contact import relay_link
from aduan.core.handoff import HandoffKeys
from aduan.core.ids import message_id, thread_id
from aduan.core.model import Notification, template_defaults
from aduan.core.privacy import Identity
from aduan.errors import MailError
from aduan.mail.handoff import seal
from aduan.mail.identity import hide_identity, identifiers, reveals
from aduan.mail.samples import sample_context

if TYPE_CHECKING:
    from aduan.config import MailIdentity, Office
    from aduan.core.sop import Condition, Sop

__all__ = [
    "COMPLAINANT_KINDS",
    "KINDS",
    "TICKET_KINDS",
    "ComposeCfg",
    "check_templates",
    "compose",
    "format_when",
    "message_id",
    "thread_id",
]

logger = logging.getLogger(__name__)

#: The kinds about one ticket, in the order a complaint meets them.
TICKET_KINDS = (
    "tanda_terima",
    "tugas",
    "pengingat",
    "eskalasi",
    "jawaban_langsung",
    "hasil",
    "penyaluran",
    "laporan",
    "balasan_pengadu",
    "pantulan",
    "konfirmasi",
    "ditolak",
    "kabar",  # issue 16: a complainant's message the petugas passes on (WA/SMS/phone)
    "perkembangan",  # issue 16: a progress notice where the SOP says so
    "salur_instansi",  # issue 16: the complaint forwarded to the agency
    "salur_manual",  # issue 16: the petugas forwards it by hand (no address)
    # -- issue 20: waiting for the complainant, the overall deadline, a low rating
    "minta_kelengkapan",
    "pengingat_kelengkapan",
    "tidak_dilengkapi",
    "batas_layanan",
    "penilaian_rendah",
    # -- issue 19: hand-offs between offices that both run Aduan
    "status_penyaluran",  # to the origin office: registered here / closed here
    "hasil_instansi",  # a confidential complainant: the agency's outcome, through us
)
#: Every kind: the ticket kinds and the daily digest (aduan.core.digest).
KINDS = (*TICKET_KINDS, "ringkasan")
#: Kinds addressed to the complainant (the others go to staff roles).
COMPLAINANT_KINDS = frozenset(
    {
        "tanda_terima",
        "jawaban_langsung",
        "hasil",
        "penyaluran",
        "perkembangan",  # issue 16
        # -- issue 20
        "minta_kelengkapan",
        "pengingat_kelengkapan",
        "tidak_dilengkapi",
        "hasil_instansi",  # issue 19
    }
)
_STEP_KINDS = frozenset({"tugas", "pengingat", "eskalasi"})  # mails that ask a role to act
_ADDR_RE = re.compile(r"^[^@\s<>,;:\"()\[\]\\]+@[^@\s<>,;:\"()\[\]\\]+\.[A-Za-z0-9-]+$")
_MSGID_RE = re.compile(r"^<[!-;=?-~]{1,250}>$")  # printable ASCII without '<' '>'


@dataclass(frozen=True)
class ComposeCfg:
    """What composing needs of the office, opened by the run layer
    (:func:`aduan.run.wiring.compose_cfg`): sections and plain values, paths resolved."""

    identity: MailIdentity
    office: Office
    sop: Sop
    templates: Path  # the folder of the email templates (templates/email)
    tz: tzinfo
    tz_label: str
    day_minutes: int  # the office's working day: "1 hari kerja" in durations
    sheet_url: str = ""  # where staff open the register: the sheet's URL or the xlsx path
    register_is_file: bool = False  # sheet_url is a file path (xlsx), not a link
    emergency_number: str = ""  # urgent complaints: the acknowledgement gives it (issue 21)
    # -- issue 19: this office's id and the keys it shares with other offices
    office_id: str = ""
    handoff_keys: HandoffKeys | None = None


# ------------------------------------------------------------------ identifiers
# message_id() and thread_id() live in aduan.core.ids: the engine maps replies and
# bounces back to tickets with the very same functions.


# ------------------------------------------------------------ Indonesian text
def format_when(dt: datetime | None, tz: tzinfo | None = None, tz_label: str = "") -> str:
    """``Senin, 24 November 2026 pukul 10.30 WIB`` (in ``tz`` when given)."""
    if dt is None:
        return "-"
    if tz is not None and dt.tzinfo is not None:
        dt = dt.astimezone(tz)
    text = f"{idfmt.hari_tanggal(dt)} pukul {dt:%H.%M}"
    return f"{text} {tz_label}".rstrip()


def format_date(dt: datetime | None, tz: tzinfo | None = None) -> str:
    """``24 November 2026``."""
    if dt is None:
        return "-"
    if tz is not None and dt.tzinfo is not None:
        dt = dt.astimezone(tz)
    return idfmt.tanggal(dt)


def _header_safe(text: Any, limit: int = 250) -> str:
    """One line of text for a header: control, format and line-separator characters
    become spaces, so a complainant's "Banjir\\r\\nBcc: x" cannot add a header."""
    s = "".join(
        " " if unicodedata.category(ch)[0] == "C" or ch in "\u2028\u2029" else ch
        for ch in str(text or "")
    )
    s = " ".join(s.split())
    return s if len(s) <= limit else s[: limit - 1] + "…"


def _safe_filename(name: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(name).name).strip("._") or "lampiran"
    return stem[-120:]


# ------------------------------------------------------------------ templates
_ENVS: dict[tuple[str, str, str, int], jinja2.Environment] = {}


def _env(cfg: ComposeCfg) -> jinja2.Environment:
    """The Jinja environment of a templates folder, made once per process."""
    folder, tz, label, day = str(cfg.templates), cfg.tz, cfg.tz_label, cfg.day_minutes
    key = (folder, str(tz), label, day)
    env = _ENVS.get(key)
    if env is None:
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(folder),
            autoescape=jinja2.select_autoescape(
                enabled_extensions=("html",), default_for_string=False
            ),
            undefined=jinja2.StrictUndefined,
            keep_trailing_newline=True,
        )
        env.filters["waktu"] = lambda d: format_when(d, tz, label)
        env.filters["tanggal"] = lambda d: format_date(d, tz)
        env.filters["durasi"] = lambda m: idfmt.durasi(m, day)
        _ENVS[key] = env
    return env


def _render(env: jinja2.Environment, name: str, ctx: dict[str, Any]) -> str:
    try:
        return env.get_template(name).render(ctx)
    except jinja2.TemplateNotFound as e:
        raise MailError(
            f"email template {e.name or name} not found in {env.loader.searchpath}",  # type: ignore[union-attr]
            permanent=True,
        ) from None
    except jinja2.TemplateSyntaxError as e:
        raise MailError(
            f"email template {e.name or name} line {e.lineno}: {e.message}", permanent=True
        ) from None
    except Exception as e:  # a template may fail in many ways; none may stop a run
        raise MailError(f"email template {name}: {type(e).__name__}: {e}", permanent=True) from None


def _columns_to_fill(sop: Sop, step_id: str | None) -> list[dict[str, Any]]:
    """The register columns whose filling completes the step, with their choices."""
    if not step_id:
        return []
    try:
        step = sop.step(step_id)
    except Exception:  # the engine already validated the SOP; a mismatch only loses a hint
        logger.warning("cannot find step %s in the SOP for the task email", step_id)
        return []
    defs = {c.name: c for c in sop.staff_columns()}
    out: list[dict[str, Any]] = []
    for t in step.transitions:
        for col in _ordered_columns(t.when):
            if col not in [o["name"] for o in out]:
                d = defs.get(col)
                out.append(
                    {
                        "name": col,
                        "choices": list(d.choices) if d else [],
                        "help": d.help if d else "",
                    }
                )
    return out


def _ordered_columns(cond: Condition) -> list[str]:
    cols = [cond.column] if cond.column else []
    for sub in (cond.all or []) + (cond.any or []):
        cols += _ordered_columns(sub)
    return cols


def _template_context(
    n: Notification,
    cfg: ComposeCfg,
    show_identity: bool,
    attachment_names: list[str],
    idents: Identity,
) -> dict[str, Any]:
    ctx = template_defaults()
    # a None where a mapping or list is expected (e.g. reply=None) keeps the empty default
    ctx.update(
        {
            k: v
            for k, v in n.context.items()
            if not (v is None and isinstance(ctx.get(k), dict | list))
        }
    )
    if not show_identity:
        ctx = hide_identity(ctx, idents)
    ctx.update(
        kind=n.kind,
        office=cfg.office,
        sheet_url=cfg.sheet_url,
        register_link=cfg.sheet_url,
        register_is_file=cfg.register_is_file,
        emergency_number=cfg.emergency_number,
        show_identity=show_identity,
        attached=attachment_names,
        recipients=[cfg.sop.role_label(r) for r in n.to_roles],
        to_complainant=n.to_complainant or n.kind in COMPLAINANT_KINDS,
        fill=_columns_to_fill(cfg.sop, n.step_id) if n.kind in _STEP_KINDS else [],
        tz_label=cfg.tz_label,
    )
    return ctx


def _relay(env: jinja2.Environment, ctx: dict[str, Any]) -> dict[str, Any]:
    """A relayed message (issue 16): the complainant's text as their own email would
    read, and the WhatsApp click-to-chat or ``sms:`` link that opens it ready to send."""
    relay = {"kind": "", "channel": "", "number": "", "mode": "read", "contact": ""}
    relay.update(ctx.get("relay") or {})
    inner = str(relay.get("kind") or "tanda_terima")
    text = _render(env, f"{inner}-body.txt", {**ctx, "kind": inner, "to_complainant": True})
    text = re.sub(r"\n[ \t]*\n(?:[ \t]*\n)+", "\n\n", text).strip()
    relay["text"] = text
    relay["link"] = relay_link(
        str(relay.get("channel") or ""), str(relay.get("number") or ""), text
    )
    relay["what"] = _RELAY_WHAT.get(inner, inner.replace("_", " "))
    return relay


_RELAY_WHAT = {
    "tanda_terima": "tanda terima aduan",
    "jawaban_langsung": "jawaban atas aduan",
    "hasil": "hasil penyelesaian aduan",
    "penyaluran": "pemberitahuan penyaluran aduan",
    "perkembangan": "kabar perkembangan aduan",  # issue 16
    # -- issue 20
    "minta_kelengkapan": "permintaan kelengkapan aduan",
    "pengingat_kelengkapan": "pengingat kelengkapan aduan",
    "tidak_dilengkapi": "pemberitahuan penutupan aduan",
}


# ------------------------------------------------------------------ compose
def compose(
    n: Notification,
    to: list[str],
    cfg: ComposeCfg,
    *,
    attachments: Iterable[Path] = (),
    show_identity: bool = True,
    when: datetime | None = None,
) -> EmailMessage:
    """Build the email for one notification, dated ``when`` (the send time; default
    the decision time). Raises MailError(permanent=True) when a template is broken or
    no recipient address is usable."""
    recipients = [a.strip() for a in to if a and _ADDR_RE.match(a.strip())]
    bad = [a for a in to if a and not _ADDR_RE.match(a.strip())]
    if bad:  # the key, not the address: logs carry no personal data (issue 17)
        logger.warning("%s: dropping %d unusable recipient address(es)", n.key, len(bad))
    if not recipients:
        raise MailError(f"{n.key}: no usable recipient address", permanent=True)

    idents = identifiers({**template_defaults(), **n.context})

    files: list[tuple[bytes, str]] = []
    listed: list[str] = []
    for p in map(Path, attachments):
        safe = _safe_filename(p.name)
        try:
            data = p.read_bytes()
        except OSError as e:  # transient: the next run may find the document rendered
            raise MailError(f"{n.key}: cannot read attachment {safe} ({e.strerror})") from None
        if not show_identity and reveals(p, data, idents):
            logger.info("%s: withholding %s, it identifies the complainant", n.key, safe)
            listed.append(f"{safe} (tidak dilampirkan: memuat identitas pengadu)")
            continue
        files.append((data, safe))
        listed.append(safe)

    env = _env(cfg)
    ctx = _template_context(n, cfg, show_identity, listed, idents)
    if n.kind == "kabar":  # issue 16: the ready text and its one-tap link
        ctx["relay"] = _relay(env, ctx)
    subject = _header_safe(_render(env, f"{n.kind}-subject.txt", ctx), 200)
    # template logic leaves runs of blank lines; one is enough in a plain-text mail
    text = re.sub(r"\n[ \t]*\n(?:[ \t]*\n)+", "\n\n", _render(env, f"{n.kind}-body.txt", ctx))
    text = text.strip() + "\n"
    html = _render(env, f"{n.kind}-body.html", ctx)

    ticket = _header_safe(n.ticket, 80)
    if ticket and f"[{ticket}]" not in subject:
        subject = f"[{ticket}] {subject}"  # replies are matched by the number in the subject

    try:
        msg = _build(n, cfg.identity, recipients, subject, text, html, files, show_identity, when)
    except (ValueError, TypeError) as e:  # a header the email package refuses
        raise MailError(f"{n.key}: cannot build the email: {e}", permanent=True) from None
    if n.context.get("handoff"):  # issue 19: signed for an office that runs Aduan too
        seal(msg, n.context["handoff"], cfg.handoff_keys, cfg.office_id, files, n.key)
    return msg


def _build(
    n: Notification,
    ident: MailIdentity,
    recipients: list[str],
    subject: str,
    text: str,
    html: str,
    files: list[tuple[bytes, str]],
    show_identity: bool,
    when: datetime | None = None,
) -> EmailMessage:
    domain = ident.from_address.rsplit("@", 1)[1]
    ticket = _header_safe(n.ticket, 80)
    # a task queued overnight is dated when it goes out, not when it was decided:
    # clients sort by Date, and a stale one looks like spam
    now = when or n.context.get("now") or datetime.now(UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    msg = EmailMessage()
    msg["From"] = formataddr((_header_safe(ident.from_name, 100), ident.from_address))
    # a task email's own Reply-To carries the token its role decides with (aduan.core.replies)
    reply_to = str(n.context.get("reply_to") or "") or ident.reply_to
    if reply_to and _ADDR_RE.match(reply_to):
        msg["Reply-To"] = reply_to
    msg["To"] = ", ".join(recipients)
    msg["Subject"] = subject
    msg["Date"] = format_datetime(now)
    # issue 17: the register's own id keeps two registers' (or offices') Message-IDs apart
    register = str(n.context.get("register_id") or "")
    msg["Message-ID"] = message_id(n.key, domain, register)
    root = thread_id(n.ticket, domain, register)
    refs = [root]
    source = str(n.context.get("source_message_id") or "").strip()
    if n.kind == "tanda_terima" and show_identity and _MSGID_RE.match(source):
        refs = [source, root]  # threads under the complainant's own mail in their client
    msg["In-Reply-To"] = refs[0]
    msg["References"] = " ".join(refs)
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Auto-Response-Suppress"] = "All"  # no out-of-office replies from Exchange
    msg["X-Aduan-Ticket"] = ticket
    msg["X-Aduan-Kind"] = _header_safe(n.kind, 40)
    if not n.to_complainant and n.kind not in COMPLAINANT_KINDS:
        # staff filter by step and role (issue 21): the step's number and the key (in
        # the SOP) of the role whose step it is; mails about no step name their roles
        step = n.context.get("step") or {}
        msg["X-Aduan-Step"] = _header_safe(step.get("number") or "-", 10)
        role = step.get("role_id") or " ".join(n.to_roles) or "-"
        msg["X-Aduan-Role"] = _header_safe(role, 80)
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    for data, safe in files:
        ctype = mimetypes.guess_type(safe)[0] or "application/octet-stream"
        maintype, subtype = ctype.split("/", 1)
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=safe)
    return msg


# ------------------------------------------------------------------ check
def check_templates(cfg: ComposeCfg) -> list[str]:
    """Render every email template with sample data; return one line per problem."""
    now = datetime(2026, 11, 24, 10, 30, tzinfo=cfg.tz)
    problems: list[str] = []
    for kind in KINDS:
        n = Notification(
            key=f"ADU/2026/11/0007|rapat|{kind}|1",
            kind=kind,
            ticket="ADU/2026/11/0007",
            step_id=None,
            to_roles=("petugas",),
            context=sample_context(kind, now),
        )
        for show in (True, False):
            try:
                compose(n, ["cek@example.com"], cfg, show_identity=show)
            except MailError as e:
                if str(e) not in problems:
                    problems.append(str(e))
    return problems
