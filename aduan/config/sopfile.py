"""Reading an SOP file: YAML in, a checked :class:`~aduan.core.sop.Sop` out."""

from __future__ import annotations

from pathlib import Path

from aduan.config.yamlfile import read_yaml
from aduan.core.sop import Sop, parse_sop

__all__ = ["load_sop"]

_CACHE: dict[tuple[str, int, int], Sop] = {}


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
    data = read_yaml(p, what="SOP", missing_fix="check the 'sop' setting")
    return parse_sop(data, str(p))
