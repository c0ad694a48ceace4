"""Secrets (passwords, keys) come from an environment variable or a file, never the YAML."""

from __future__ import annotations

import os
from pathlib import Path

from aduan.errors import ConfigError

__all__ = ["resolve_secret"]


def resolve_secret(env: str = "", file: str = "", *, what: str, settings_file: str = "") -> str:
    """Return a secret from an environment variable or a file, never from YAML."""
    if env:
        val = os.environ.get(env)
        if val:
            return val
        if not file:
            raise ConfigError(
                f"environment variable {env} is not set",
                file=settings_file,
                key=what,
                fix=f"export {env}=... before running aduan",
            )
    if file:
        try:
            return Path(os.path.expanduser(file)).read_text(encoding="utf-8").strip()
        except OSError as e:
            raise ConfigError(
                f"cannot read secret file {file} ({e.strerror})",
                file=settings_file,
                key=what,
                fix="check the path and that the file is readable",
            ) from None
    raise ConfigError(
        "no secret configured",
        file=settings_file,
        key=what,
        fix="set *_env (an environment variable name) or *_file (a path)",
    )
