"""`aduan check`: everything an admin should know before adding the cron line.

Each check returns (name, ok, detail) and never raises: one broken part must
not hide the state of the others.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from typing import Any

from aduan.config import Settings
from aduan.core.ids import message_id
from aduan.errors import AduanError
from aduan.mail.send import SmtpMailer
from aduan.run.wiring import open_mailer

__all__ = ["deep_checks", "run_checks"]

logger = logging.getLogger(__name__)

Check = tuple[str, bool, str]


def _guard(name: str, fn: Callable[[], str | list[str]]) -> Check:
    """Run one check: a string is success, a non-empty list is problems."""
    try:
        out = fn()
    except AduanError as e:
        return name, False, str(e)
    except Exception as e:  # a check must report, never crash the others
        logger.exception("check %s", name)
        return name, False, f"{type(e).__name__}: {e}"
    if isinstance(out, list):
        return (name, True, "baik") if not out else (name, False, "; ".join(out))
    return name, True, out


def run_checks(settings: Settings, *, send_test_to: str = "") -> Iterator[Check]:
    """Configuration, SOP, templates, register, inbox, mail — in that order."""
    from aduan.core.layout import build_layout

    yield "Pengaturan", True, f"{settings.file} ({settings.office.display})"
    sop_holder: dict[str, Any] = {}

    def sop() -> str:
        s = settings.load_sop()
        sop_holder["sop"] = s
        return f"{s.name}: {len(s.steps)} tahap, peran {', '.join(s.roles)}"

    yield _guard("SOP", sop)
    if "sop" not in sop_holder:
        return
    layout = build_layout(sop_holder["sop"], settings.categories, settings.service.kind_names())

    def documents() -> list[str]:
        from aduan.run.wiring import open_documents

        return open_documents(settings, sop_holder["sop"]).check()

    def emails() -> list[str]:
        from aduan.mail.compose import check_templates
        from aduan.run.wiring import compose_cfg

        return check_templates(compose_cfg(settings, sop_holder["sop"]))

    def register() -> str:
        from aduan.run.wiring import open_register

        reg = open_register(settings, layout)
        try:
            checker = getattr(reg, "check", None)
            if checker:
                return checker()
            snap = reg.read()
            extra = (
                f"; {len(snap.problems)} catatan: {'; '.join(snap.problems)}"
                if (snap.problems)
                else ""
            )
            return f"{len(snap.rows)} baris terbaca{extra}"
        finally:
            reg.close()

    def inbox() -> str:
        from aduan.run.wiring import open_inbox

        box = open_inbox(settings)
        try:
            checker = getattr(box, "check", None)
            return checker() if checker else f"{len(box.poll())} email baru menunggu"
        finally:
            box.close()

    def mail() -> list[str] | str:

        problems = check_mailer(settings, send_test_to)
        if problems:
            return problems
        kind = settings.mail.type
        done = f"; email uji dikirim ke {send_test_to}" if send_test_to else ""
        return f"pengiriman {kind} siap{done}"

    def recap() -> list[str]:
        try:
            from aduan.run.recap import check_template
        except ImportError:
            return []
        return check_template(settings)

    def replies() -> str:
        cfg = getattr(settings, "replies", None)
        if not cfg or not cfg.enabled:
            return "tidak aktif"
        from aduan.run.wiring import reply_keys

        reply_keys(settings)  # raises ConfigError naming the key setting when unusable
        return f"aktif; alamat balasan {settings.reply_address}"

    def google() -> str:
        cfg = getattr(settings, "google", None)
        uses = settings.register_.type == "google" or (cfg and cfg.drive_folder_id)
        if not uses:
            return "tidak dipakai"
        from aduan.google.auth import identity
        from aduan.run.wiring import drive_for, google_account

        line = f"bertindak sebagai {identity(google_account(settings))}"
        if cfg and cfg.drive_folder_id:
            drive = drive_for(settings)
            try:
                line += f"; Drive: {drive.check()}"
            finally:
                drive.close()
        return line

    yield _guard("Templat dokumen", documents)
    yield _guard("Templat email", emails)
    yield _guard("Templat rekap", recap)
    yield _guard("Register", register)
    yield _guard("Kotak masuk", inbox)
    yield _guard("Pengiriman email", mail)
    yield _guard("Keputusan lewat balasan email", replies)
    yield _guard("Akun Google", google)


# -- issue 18 part 6: `aduan check --deep`, the live probe on the office's real sheet
DEEP = "Uji mendalam register"


def deep_checks(settings: Settings, *, client: Any = None) -> Iterator[Check]:
    """The register probe in a scratch tab (register.sheets.probe): one Check per
    outcome; an xlsx register has nothing to probe. ``client``: the tests' gspread."""
    if settings.register_.type != "google":
        yield (
            DEEP,
            True,
            "register berupa berkas .xlsx: tidak ada yang perlu diuji (hanya Google Sheet)",
        )
        return
    from aduan.core.layout import build_layout
    from aduan.run.wiring import sheets_register

    try:
        sop = settings.load_sop()
        layout = build_layout(sop, settings.categories, settings.service.kind_names())
        reg = sheets_register(settings, layout, client=client)
    except AduanError as e:
        yield DEEP, False, str(e)
        return
    try:
        outcomes = reg.probe()
    finally:
        reg.close()
    for ok, line in outcomes:
        yield DEEP, ok, line


def check_mailer(
    settings: Settings, send_test_to: str = "", *, now: datetime | None = None
) -> list[str]:
    """For ``aduan check``: can we send? Connects (and logs in) to SMTP or writes to the
    outbox folder; with ``send_test_to`` also sends a short test email. One line per problem."""
    now = now or datetime.now(UTC)
    try:
        mailer = open_mailer(settings)
    except AduanError as e:
        return [str(e)]
    try:
        if isinstance(mailer, SmtpMailer):
            mailer.connect()
        elif not send_test_to:
            folder = mailer.folder  # type: ignore[attr-defined]
            folder.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryFile(dir=folder):
                pass
        if send_test_to:
            ident = settings.mail_identity
            msg = EmailMessage()
            msg["From"] = formataddr((ident.from_name, ident.from_address))
            msg["To"] = send_test_to
            msg["Subject"] = f"Email uji Aduan — {settings.office.display}"
            msg["Date"] = format_datetime(now)
            msg["Message-ID"] = message_id(
                f"test|{now.isoformat()}", ident.from_address.split("@")[1]
            )
            msg["Auto-Submitted"] = "auto-generated"
            msg["X-Aduan-Kind"] = "uji"
            msg.set_content(
                "Ini email uji dari sistem pengelolaan pengaduan Aduan.\n"
                "Bila Anda menerimanya, pengiriman email sudah berfungsi. Tidak perlu dibalas.\n"
            )
            mailer.send(msg)
    except AduanError as e:
        return [str(e)]
    except OSError as e:
        return [f"cannot write to outbox: {e.strerror or e}"]
    finally:
        mailer.close()
    return []
