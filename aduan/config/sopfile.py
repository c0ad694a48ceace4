"""Reading an SOP file: YAML in, a checked :class:`~aduan.core.sop.Sop` out."""

from __future__ import annotations

from pathlib import Path

import yaml

from aduan.core.sop import Sop, parse_sop
from aduan.errors import ConfigError

__all__ = ["load_sop"]

_CACHE: dict[tuple[str, int, int], Sop] = {}
# libyaml's loader when the wheel has it: the pure-Python one takes ~60 ms per SOP file
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_sop(path: str | Path) -> Sop:
    """Read and check an SOP file; every problem is a ConfigError naming file and key.

    A file already loaded and unchanged (same size and mtime) is not parsed again.
    """
    p = Path(path)
    try:
        stat = p.stat()
    except OSError:
        stat = None
    ckey = (str(p.resolve()), stat.st_mtime_ns, stat.st_size) if stat else None
    if ckey and ckey in _CACHE:
        return _CACHE[ckey]
    sop = _load_sop(p)
    if ckey:
        _CACHE[ckey] = sop
    return sop


def _load_sop(p: Path) -> Sop:
    try:
        data = yaml.load(p.read_text(encoding="utf-8"), Loader=_LOADER)
    except FileNotFoundError:
        raise ConfigError(
            "SOP file not found", file=str(p), fix="check the 'sop' setting"
        ) from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"cannot read SOP file ({e})", file=str(p)) from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else None
        raise ConfigError(
            f"not valid YAML ({getattr(e, 'problem', e)})",
            file=str(p),
            key=where,
            fix="fix the indentation or quoting there",
        ) from None
    return parse_sop(data, str(p))
