"""Reading one YAML file (settings or SOP) with one message per kind of problem."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from aduan.errors import ConfigError

__all__ = ["read_yaml"]

# libyaml's loader when the wheel has it: the pure-Python one takes ~60 ms per SOP file
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(p: Path, *, what: str, missing_fix: str) -> Any:
    """The file's YAML data; a ConfigError naming the file (and line) otherwise."""
    try:
        raw = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{what} file not found", file=str(p), fix=missing_fix) from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"cannot read {what} file ({e})", file=str(p)) from None
    try:
        return yaml.load(raw, Loader=_LOADER)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else None
        raise ConfigError(
            f"not valid YAML ({getattr(e, 'problem', e)})",
            file=str(p),
            key=where,
            fix="fix the indentation or quoting there",
        ) from None
