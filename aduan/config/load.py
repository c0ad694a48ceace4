"""Loading the settings file (YAML) and resolving secrets from env vars or files."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from aduan.config.settings import DEFAULT_CONFIG, Settings
from aduan.config.yamlfile import read_yaml
from aduan.errors import ConfigError

__all__ = ["load_settings"]

logger = logging.getLogger(__name__)


def _key_of(loc: tuple[Any, ...]) -> str:
    # pydantic puts the discriminator tag into loc ('inbox', 'imap', 'host'): keep it readable
    return (
        ".".join(
            str(x)
            for x in loc
            if not (
                isinstance(x, str)
                and x in {"maildir", "imap", "xlsx", "google", "file", "smtp"}
                and len(loc) > 1
            )
        )
        or "(top)"
    )


def load_settings(path: str | Path | None = None) -> Settings:
    """Load and check a settings file (default: $ADUAN_CONFIG or config/settings.yaml)."""
    p = Path(path or os.environ.get("ADUAN_CONFIG") or DEFAULT_CONFIG)
    data = read_yaml(
        p,
        what="settings",
        missing_fix="copy config/settings.example.yaml to config/settings.yaml and edit it, "
        "or pass --config PATH",
    )
    if not isinstance(data, dict):
        raise ConfigError(
            "settings must be a mapping of keys",
            file=str(p),
            fix="start from config/settings.example.yaml",
        )
    for secret_key in ("password", "secret", "token"):
        for section in ("inbox", "mail", "register"):
            sec = data.get(section)
            if isinstance(sec, dict) and secret_key in sec:
                raise ConfigError(
                    "secrets may not be written in the settings file",
                    file=str(p),
                    key=f"{section}.{secret_key}",
                    fix=f"use {section}.{secret_key}_env (variable name) or "
                    f"{section}.{secret_key}_file (path) instead",
                )
    if isinstance(data.get("replies"), dict) and "key" in data["replies"]:
        raise ConfigError(
            "secrets may not be written in the settings file",
            file=str(p),
            key="replies.key",
            fix="use replies.key_env (variable name) or replies.key_file (path) instead",
        )
    base = data.pop("base", None)
    if base is None:
        base = (
            p.resolve().parent.parent if p.resolve().parent.name == "config" else p.resolve().parent
        )
    try:
        settings = Settings.model_validate({**data, "base": str(base), "file": str(p)})
    except ValidationError as e:
        err = e.errors()[0]
        key = _key_of(tuple(err["loc"]))
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "missing":
            msg = "required key is missing"
        elif err["type"] == "extra_forbidden":
            msg = "unknown key (typo?)"
        raise ConfigError(
            msg, file=str(p), key=key, fix="see config/settings.example.yaml"
        ) from None
    sop = settings.load_sop()
    missing = [r for r in sop.roles if not settings.roles.get(r)]
    if missing:
        raise ConfigError(
            f"no email address for role(s) {', '.join(missing)} of SOP {sop.id}",
            file=str(p),
            key="roles",
            fix=f"add e.g. roles: {{{missing[0]}: [nama@kantor.go.id]}}",
        )
    unknown = [r for r in settings.roles if r not in sop.roles]
    if unknown:
        raise ConfigError(
            f"role(s) {', '.join(unknown)} are not in SOP {sop.id}",
            file=str(p),
            key="roles",
            fix=f"use the SOP's roles: {', '.join(sop.roles)}",
        )
    for i, rung in enumerate(settings.escalation):
        for who in rung.to:
            if who not in ("assignee", "superior", "head") and who not in sop.roles:
                raise ConfigError(
                    f"unknown recipient {who!r}",
                    file=str(p),
                    key=f"escalation[{i}].to",
                    fix="use assignee, superior, head or a role of the SOP",
                )
    return settings
