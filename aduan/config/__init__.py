"""Settings and SOP files: loaded once into typed objects; each edge is opened with its
own section. Messages name the file, the key and the fix."""

from aduan.config.settings import *  # noqa: F403
from aduan.config.settings import __all__ as _settings_all
from aduan.config.sopfile import load_sop

__all__ = [*_settings_all, "load_sop"]
