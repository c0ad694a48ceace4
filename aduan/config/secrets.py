"""Secrets (passwords, keys) come from an environment variable or a file, never the YAML."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from aduan.errors import ConfigError

__all__ = ["ensure_key_file", "resolve_secret"]


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


def ensure_key_file(path: Path) -> str:
    """The key in ``path``, made on first use: 32 random bytes as hex, 0600.

    Created with O_EXCL so two first runs cannot write two different keys; the
    loser reads the winner's. The state folder is outside the repo (var/ is
    ignored), so the key is never committed."""
    try:
        return _read_key(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_key(path)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(secrets.token_hex(32) + "\n")
        f.flush()
        os.fsync(f.fileno())
    return _read_key(path)


def _read_key(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise
    except OSError as e:
        raise ConfigError(
            f"cannot read the reply key {path} ({e.strerror})",
            key="replies.key_file",
            fix="check the state folder's permissions",
        ) from None
    if not text:  # a run killed between create and write: start again
        path.unlink(missing_ok=True)
        raise FileNotFoundError(path)
    return text
