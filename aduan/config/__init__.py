"""Settings and SOP files: loaded once into typed objects; each edge is opened with its
own section. Messages name the file, the key and the fix."""

from aduan.config.load import load_settings
from aduan.config.secrets import resolve_secret
from aduan.config.sections import *  # noqa: F403
from aduan.config.sections import __all__ as _sections
from aduan.config.settings import DEFAULT_CONFIG, Settings
from aduan.config.sopfile import load_sop

__all__ = [*_sections, "DEFAULT_CONFIG", "Settings", "load_settings", "load_sop", "resolve_secret"]
